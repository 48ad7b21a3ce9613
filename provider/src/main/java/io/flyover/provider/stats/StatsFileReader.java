package io.flyover.provider.stats;

import static io.flyover.provider.stats.StatsFileLayout.*;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Another process's statistics file, mapped read-only: its header ({@link StatsFileLayout}) and its
 * counters, read into {@link StatsSnapshot}s. Used by {@code flyover-stat}; never writes.
 */
public final class StatsFileReader {
    private final Path path;
    private final UnsafeBuffer header;
    private final CountersReader counters;
    private final long pid;
    private final long startTimeMillis;
    private final long createdMillis;
    private final String command;

    private StatsFileReader(Path path, MappedByteBuffer mapped, int capacity) {
        this.path = path;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        UnsafeBuffer metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, (int) metadataLength(capacity));
        UnsafeBuffer values = new UnsafeBuffer(mapped, HEADER_LENGTH + (int) metadataLength(capacity), (int) valuesLength(capacity));
        this.counters = new CountersReader(metadata, values, StandardCharsets.US_ASCII);
        this.pid = header.getLong(PID_OFFSET);
        this.startTimeMillis = header.getLong(START_TIME_OFFSET);
        this.createdMillis = header.getLong(CREATED_OFFSET);
        int n = Math.clamp(header.getInt(COMMAND_LENGTH_OFFSET), 0, MAX_COMMAND_LENGTH);
        byte[] bytes = new byte[n];
        header.getBytes(COMMAND_OFFSET, bytes);
        this.command = new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Maps {@code file}; throws {@link IOException} when it is not a complete statistics file of this
     * layout version (too short, no magic yet, another version).
     */
    public static StatsFileReader open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_LENGTH) {
                throw new IOException(file + ": not a Flyover statistics file (" + size + " bytes)");
            }
            MappedByteBuffer head = ch.map(FileChannel.MapMode.READ_ONLY, 0, HEADER_LENGTH);
            UnsafeBuffer h = new UnsafeBuffer(head);
            if (h.getLongVolatile(MAGIC_OFFSET) != MAGIC) {
                throw new IOException(file + ": not a Flyover statistics file (no magic)");
            }
            int version = h.getInt(VERSION_OFFSET);
            if (version != VERSION || h.getInt(HEADER_LENGTH_OFFSET) != HEADER_LENGTH) {
                throw new IOException(file + ": statistics layout version " + version + ", this reader knows " + VERSION);
            }
            int capacity = h.getInt(CAPACITY_OFFSET);
            if (capacity < 1 || fileLength(capacity) > size
                    || h.getInt(METADATA_LENGTH_OFFSET) != metadataLength(capacity)
                    || h.getInt(VALUES_LENGTH_OFFSET) != valuesLength(capacity)) {
                throw new IOException(file + ": inconsistent statistics header (capacity " + capacity + ", " + size + " bytes)");
            }
            return new StatsFileReader(file, ch.map(FileChannel.MapMode.READ_ONLY, 0, fileLength(capacity)), capacity);
        }
    }

    public Path path() { return path; }
    public long pid() { return pid; }
    /** The owner JVM's start, epoch milliseconds; 0 when it could not tell. */
    public long startTimeMillis() { return startTimeMillis; }
    public long createdMillis() { return createdMillis; }
    public String command() { return command; }

    /** The owner's last heartbeat, epoch milliseconds. */
    public long heartbeatMillis() {
        return header.getLongVolatile(HEARTBEAT_OFFSET);
    }

    /** Reads every counter now (the owner keeps writing meanwhile: each value is one atomic read). */
    public StatsSnapshot snapshot(long takenAtNanos) {
        Map<Long, Map<Long, StatsSnapshot.Owner>> byScope = new LinkedHashMap<>();
        List<StatsSnapshot.Owner> owners = new ArrayList<>();
        counters.forEach((counterId, typeId, keyBuffer, label) -> {
            StatsFileLayout.Scope scope = StatsFileLayout.Scope.ofTypeId(typeId);
            if (scope == null) {
                return;
            }
            byte kind = keyBuffer.getByte(0);
            int nameLength = Math.clamp(keyBuffer.getByte(1) & 0xFF, 0, MAX_NAME_LENGTH);
            String name = keyBuffer.getStringWithoutLengthAscii(2, nameLength);
            long ownerId = counters.getCounterOwnerId(counterId);
            long referenceId = counters.getCounterReferenceId(counterId);
            long registrationId = counters.getCounterRegistrationId(counterId);
            long value = counters.getCounterValue(counterId);
            String suffix = ": " + name;
            String description = label.endsWith(suffix) ? label.substring(0, label.length() - suffix.length()) : label;
            StatsSnapshot.Owner owner = byScope.computeIfAbsent((long) scope.ordinal(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(ownerId, k -> {
                        StatsSnapshot.Owner o = new StatsSnapshot.Owner(scope, ownerId, referenceId, description, new LinkedHashMap<>());
                        owners.add(o);
                        return o;
                    });
            owner.fields().put(name, new StatsSnapshot.Field(name, kind == KIND_GAUGE, value, registrationId));
        });
        return new StatsSnapshot(pid, command, startTimeMillis, heartbeatMillis(), takenAtNanos, owners);
    }
}
