package io.flyover.provider.stats;

import static io.flyover.provider.stats.MiniJson.array;
import static io.flyover.provider.stats.MiniJson.object;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script {@code provider/bin/flyover-stat} as an operator runs it: it finds a JDK 25 and
 * the shaded agent jar (built by {@code package}, hence an IT) and reads a live child's statistics.
 */
class FlyoverStatScriptIT {
    @TempDir
    Path dir;

    @BeforeAll
    static void needsTheAgentJar() {
        String built = System.getProperty("flyover.agent.jar");
        Assumptions.assumeTrue(built != null,
                "FlyoverStatScriptIT runs in the integration-test phase (after the shaded jar is built), not with -Dtest");
        assertTrue(Files.isRegularFile(Path.of(built)), "the shaded jar is built before the ITs run: " + built);
    }

    private record Run(int status, String out, String err) {}

    private static Run script(String... args) throws Exception {
        Path script = Path.of("bin", "flyover-stat").toAbsolutePath();
        assertTrue(Files.isExecutable(script), script + " is executable");
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("FLYOVER_JAR");
        Process p = pb.start();
        p.getOutputStream().close();
        var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("flyover-stat did not finish: " + command);
        }
        return new Run(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theScriptListsAndShowsALiveProcessFromTheAgentJar() throws Exception {
        Child child = Child.start(dir);
        try {
            Run list = script("--dir", dir.toString(), "--json");
            assertEquals(0, list.status(), list.err());
            Map<String, Object> proc = object(array(object(MiniJson.parse(list.out())).get("processes")).getFirst());
            assertEquals(child.pid(), ((Number) proc.get("pid")).longValue());
            assertEquals(3L, object(proc.get("sockets")).get("offloaded"));

            Run once = script("--dir", dir.toString(), "--once", Long.toString(child.pid()));
            assertEquals(0, once.status(), once.err());
            assertTrue(once.out().contains("Flyover process " + child.pid()), once.out());
            assertTrue(once.out().contains("ESTABLISHED"), once.out());
            assertEquals("", once.err(), "nothing on stderr (no logging framework warning)");

            Run usage = script("--no-such-option");
            assertEquals(2, usage.status());
            assertTrue(usage.err().contains("usage: flyover-stat"), usage.err());
        } finally {
            child.process().getOutputStream().close();
            if (!child.process().waitFor(30, TimeUnit.SECONDS)) {
                child.process().destroyForcibly();
            }
        }
    }
}
