package io.flyover.provider.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.stats.StatsDirectory.Liveness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code flyover-stat} tells a live process's file from a dead one's: the pid is gone, the pid now
 * names a process started at another time, or the heartbeat stopped. The process table is a fake here
 * (the child-JVM test uses the real one).
 */
class StatsDirectoryTest {
    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private boolean alive = true;
    private long startOfPid;

    private final StatsDirectory.ProcessProbe probe = new StatsDirectory.ProcessProbe() {
        @Override
        public boolean alive(long pid) {
            return alive;
        }

        @Override
        public long startMillis(long pid) {
            return startOfPid;
        }
    };

    private StatsDirectory directory() {
        return new StatsDirectory(dir, 30_000, now::get, probe);
    }

    private StatsFile file() throws Exception {
        StatsFile f = StatsFile.create(new StatsOptions(true, dir, 0, 64, 0), now::get);
        startOfPid = StatsFileReader.open(f.path()).startTimeMillis();
        return f;
    }

    @Test
    void aLiveProcessWithARecentHeartbeatIsLive() throws Exception {
        try (StatsFile f = file()) {
            now.addAndGet(29_000);
            List<StatsDirectory.Entry> entries = directory().scan();
            assertEquals(1, entries.size());
            StatsDirectory.Entry e = entries.getFirst();
            assertEquals(Liveness.LIVE, e.liveness(), e.reason());
            assertEquals(ProcessHandle.current().pid(), e.pid());
            assertEquals(List.of(), directory().removeStale(entries));
            assertTrue(Files.exists(f.path()));
        }
    }

    @Test
    void aGonePidIsStaleAndRemoved() throws Exception {
        try (StatsFile f = file()) {
            alive = false;
            List<StatsDirectory.Entry> entries = directory().scan();
            assertEquals(Liveness.STALE, entries.getFirst().liveness());
            assertTrue(entries.getFirst().reason().contains("is gone"), entries.getFirst().reason());
            assertEquals(entries, directory().removeStale(entries));
            assertFalse(Files.exists(f.path()));
            assertEquals(List.of(), directory().scan());
        }
    }

    @Test
    void aReusedPidIsRecognisedByItsStartTime() throws Exception {
        try (StatsFile _ = file()) {
            startOfPid += 60_000; // same pid, but a process that started a minute later
            StatsDirectory.Entry e = directory().find(ProcessHandle.current().pid());
            assertEquals(Liveness.STALE, e.liveness());
            assertTrue(e.reason().contains("now belongs to a process started at"), e.reason());
            startOfPid -= 60_000 - 1_500; // within the tolerance of /proc's boot time
            assertEquals(Liveness.LIVE, directory().find(ProcessHandle.current().pid()).liveness());
        }
    }

    @Test
    void aStoppedHeartbeatIsStaleAndARunningOneKeepsTheFileLive() throws Exception {
        try (StatsFile f = file()) {
            now.addAndGet(31_000);
            StatsDirectory.Entry e = directory().find(ProcessHandle.current().pid());
            assertEquals(Liveness.STALE, e.liveness());
            assertEquals("no heartbeat for 31 s", e.reason());
            f.heartbeat();
            assertEquals(Liveness.LIVE, directory().find(ProcessHandle.current().pid()).liveness());
        }
    }

    @Test
    void foreignAndBrokenFilesAreJudgedByTheirNamesPid() throws Exception {
        Files.writeString(dir.resolve("flyover-12345.stats"), "not a statistics file");
        Files.writeString(dir.resolve("flyover-54321.stats.new"), "");
        Files.writeString(dir.resolve("flyover-notes.txt"), "unrelated");
        Files.writeString(dir.resolve("other.stats"), "unrelated");
        List<StatsDirectory.Entry> entries = directory().scan();
        assertEquals(1, entries.size(), "a live process's unfinished file is skipped: " + entries);
        assertEquals(12345, entries.get(0).pid());
        assertEquals(Liveness.UNREADABLE, entries.get(0).liveness(), "pid 12345 lives: its file is not ours to judge");
        assertNull(entries.get(0).reader());
        alive = false;
        entries = directory().scan();
        assertEquals(List.of(Liveness.STALE, Liveness.STALE), entries.stream().map(StatsDirectory.Entry::liveness).toList());
        directory().removeStale(entries);
        assertFalse(Files.exists(dir.resolve("flyover-12345.stats")));
        assertFalse(Files.exists(dir.resolve("flyover-54321.stats.new")));
        assertTrue(Files.exists(dir.resolve("flyover-notes.txt")));
        assertTrue(Files.exists(dir.resolve("other.stats")));
    }

    @Test
    void aMissingDirectoryHasNoFiles() throws Exception {
        assertEquals(List.of(), new StatsDirectory(dir.resolve("none"), 1000).scan());
    }

    @Test
    void fileNamesCarryThePid() {
        assertEquals(42, StatsFileLayout.pidOf(Path.of("/x/flyover-42.stats")));
        assertEquals(-1, StatsFileLayout.pidOf(Path.of("flyover-.stats")));
        assertEquals(-1, StatsFileLayout.pidOf(Path.of("flyover-4a.stats")));
        assertEquals(-1, StatsFileLayout.pidOf(Path.of("flyover-42.stats.new")));
        assertEquals(-1, StatsFileLayout.pidOf(Path.of("flyover-1234567890123456789.stats")));
    }

    @Test
    void longCommandLinesAreCutOnACharacterBoundary() {
        byte[] utf8 = "aé".getBytes(java.nio.charset.StandardCharsets.UTF_8); // 'a', then two bytes
        assertEquals(1, StatsFile.utf8Prefix(utf8, 2));
        assertEquals(3, StatsFile.utf8Prefix(utf8, 3));
        assertEquals(1, StatsFile.utf8Prefix(utf8, 1));
    }
}
