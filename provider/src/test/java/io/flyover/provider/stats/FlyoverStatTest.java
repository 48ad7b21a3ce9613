package io.flyover.provider.stats;

import static io.flyover.provider.stats.MiniJson.array;
import static io.flyover.provider.stats.MiniJson.object;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flyover-stat} against a real second process: a child JVM ({@link StatsChild}) publishes a
 * loopback stack's counters while the command lists it, prints it once, as JSON (parsed back) and live
 * with rates; a child that exits cleanly takes its file with it, a killed child's file is found stale
 * and removed.
 */
class FlyoverStatTest {
    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws Exception {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Child startChild() throws Exception {
        Child c = Child.start(dir);
        children.add(c.process());
        return c;
    }

    private record Result(int status, String out, String err) {}

    private static Result stat(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = FlyoverStat.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static long number(Object v) {
        return ((Number) v).longValue();
    }

    @Test
    void listsShowsAndStreamsALiveProcessThenLosesItsFileAtCleanExit() throws Exception {
        Child child = startChild();
        String d = dir.toString();
        String pid = Long.toString(child.pid());

        Result list = stat("--dir", d);
        assertEquals(0, list.status(), list.err());
        String row = list.out().lines().filter(l -> l.startsWith(pid + " ")).findFirst().orElseThrow(() -> new AssertionError(list.out()));
        assertTrue(row.matches(pid + "\\s+\\S+\\s+1\\s+3\\s+1\\s+3\\s+.*StatsChild.*"), row);

        Map<String, Object> listJson = object(MiniJson.parse(stat("--dir", d, "--json").out()));
        Map<String, Object> proc = object(array(listJson.get("processes")).getFirst());
        assertEquals(child.pid(), number(proc.get("pid")));
        assertTrue(((String) proc.get("command")).contains(StatsChild.class.getName()));
        Map<String, Object> sockets = object(proc.get("sockets"));
        assertEquals(3, number(sockets.get("offloaded")));
        assertEquals(1, number(sockets.get("kernel")));
        assertEquals(3, number(sockets.get("tracked")));
        assertEquals(List.of(), listJson.get("stale"));

        Result once = stat("--dir", d, "--once", pid);
        assertEquals(0, once.status(), once.err());
        assertTrue(once.out().contains("Flyover process " + pid), once.out());
        assertTrue(once.out().contains("sockets: 3 offloaded, 1 kernel, 3 with counters, 0 without"), once.out());
        assertTrue(once.out().contains("decided (offload/kernel): tcp_server 1/0 tcp_client 1/0 udp_sender 0/1"), once.out());
        assertTrue(once.out().contains("stack 0 lo"), once.out());
        assertTrue(once.out().contains("ESTABLISHED"), once.out());
        assertTrue(once.out().contains("tcp listen [::]:7000"), once.out());

        Map<String, Object> snapshot = object(MiniJson.parse(stat("--dir", d, "--json", "--once", pid).out()));
        assertEquals(child.pid(), number(snapshot.get("pid")));
        assertEquals(1, number(object(object(snapshot.get("process")).get("counters")).get("sockets.kernel")));
        Map<String, Object> stack = object(array(snapshot.get("stacks")).getFirst());
        assertTrue(number(object(stack.get("counters")).get("rxPackets")) > 0, stack.toString());
        assertFalse(stack.containsKey("ratesPerSecond"), "one snapshot has no rates");
        long sending = array(snapshot.get("sockets")).stream().map(MiniJson::object)
                .filter(s -> "ESTABLISHED".equals(s.get("state")))
                .filter(s -> number(object(s.get("counters")).get("bytesOut")) > 0).count();
        assertEquals(1, sending, "the client sends, the server only receives: " + snapshot.get("sockets"));

        Result live = stat("--dir", d, "--json", "-n", "3", "-i", "0.3", pid);
        assertEquals(0, live.status(), live.err());
        List<String> lines = live.out().lines().toList();
        assertEquals(3, lines.size(), live.out());
        for (int i = 1; i < 3; i++) {
            Map<String, Object> s = object(MiniJson.parse(lines.get(i)));
            assertTrue(((Number) s.get("intervalSeconds")).doubleValue() > 0.2);
            Map<String, Object> rates = object(object(array(s.get("stacks")).getFirst()).get("ratesPerSecond"));
            assertTrue(((Number) rates.get("rxPackets")).doubleValue() > 0, "the child keeps sending: " + rates);
        }

        Result text = stat("--dir", d, "-n", "2", "-i", "0.3", pid);
        assertEquals(0, text.status(), text.err());
        String second = text.out().substring(text.out().lastIndexOf("Flyover process"));
        String rxLine = second.lines().filter(l -> l.trim().startsWith("rxPackets ")).findFirst().orElseThrow();
        assertTrue(rxLine.matches("\\s+rxPackets\\s+\\d+\\s+\\d+(\\.\\d)?k?"), "a rate per second follows the total: " + rxLine);

        Path file = dir.resolve(StatsFileLayout.fileName(child.pid()));
        assertTrue(Files.exists(file));
        child.process().getOutputStream().close(); // the child's signal to exit cleanly
        assertTrue(child.process().waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, child.process().exitValue(), Files.readString(dir.resolve("child-stderr.txt")));
        assertFalse(Files.exists(file), "a clean exit deletes the statistics file");
        assertTrue(stat("--dir", d).out().contains("(no running Flyover process)"));
    }

    @Test
    void aKilledProcesssFileIsFoundStaleAndRemoved() throws Exception {
        Child child = startChild();
        String d = dir.toString();
        String pid = Long.toString(child.pid());
        Path file = dir.resolve(StatsFileLayout.fileName(child.pid()));
        child.process().destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertTrue(child.process().waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(file), "a killed process leaves its file behind");

        Map<String, Object> kept = object(MiniJson.parse(stat("--dir", d, "--json", "--keep-stale").out()));
        assertEquals(List.of(), kept.get("processes"));
        Map<String, Object> stale = object(array(kept.get("stale")).getFirst());
        assertEquals(child.pid(), number(stale.get("pid")));
        assertEquals("process " + pid + " is gone", stale.get("reason"));
        assertEquals(Boolean.FALSE, stale.get("removed"));
        assertTrue(Files.exists(file));

        Result once = stat("--dir", d, "--once", "--keep-stale", pid);
        assertEquals(1, once.status());
        assertTrue(once.err().contains("stale " + file + " (process " + pid + " is gone)"), once.err());

        Result list = stat("--dir", d);
        assertEquals(0, list.status());
        assertTrue(list.out().contains("removed stale " + file + " (process " + pid + " is gone)"), list.out());
        assertFalse(Files.exists(file), "flyover-stat removed the stale file");

        Result gone = stat("--dir", d, "--once", pid);
        assertEquals(1, gone.status());
        assertTrue(gone.err().contains("no statistics file for process " + pid), gone.err());
    }

    @Test
    void badArgumentsAreAUsageError() {
        Result r = stat("--interval");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--interval needs a value") && r.err().contains("usage: flyover-stat"), r.err());
        assertEquals(2, stat("12", "13").status());
        assertEquals(2, stat("--bogus").status());
        assertEquals(2, stat("-n", "0", "1").status());
        Result help = stat("--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("usage: flyover-stat"));
    }
}
