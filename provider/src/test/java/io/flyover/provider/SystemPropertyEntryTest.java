package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The system-property entry point: a child JVM started with
 * {@code -Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider} runs an
 * unmodified NIO program on Flyover's provider.
 */
@Timeout(60)
class SystemPropertyEntryTest {

    static List<String> childCommand(String mainClass, String... properties) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-exports") || arg.startsWith("--enable-native-access") || arg.startsWith("--add-opens")) {
                cmd.add(arg);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.addAll(List.of(properties));
        cmd.add(mainClass);
        return cmd;
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child JVM finished");
            assertEquals(0, p.exitValue(), out);
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theSystemPropertyInstallsFlyover() throws Exception {
        String out = run(childCommand(ChildJvmMain.class.getName(),
                "-Djava.nio.channels.spi.SelectorProvider=" + FlyoverSelectorProvider.class.getName(),
                "-Dflyover.idle=sleep"));
        assertTrue(out.contains("echo=hello"), out);
        assertTrue(out.contains("provider=" + FlyoverSelectorProvider.class.getName()), out);
        // loopback is the kernel's without flyover.loopback.offload: both ends counted on the kernel path
        assertTrue(out.contains("tcp_server offload=0 kernel=1"), out);
        assertTrue(out.contains("tcp_client offload=0 kernel=1"), out);
    }

    @Test
    void withLoopbackOffloadAnUnmodifiedProgramRunsOverFlyover() throws Exception {
        String out = run(childCommand(ChildJvmMain.class.getName(),
                "-Djava.nio.channels.spi.SelectorProvider=" + FlyoverSelectorProvider.class.getName(),
                "-Dflyover.loopback.offload=true", "-Dflyover.idle=sleep"));
        assertTrue(out.contains("echo=hello"), out);
        assertTrue(out.contains("tcp_server offload=1 kernel=0"), out);
        assertTrue(out.contains("tcp_client offload=1 kernel=0"), out);
        assertTrue(out.contains("accepted offload=1 kernel=0"), out);
    }

    @Test
    void theServicesFileMakesFlyoverTheDefaultOnTheClassPath() throws Exception {
        String out = run(childCommand(ChildJvmMain.class.getName(), "-Dflyover.idle=sleep"));
        assertTrue(out.contains("echo=hello"), out);
        assertTrue(out.contains("provider=" + FlyoverSelectorProvider.class.getName()), out);
    }
}
