package io.flyover.samples.entry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each entry-point example either works through Flyover or says in one line why not. Which one depends
 * on what the class path holds (the provider classes are built on another branch), so each test first
 * finds out, then asserts the matching outcome.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EntryPointExamplesTest {
    interface Example {
        int run(PrintStream out, PrintStream err) throws Exception;
    }

    record Outcome(int status, String out, String err) {
        void assertOneLineError(String expectedStart) {
            assertTrue(status != 0, this.toString());
            assertEquals("", out, this.toString());
            assertTrue(err.startsWith(expectedStart), "expected '" + expectedStart + "...' in " + this);
            assertEquals(1, err.lines().count(), "exactly one line: " + this);
        }
    }

    static Outcome run(Example example) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = example.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static boolean present(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void helloCrossesTheGivenProvider() throws Exception {
        assertEquals("hello", LoopbackHello.hello(JdkSelectorProvider.get()));
    }

    @Test
    void systemPropertyExampleNeedsTheProperty() throws Exception {
        // The test JVM is not started with the property (a JVM reads it once, at its first provider()).
        Outcome o = run(SystemPropertyExample::run);
        assertEquals(2, o.status(), o.toString());
        o.assertOneLineError("start with -Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider (it is not set)");
    }

    @Test
    void systemPropertyExampleInItsOwnJvm() throws Exception {
        Outcome o = runJvm(List.of("-D" + LoopbackHello.PROVIDER_PROPERTY + "=" + LoopbackHello.FLYOVER_PROVIDER),
                SystemPropertyExample.class.getName());
        if (present(LoopbackHello.FLYOVER_PROVIDER)) {
            assertEquals(0, o.status(), o.toString());
            assertEquals("SelectorProvider.provider() is " + LoopbackHello.FLYOVER_PROVIDER + "; echo: hello\n", o.out(), o.toString());
        } else {
            assertEquals(1, o.status(), o.toString());
            o.assertOneLineError(LoopbackHello.FLYOVER_PROVIDER + " is not on the class path\n");
        }
    }

    @Test
    void classPathExample() throws Exception {
        Outcome o = run(ClassPathExample::run);
        SelectorProvider jvm = SelectorProvider.provider();
        if (LoopbackHello.isFlyover(jvm)) {
            assertEquals(0, o.status(), o.toString());
            assertTrue(o.out().endsWith("; echo: hello\n"), o.toString());
        } else {
            o.assertOneLineError("SelectorProvider.provider() is " + jvm.getClass().getName() + ": no jar on the class path names "
                    + LoopbackHello.FLYOVER_PROVIDER);
        }
    }

    @Test
    void programmaticFactoryExample() throws Exception {
        Outcome o = run(ProgrammaticFactoryExample::run);
        if (present(LoopbackHello.FLYOVER_FACTORY)) {
            assertEquals(0, o.status(), o.toString());
            assertTrue(o.out().startsWith("Flyover.provider(settings) is ") && o.out().endsWith("; echo: hello\n"), o.toString());
        } else {
            o.assertOneLineError("Flyover's factory io.flyover.provider.Flyover is not on the class path");
        }
    }

    @Test
    void javaAgentExampleWithoutTheAgent() throws Exception {
        Outcome o = run(JavaAgentExample::run); // surefire starts the test JVM without Flyover's agent
        o.assertOneLineError("not running under Flyover's agent (");
        assertTrue(o.err().contains("start with -javaagent:"), o.toString());
    }

    /** Runs {@code main} of {@code className} in a fresh JVM with this JVM's class path and flags. */
    private static Outcome runJvm(List<String> options, String className) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1"));
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), className));
        Process p = new ProcessBuilder(command).start();
        byte[] err = p.getErrorStream().readAllBytes();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the example's JVM did not end");
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
