package io.flyover.provider.stats;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

/**
 * The statistics files of a directory and whether their owners still live. A file is stale when its
 * process is gone, when its pid now belongs to a process that started at another time (the pid was
 * reused), or when its heartbeat is older than {@code staleAfterMillis} (the owner died without a trace
 * we can check, or hangs). {@link #removeStale} deletes stale files, as their owners would have at a
 * clean exit.
 */
public final class StatsDirectory {
    /** Start times further apart than this name different processes ({@code /proc/stat}'s boot time moves by a second). */
    static final long START_TIME_TOLERANCE_MILLIS = 2_000;
    public static final long DEFAULT_STALE_AFTER_MILLIS = 30_000;

    /** How a file's owner is looked up; the real one asks {@link ProcessHandle}. */
    public interface ProcessProbe {
        /** Whether a process with this pid runs now. */
        boolean alive(long pid);

        /** That process's start, epoch milliseconds, or 0 when unknown. */
        long startMillis(long pid);

        ProcessProbe SYSTEM = new ProcessProbe() {
            @Override
            public boolean alive(long pid) {
                return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            }

            @Override
            public long startMillis(long pid) {
                return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(Instant::toEpochMilli).orElse(0L);
            }
        };
    }

    public enum Liveness { LIVE, STALE, UNREADABLE }

    /**
     * One file: its reader (null when unreadable), whether its owner lives, and why not.
     *
     * @param pid from the header, or from the file name when unreadable (-1 if neither)
     */
    public record Entry(Path path, long pid, StatsFileReader reader, Liveness liveness, String reason) {}

    private final Path directory;
    private final long staleAfterMillis;
    private final EpochClock clock;
    private final ProcessProbe probe;

    public StatsDirectory(Path directory, long staleAfterMillis) {
        this(directory, staleAfterMillis, SystemEpochClock.INSTANCE, ProcessProbe.SYSTEM);
    }

    public StatsDirectory(Path directory, long staleAfterMillis, EpochClock clock, ProcessProbe probe) {
        this.directory = directory;
        this.staleAfterMillis = staleAfterMillis;
        this.clock = clock;
        this.probe = probe;
    }

    public Path directory() { return directory; }

    /** Every statistics file in the directory (none when it does not exist), by pid. */
    public List<Entry> scan() throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return entries;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, StatsFileLayout.FILE_PREFIX + "*")) {
            for (Path f : files) {
                Entry e = examine(f);
                if (e != null) {
                    entries.add(e);
                }
            }
        }
        entries.sort(Comparator.comparingLong(Entry::pid));
        return entries;
    }

    /** The file of process {@code pid}, or null when there is none. */
    public Entry find(long pid) throws IOException {
        return examine(directory.resolve(StatsFileLayout.fileName(pid)));
    }

    /** One file judged; null when it is not (or no longer) there or not one of ours. */
    public Entry examine(Path file) {
        String name = file.getFileName().toString();
        boolean partial = name.endsWith(StatsFileLayout.FILE_SUFFIX + ".new");
        long namePid = StatsFileLayout.pidOf(partial ? file.resolveSibling(name.substring(0, name.length() - 4)) : file);
        if (namePid < 0) {
            return null;
        }
        if (partial) {
            // A file being created, or left by a process that died creating it.
            return probe.alive(namePid) ? null : new Entry(file, namePid, null, Liveness.STALE, "unfinished file of a process that is gone");
        }
        StatsFileReader reader;
        try {
            reader = StatsFileReader.open(file);
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            return probe.alive(namePid)
                    ? new Entry(file, namePid, null, Liveness.UNREADABLE, e.getMessage())
                    : new Entry(file, namePid, null, Liveness.STALE, "unreadable, and process " + namePid + " is gone");
        }
        String stale = staleReason(reader);
        return new Entry(file, reader.pid(), reader, stale == null ? Liveness.LIVE : Liveness.STALE, stale);
    }

    /** Why the file's owner is taken for dead, or null when it lives. */
    public String staleReason(StatsFileReader r) {
        long pid = r.pid();
        if (!probe.alive(pid)) {
            return "process " + pid + " is gone";
        }
        long started = probe.startMillis(pid);
        if (r.startTimeMillis() != 0 && started != 0 && Math.abs(started - r.startTimeMillis()) > START_TIME_TOLERANCE_MILLIS) {
            return "pid " + pid + " now belongs to a process started at " + Instant.ofEpochMilli(started)
                    + ", not the owner started at " + Instant.ofEpochMilli(r.startTimeMillis());
        }
        long age = clock.time() - r.heartbeatMillis();
        if (age > staleAfterMillis) {
            return "no heartbeat for " + age / 1000 + " s";
        }
        return null;
    }

    /** Deletes the stale entries' files; answers those it deleted (a file of another user may resist). */
    public List<Entry> removeStale(List<Entry> entries) {
        List<Entry> removed = new ArrayList<>();
        for (Entry e : entries) {
            if (e.liveness() == Liveness.STALE) {
                try {
                    Files.deleteIfExists(e.path());
                    removed.add(e);
                } catch (IOException ignored) {
                    // Not ours to delete: left for its owner's user.
                }
            }
        }
        return removed;
    }
}
