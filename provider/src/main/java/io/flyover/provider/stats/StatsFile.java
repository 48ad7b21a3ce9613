package io.flyover.provider.stats;

import static io.flyover.provider.stats.StatsFileLayout.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's statistics file ({@link StatsFileLayout}): an Agrona {@link CountersManager} in a
 * memory-mapped file that {@code flyover-stat} reads from another process, as {@code xlio_stats} reads
 * XLIO's. Created when the provider starts, deleted by {@link #close()} or at a clean JVM exit.
 *
 * <p>Counters are allocated and freed here (under this object's lock: socket open and close, never the
 * data path); their values are written by {@link StatsPublisher} (one per stack, on the stack's
 * thread) and {@link ProcessStats} with single ordered or atomic stores into {@link #values()}.
 * A daemon thread rewrites the heartbeat every second, so a reader tells a live process from one that
 * died without cleaning up.
 *
 * <p>{@link #open} never fails the application: when the file cannot be created the process runs with a
 * disabled instance ({@link #isEnabled()} false) that allocates no counters, and says so once in the log.
 */
public final class StatsFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatsFile.class);

    private final Path path;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final AtomicBuffer values;
    private final CountersManager counters;
    private final EpochClock clock;
    private final ProcessStats process;
    private final UnsafeBuffer keyScratch = new UnsafeBuffer(new byte[CountersReader.MAX_KEY_LENGTH]);
    private final UnsafeBuffer labelScratch = new UnsafeBuffer(new byte[CountersReader.MAX_LABEL_LENGTH]);
    private final Thread heartbeat;
    private final Thread shutdownHook;
    private long nextRegistrationId = 1;
    private int nextStackId;
    private long nextSocketId = 1;
    private volatile boolean closed;

    private StatsFile(Path path, MappedByteBuffer mapped, int capacity, EpochClock clock, long heartbeatMillis) {
        this.path = path;
        this.mapped = mapped;
        this.clock = clock;
        if (mapped == null) {
            this.header = null;
            this.values = null;
            this.counters = null;
            this.heartbeat = null;
            this.shutdownHook = null;
            this.process = new ProcessStats(this);
            return;
        }
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        UnsafeBuffer metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, (int) metadataLength(capacity));
        this.values = new UnsafeBuffer(mapped, HEADER_LENGTH + (int) metadataLength(capacity), (int) valuesLength(capacity));
        this.counters = new CountersManager(metadata, values, StandardCharsets.US_ASCII);
        this.process = new ProcessStats(this);
        this.heartbeat = heartbeatMillis > 0 ? startHeartbeat(heartbeatMillis) : null;
        this.shutdownHook = new Thread(this::delete, "flyover-stats-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Maps {@code <directory>/flyover-<pid>.stats} for this process, or answers a disabled instance (when
     * the options say so, or the file cannot be created: logged once as a warning).
     */
    public static StatsFile open(StatsOptions options) {
        return open(options, SystemEpochClock.INSTANCE);
    }

    static StatsFile open(StatsOptions options, EpochClock clock) {
        if (!options.enabled()) {
            return disabled();
        }
        try {
            return create(options, clock);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Flyover statistics disabled: cannot create a statistics file in {}: {}", options.directory(), e.toString());
            return disabled();
        }
    }

    /** Creates and maps the file, replacing one a dead process with this pid left behind. */
    public static StatsFile create(StatsOptions options, EpochClock clock) throws IOException {
        Path dir = options.directory();
        createSharedDirectory(dir);
        ProcessHandle self = ProcessHandle.current();
        long pid = self.pid();
        Path target = dir.resolve(fileName(pid));
        Path temporary = dir.resolve(fileName(pid) + ".new");
        int capacity = options.capacity();
        long length = fileLength(capacity);
        MappedByteBuffer mapped;
        try (FileChannel ch = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(new byte[1]), length - 1); // size the file; tmpfs allocates pages as they are touched
            mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
        UnsafeBuffer h = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        long now = clock.time();
        h.putInt(VERSION_OFFSET, VERSION);
        h.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        h.putLong(PID_OFFSET, pid);
        h.putLong(START_TIME_OFFSET, self.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
        h.putLong(HEARTBEAT_OFFSET, now);
        h.putLong(CREATED_OFFSET, now);
        h.putInt(CAPACITY_OFFSET, capacity);
        h.putInt(METADATA_LENGTH_OFFSET, (int) metadataLength(capacity));
        h.putInt(VALUES_LENGTH_OFFSET, (int) valuesLength(capacity));
        byte[] command = commandLine(self).getBytes(StandardCharsets.UTF_8);
        int n = utf8Prefix(command, MAX_COMMAND_LENGTH);
        h.putInt(COMMAND_LENGTH_OFFSET, n);
        h.putBytes(COMMAND_OFFSET, command, 0, n);
        h.putLongRelease(MAGIC_OFFSET, MAGIC);
        try {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return new StatsFile(target, mapped, capacity, clock, options.heartbeatMillis());
    }

    private static StatsFile shared;

    /**
     * The process's one statistics file, opened by the first call (with that call's options); every
     * provider in the JVM publishes into it. A file per process, named by pid: a second {@link #open}
     * would replace the first.
     */
    public static synchronized StatsFile shared(StatsOptions options) {
        if (shared == null) {
            shared = open(options);
        }
        return shared;
    }

    /** An instance that maps nothing: every allocation answers no counter. */
    public static StatsFile disabled() {
        return new StatsFile(null, null, 0, SystemEpochClock.INSTANCE, 0);
    }

    public boolean isEnabled() { return counters != null; }

    /** The file, or null when disabled. */
    public Path path() { return path; }

    /** The values buffer counters are written into ({@link CountersReader#counterOffset(int)}); null when disabled. */
    AtomicBuffer values() { return values; }

    /** The process-wide counters: sockets offloaded and on the kernel. */
    public ProcessStats process() { return process; }

    /** A publisher for one stack, with the next stack number; see {@link StatsPublisher}. */
    public StatsPublisher newPublisher(io.flyover.stack.Stack stack, String name, long publishIntervalNanos) {
        int id;
        synchronized (this) {
            id = nextStackId++;
        }
        return new StatsPublisher(this, id, name, stack, publishIntervalNanos);
    }

    synchronized long nextSocketId() {
        return nextSocketId++;
    }

    /** Counters still free. */
    public synchronized int available() {
        return counters == null || closed ? 0 : counters.available();
    }

    /**
     * Allocates {@code names.length} counters for one owner, all or none: their ids, or null when the file
     * is disabled or has no room for them all.
     */
    synchronized int[] allocate(StatsFileLayout.Scope scope, long ownerId, long referenceId, String description,
                                String[] names, byte[] kinds) {
        if (counters == null || closed || counters.available() < names.length) {
            return null;
        }
        int[] ids = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            ids[i] = allocateOne(scope, ownerId, referenceId, description, names[i], kinds[i]);
        }
        return ids;
    }

    private int allocateOne(StatsFileLayout.Scope scope, long ownerId, long referenceId, String description, String name, byte kind) {
        int nameLength = Math.min(name.length(), MAX_NAME_LENGTH);
        keyScratch.putByte(0, kind);
        keyScratch.putByte(1, (byte) nameLength);
        keyScratch.putStringWithoutLengthAscii(2, name, 0, nameLength);
        String label = description + ": " + name;
        int labelLength = labelScratch.putStringWithoutLengthAscii(0, label, 0, Math.min(label.length(), CountersReader.MAX_LABEL_LENGTH));
        int id = counters.allocate(scope.typeId, keyScratch, 0, 2 + nameLength, labelScratch, 0, labelLength);
        counters.setCounterValue(id, 0);
        counters.setCounterOwnerId(id, ownerId);
        counters.setCounterReferenceId(id, referenceId);
        counters.setCounterRegistrationId(id, nextRegistrationId++);
        return id;
    }

    /** Frees counters from {@link #allocate}; their ids may be reused at once. */
    synchronized void free(int[] ids) {
        if (counters == null || closed || ids == null) {
            return;
        }
        for (int id : ids) {
            counters.free(id);
        }
    }

    /** Rewrites the heartbeat with the clock's time (the daemon thread does this every second). */
    public void heartbeat() {
        if (header != null && !closed) {
            header.putLongRelease(HEARTBEAT_OFFSET, clock.time());
        }
    }

    /** Stops the heartbeat and deletes the file; counters written afterwards land in memory nobody reads. */
    @Override
    public void close() {
        if (counters == null) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        synchronized (StatsFile.class) {
            if (shared == this) {
                shared = null;
            }
        }
        if (heartbeat != null) {
            heartbeat.interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to: it deletes the file too.
        }
        delete();
    }

    private void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot delete the statistics file {}: {}", path, e.toString());
        }
        // The mapping stays until the buffer is collected: a publisher still running writes into it harmlessly.
    }

    private Thread startHeartbeat(long periodMillis) {
        return Thread.ofPlatform().daemon().name("flyover-stats-heartbeat").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
                heartbeat();
            }
        });
    }

    /**
     * Creates the directory readable and writable by every user with the sticky bit, as {@code /tmp}
     * (processes of several users publish side by side; each deletes only its own files).
     */
    private static void createSharedDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.setAttribute(dir, "unix:mode", 01777);
        } catch (UnsupportedOperationException | IOException | IllegalArgumentException | UncheckedIOException e) {
            // Best effort: a non-POSIX file system, or "unix:mode" not settable; the owner can still write.
        }
    }

    private static String commandLine(ProcessHandle self) {
        return self.info().commandLine()
                .or(() -> self.info().command())
                .orElse("java");
    }

    /** The longest prefix of {@code utf8} of at most {@code max} bytes that does not cut a character. */
    static int utf8Prefix(byte[] utf8, int max) {
        if (utf8.length <= max) {
            return utf8.length;
        }
        int n = max;
        while (n > 0 && (utf8[n] & 0xC0) == 0x80) {
            n--; // utf8[n] continues a character that starts before it
        }
        return n;
    }
}
