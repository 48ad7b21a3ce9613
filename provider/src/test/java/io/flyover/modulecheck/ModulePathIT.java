package io.flyover.modulecheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider jar as a named module: its descriptor {@code provides} the {@code SelectorProvider}, and a
 * JVM with Flyover on the module path (the application on the class path, unmodified) gets Flyover from
 * {@code SelectorProvider.provider()} without any property, with the devices bound through the
 * {@code NetDeviceFactory} service. Runs after {@code package} (the integration-test execution).
 */
@Timeout(120)
class ModulePathIT {
    private static final Set<String> MODULE_JARS = Set.of("flyover-stack-", "flyover-linux-ffm-", "flyover-verbs-ffm-",
            "agrona-", "slf4j-api-");

    @Test
    void onTheModulePathTheJdkFindsFlyoverThroughTheModuleDescriptor(@TempDir Path app) throws Exception {
        String jar = System.getProperty("flyover.provider.jar");
        Assumptions.assumeTrue(jar != null, "ModulePathIT runs in the integration-test phase, after the jar is built");
        Path providerJar = Path.of(jar);
        assertTrue(Files.isRegularFile(providerJar), "the provider jar was not built: " + providerJar);

        ModuleReference provider = ModuleFinder.of(providerJar).findAll().iterator().next();
        ModuleDescriptor d = provider.descriptor();
        assertEquals("io.flyover.provider", d.name());
        assertTrue(!d.isAutomatic(), "a module-info, not a name from the manifest");
        assertTrue(d.provides().stream().anyMatch(p -> p.service().equals("java.nio.channels.spi.SelectorProvider")
                && p.providers().equals(List.of("io.flyover.provider.FlyoverSelectorProvider"))), d.provides().toString());
        assertTrue(d.uses().contains("io.flyover.stack.device.NetDeviceFactory"));

        List<String> modulePath = new ArrayList<>(List.of(providerJar.toString()));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.endsWith(".jar") && !name.contains("-tests") && MODULE_JARS.stream().anyMatch(name::startsWith)) {
                modulePath.add(entry);
            }
        }
        assertEquals(MODULE_JARS.size() + 1, modulePath.size(), "the dependency jars (packaged before this phase): " + modulePath);
        Path probeDir = app.resolve(ModulePathProbe.class.getPackageName().replace('.', File.separatorChar));
        Files.createDirectories(probeDir);
        Path classes = Path.of(ModulePathProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String probeFile = ModulePathProbe.class.getName().replace('.', File.separatorChar) + ".class";
        Files.copy(classes.resolve(probeFile), app.resolve(probeFile), StandardCopyOption.REPLACE_EXISTING);

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", String.join(File.pathSeparator, modulePath),
                "--add-modules", "io.flyover.provider",
                "--add-exports", "java.base/sun.nio.ch=io.flyover.provider",
                "--add-exports", "java.base/jdk.internal.misc=org.agrona",
                "--enable-native-access=io.flyover.provider,io.flyover.linux,io.flyover.verbs",
                "-Dflyover.loopback.offload=true",
                "-cp", app.toString(), ModulePathProbe.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the child JVM finished");
        assertEquals(0, process.exitValue(), out);
        Map<String, String> facts = new LinkedHashMap<>();
        out.lines().filter(l -> l.indexOf('=') > 0)
                .forEach(l -> facts.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        assertEquals("io.flyover.provider.FlyoverSelectorProvider", facts.get("provider"), out);
        assertEquals("io.flyover.provider", facts.get("module"), out);
        assertEquals("7", facts.get("echo"), out);
        assertEquals("1", facts.get("offloadedClients"), "the loopback connection went through Flyover: " + out);
    }
}
