package io.flyover.provider.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shaded {@code flyover-agent.jar} in a child JVM started with nothing but {@code -javaagent:} (no
 * {@code --add-exports}, no {@code --enable-native-access}) in front of the unmodified {@link AgentScenario}.
 *
 * <p>Runs in the {@code integration-test} phase, after the jar is built ({@code provider/pom.xml}). What the
 * agent must do depends on the jar: with {@code io.flyover.provider.FlyoverSelectorProvider} inside, Flyover
 * serves channels and {@code java.net} sockets; without it (a branch before the provider lands), the agent says
 * so in one line and leaves the JDK in charge. Each test asserts whichever applies to the jar under test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlyoverAgentIT {
    private static final String FLYOVER_PROVIDER = "io.flyover.provider.FlyoverSelectorProvider";
    private static final String ABSENT_LINE = "flyover-agent: " + FLYOVER_PROVIDER
            + " is not on the class path: the JDK's own sockets stay in charge";
    private static Path agentJar;
    private static Path testClasses;
    private static boolean flyoverInJar;

    /** What the child printed and how it ended. */
    private record Run(int exitCode, Map<String, String> facts, List<String> stderr, String stdout) {
        String fact(String key) {
            String value = facts.get(key);
            if (value == null) {
                throw new AssertionError("the scenario did not report " + key + "; stdout:\n" + stdout + "\nstderr:\n" + stderr);
            }
            return value;
        }

        List<String> agentLines() {
            return stderr.stream().filter(line -> line.startsWith("flyover-agent: ")).toList();
        }
    }

    @BeforeAll
    static void locateTheJar() throws IOException {
        String jar = System.getProperty("flyover.agent.jar");
        Assumptions.assumeTrue(jar != null,
                "FlyoverAgentIT runs in the integration-test phase (after the shaded jar is built), not with -Dtest");
        agentJar = Path.of(jar);
        assertTrue(Files.isRegularFile(agentJar), "the shaded agent jar was not built: " + agentJar);
        testClasses = Path.of(System.getProperty("flyover.agent.it.classes"));
        try (JarFile jarFile = new JarFile(agentJar.toFile())) {
            flyoverInJar = jarFile.getEntry(FLYOVER_PROVIDER.replace('.', '/') + ".class") != null;
            assertEquals("io.flyover.provider.agent.FlyoverAgent",
                    jarFile.getManifest().getMainAttributes().getValue("Premain-Class"), "Premain-Class");
            assertEquals("io.flyover.provider.agent.FlyoverAgent",
                    jarFile.getManifest().getMainAttributes().getValue("Agent-Class"), "Agent-Class");
            for (String bundled : List.of("io/flyover/stack/Stack.class", "org/agrona/DirectBuffer.class",
                    "org/slf4j/Logger.class", "io/flyover/provider/net/ChannelSocketImpl.class",
                    "META-INF/services/io.flyover.stack.device.NetDeviceFactory")) {
                assertTrue(jarFile.getEntry(bundled) != null, "the agent jar bundles " + bundled);
            }
        }
    }

    private static Run run(String agentOptions, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-javaagent:" + agentJar + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", testClasses.toString(), AgentScenario.class.getName()));
        return execute(command);
    }

    private static Run execute(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        var stdout = process.getInputStream();
        var stderr = process.getErrorStream();
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(stdout));
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(stderr));
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the child JVM did not finish: " + command + "\nstderr:\n" + err.getNow("?"));
        }
        String text = out.get();
        Map<String, String> facts = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                facts.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new Run(process.exitValue(), facts, err.get().lines().toList(), text);
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertTrafficWorked(Run run) {
        assertEquals(0, run.exitCode(), "the scenario's exit code; stderr:\n" + run.stderr());
        assertEquals("ping", run.fact("tcp.server.got"), "Socket to ServerSocket");
        assertEquals("pong", run.fact("tcp.client.got"), "ServerSocket's accepted socket back to the client");
        assertEquals("udp", run.fact("udp.got"), "DatagramSocket to DatagramSocket");
        assertEquals("200 hello over http", run.fact("http.got"), "HttpClient against HttpServer");
        assertTrue(List.of("m", "unsupported").contains(run.fact("multicast.got")), "MulticastSocket on the loopback interface");
    }

    /** The traffic went through Flyover's loopback stack, not the kernel: the sockets' paths and the stack's frames. */
    private static void assertOffloaded(Run run) {
        assertTrue(Long.parseLong(run.fact("offload.tcp_server")) >= 2, "ServerSocket and HttpServer listen on Flyover");
        assertTrue(Long.parseLong(run.fact("offload.tcp_client")) >= 2, "Socket and HttpClient connect over Flyover");
        assertTrue(Long.parseLong(run.fact("offload.accepted")) >= 2, "both connections accepted from Flyover listeners");
        assertEquals("0", run.fact("kernel.tcp_client"), "no TCP connection fell back to the kernel");
        assertTrue(Long.parseLong(run.fact("offload.udp_receiver")) >= 1, "a DatagramSocket bound on Flyover");
        assertTrue(Long.parseLong(run.fact("loopback.stack.rxFrames")) > 0, "frames went round Flyover's loopback stack");
    }

    private static void assertModuleAccessGranted(Run run) {
        assertEquals("true", run.fact("exports.sun.nio.ch"), "java.base/sun.nio.ch exported by the agent");
        assertEquals("true", run.fact("exports.jdk.internal.misc"), "java.base/jdk.internal.misc exported by the agent");
        assertEquals("true", run.fact("opens.java.net"), "java.base/java.net opened by the agent");
        assertEquals("true", run.fact("nativeAccess"), "native access enabled by the agent");
    }

    @Test
    void aPlainJavaNetApplicationRunsWithTheAgentAlone() throws Exception {
        Run run = run("loopback.offload=true");
        assertTrafficWorked(run);
        assertModuleAccessGranted(run);
        assertEquals("true", run.fact("setting.loopback.offload"), "the agent option became a flyover.* property");
        if (flyoverInJar) {
            assertEquals(FLYOVER_PROVIDER, run.fact("provider"), "SelectorProvider.provider()");
            assertEquals(FLYOVER_PROVIDER, run.fact("agent.state.provider"), "the agent's reported provider");
            assertEquals("socket,serverSocket,datagramSocket", run.fact("agent.state.factories"), "factories installed");
            assertTrue(Long.parseLong(run.fact("factories.sockets")) >= 2, "client and accepted sockets came from the factory");
            assertTrue(Long.parseLong(run.fact("factories.serverSockets")) >= 1, "the server socket came from the factory");
            assertTrue(Long.parseLong(run.fact("factories.datagramSockets")) >= 2, "datagram sockets came from the factory");
            assertOffloaded(run);
            assertEquals(List.of(), run.agentLines(), "the agent stays quiet when all went as asked");
        } else {
            assertEquals(List.of(ABSENT_LINE), run.agentLines(), "one line explains the degradation");
            assertEquals("jdk", run.fact("agent.state.provider"), "the agent's reported provider");
            assertEquals("", run.fact("agent.state.factories"), "no factories without Flyover's provider");
            assertFalse(run.fact("provider").startsWith("io.flyover"), "SelectorProvider.provider() is the JDK's");
            assertEquals("0", run.fact("factories.sockets"), "no socket came from a Flyover factory");
            assertEquals("0", run.fact("factories.datagramSockets"), "no datagram socket came from a Flyover factory");
        }
    }

    @Test
    void factoriesAlwaysCarryJavaNetOverTheCurrentProvidersChannels() throws Exception {
        Run run = run("agent.factories=always,agent.verbose=true");
        assertTrafficWorked(run);
        assertEquals("socket,serverSocket,datagramSocket", run.fact("agent.state.factories"), "factories installed");
        assertTrue(Long.parseLong(run.fact("factories.sockets")) >= 2, "client and accepted sockets came from the factory");
        assertTrue(Long.parseLong(run.fact("factories.serverSockets")) >= 1, "the server socket came from the factory");
        // two unicast, and two more for the multicast members unless lo cannot join
        assertTrue(Long.parseLong(run.fact("factories.datagramSockets")) >= 2, "datagram sockets came from the factory");
        assertTrue(run.agentLines().stream().anyMatch(line -> line.contains("java.net factories: socket,serverSocket,datagramSocket")),
                "verbose mode reports what was installed: " + run.agentLines());
    }

    @Test
    void aProviderChosenByTheUserIsKeptAndCommandLinePropertiesWin() throws Exception {
        Run run = run("loopback.offload=true",
                "-Djava.nio.channels.spi.SelectorProvider=" + UserChosenProvider.class.getName(),
                "-Dflyover.loopback.offload=false");
        assertTrafficWorked(run);
        assertEquals(UserChosenProvider.class.getName(), run.fact("provider"), "SelectorProvider.provider()");
        assertEquals(UserChosenProvider.class.getName(), run.fact("agent.state.provider"), "the agent's reported provider");
        assertEquals("", run.fact("agent.state.factories"), "no factories over a provider that is not Flyover");
        assertEquals("false", run.fact("setting.loopback.offload"), "-D wins over the agent option");
        assertEquals(List.of("flyover-agent: -Dflyover.loopback.offload=false wins over the agent option flyover.loopback.offload=true"),
                run.agentLines(), "one line names the conflict");
    }

    @Test
    void anAgentAttachedAfterProviderInitialisationExplainsWhatItCanStillDo() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Djdk.attach.allowAttachSelf=true");
        command.addAll(List.of("-cp", testClasses.toString(), LateAttachScenario.class.getName()));
        command.addAll(List.of(agentJar.toString(), "loopback.offload=true"));
        Run run = execute(command);
        assertTrafficWorked(run);
        assertModuleAccessGranted(run);
        assertFalse(run.fact("provider.before").startsWith("io.flyover"), "the JDK's provider was initialised first");
        assertEquals(run.fact("provider.before"), run.fact("provider"), "SelectorProvider.provider() cannot change any more");
        assertEquals("jdk", run.fact("agent.state.provider"), "the agent's reported provider");
        if (flyoverInJar) {
            assertEquals(1, run.agentLines().size(), "one line explains the late attach: " + run.agentLines());
            assertTrue(run.agentLines().get(0).contains("was already initialised to " + run.fact("provider.before")),
                    "the line names the provider in charge: " + run.agentLines());
            assertEquals("socket,serverSocket,datagramSocket", run.fact("agent.state.factories"),
                    "java.net sockets still get Flyover through the factories");
            assertTrue(Long.parseLong(run.fact("factories.sockets")) >= 2, "client and accepted sockets came from the factory");
        } else {
            assertEquals(List.of(ABSENT_LINE), run.agentLines(), "one line explains the degradation");
            assertEquals("", run.fact("agent.state.factories"), "no factories without Flyover's provider");
        }
    }

    @Test
    void invalidOptionsStopTheJvmWithTheReason() throws Exception {
        Run run = run("agent.factories=sometimes");
        assertTrue(run.exitCode() != 0, "the JVM does not start with an invalid agent option");
        assertTrue(run.stderr().stream().anyMatch(line -> line.contains("flyover.agent.factories must be auto, always or never, not 'sometimes'")),
                "the reason is printed: " + run.stderr());
    }
}
