package io.flyover.provider.stats;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;

/**
 * How a process publishes its statistics. Keys follow the provider's naming rule: system property
 * {@code flyover.stats.dir} = environment variable {@code FLYOVER_STATS_DIR}.
 *
 * @param enabled {@value #ENABLED} (default true): whether the process maps a statistics file at all
 * @param directory {@value #DIR} (default {@code /dev/shm/flyover}, or {@code <java.io.tmpdir>/flyover}
 *     on hosts without {@code /dev/shm})
 * @param publishIntervalNanos {@value #INTERVAL_MS} (default 100): how often a stack thread copies its
 *     counters into the file
 * @param capacity {@value #MAX_COUNTERS} (default 16384): counters the file holds; sockets opened when
 *     it is full get no counters of their own (counted as {@code sockets.untracked})
 * @param heartbeatMillis how often the owner rewrites the heartbeat (1000; 0 for none, in tests)
 */
public record StatsOptions(boolean enabled, Path directory, long publishIntervalNanos, int capacity, long heartbeatMillis) {
    public static final String ENABLED = "flyover.stats";
    public static final String DIR = "flyover.stats.dir";
    public static final String INTERVAL_MS = "flyover.stats.interval.ms";
    public static final String MAX_COUNTERS = "flyover.stats.max.counters";

    public static final int DEFAULT_CAPACITY = 16_384;
    public static final long DEFAULT_INTERVAL_MS = 100;
    public static final long DEFAULT_HEARTBEAT_MS = 1_000;

    public StatsOptions {
        if (capacity < 16 || capacity > 1 << 20) {
            throw new IllegalArgumentException(MAX_COUNTERS + " must be in [16, 1048576]: " + capacity);
        }
        if (publishIntervalNanos < 0) {
            throw new IllegalArgumentException(INTERVAL_MS + " must not be negative");
        }
    }

    /** The defaults, writing into {@code directory}. */
    public static StatsOptions in(Path directory) {
        return new StatsOptions(true, directory, DEFAULT_INTERVAL_MS * 1_000_000L, DEFAULT_CAPACITY, DEFAULT_HEARTBEAT_MS);
    }

    /**
     * Options from settings: {@code lookup} answers a key's value or null when unset (the runtime passes
     * its settings, e.g. {@code key -> settings.get(key).orElse(null)}).
     */
    public static StatsOptions from(Function<String, String> lookup) {
        String enabled = lookup.apply(ENABLED);
        String dir = lookup.apply(DIR);
        String interval = lookup.apply(INTERVAL_MS);
        String max = lookup.apply(MAX_COUNTERS);
        return new StatsOptions(
                enabled == null || !enabled.trim().equalsIgnoreCase("false"),
                dir == null || dir.isBlank() ? defaultDirectory() : Path.of(dir.trim()),
                (interval == null ? DEFAULT_INTERVAL_MS : parse(INTERVAL_MS, interval)) * 1_000_000L,
                max == null ? DEFAULT_CAPACITY : (int) parse(MAX_COUNTERS, max),
                DEFAULT_HEARTBEAT_MS);
    }

    /** Options from system properties, then environment variables (the naming rule). */
    public static StatsOptions fromSystem() {
        return from(StatsOptions::systemValue);
    }

    /** {@code key} as a system property, else as its environment variable, else null. */
    static String systemValue(String key) {
        String v = System.getProperty(key);
        return v != null ? v : System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_'));
    }

    /** {@code /dev/shm/flyover} where {@code /dev/shm} exists (memory, never written to disk), else the temp dir. */
    public static Path defaultDirectory() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? shm.resolve("flyover") : Path.of(System.getProperty("java.io.tmpdir"), "flyover");
    }

    private static long parse(String key, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not a number: '" + value + "'", e);
        }
    }
}
