package io.flyover.provider.stats;

import java.nio.file.Path;
import org.agrona.concurrent.status.CountersReader;

/**
 * Where everything lies in a statistics file, in one place (both the owning process and
 * {@code flyover-stat} read these offsets). One file per process, {@code flyover-<pid>.stats}:
 *
 * <pre>
 * offset  size  field
 *      0     8  magic "FLYOSTAT" (written last, with release semantics: a reader that sees it sees the rest)
 *      8     4  layout version ({@link #VERSION})
 *     12     4  header length ({@link #HEADER_LENGTH})
 *     16     8  pid
 *     24     8  JVM start time, epoch milliseconds (0 when unknown): with the pid, names the process
 *     32     8  heartbeat, epoch milliseconds, rewritten by the owner every second
 *     40     8  file created, epoch milliseconds
 *     48     4  counters capacity (how many counters the buffers hold)
 *     52     4  metadata buffer length = capacity * 512
 *     56     4  values buffer length = capacity * 128
 *     60     4  command line length in bytes (UTF-8)
 *     64   ...  command line, truncated to the header
 *   4096   ...  Agrona CountersManager metadata buffer, then its values buffer (page aligned)
 * </pre>
 *
 * All numbers are in the platform's byte order (the file never leaves the host).
 *
 * <p>Each counter (Agrona {@link CountersReader} record) says whose it is and what it means:
 * <ul>
 *   <li>type id: the owner's {@link Scope} ({@link Scope#PROCESS}, {@link Scope#STACK}, {@link Scope#QUEUE},
 *       {@link Scope#SOCKET});</li>
 *   <li>owner id: the owner within its scope (stack number, queue = stack * 65536 + queue, socket serial);</li>
 *   <li>reference id: the stack a queue or socket belongs to, -1 otherwise;</li>
 *   <li>registration id: a serial number unique in the file, so a reader computing rates notices that
 *       a counter id was freed and reused;</li>
 *   <li>key: byte 0 the {@link #KIND_COUNTER kind} (a monotonic counter or a gauge), byte 1 the name's
 *       length, then the field name in ASCII, such as {@code rxPackets} or {@code drop.TCP_BAD_CHECKSUM};</li>
 *   <li>label: {@code "<owner description>: <field name>"}, such as {@code "stack 0 lo: rxPackets"}.</li>
 * </ul>
 */
public final class StatsFileLayout {
    private StatsFileLayout() {}

    /** "FLYOSTAT" in ASCII, first byte lowest. */
    public static final long MAGIC = 0x5441_5453_4f59_4c46L;
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 4096;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int PID_OFFSET = 16;
    public static final int START_TIME_OFFSET = 24;
    public static final int HEARTBEAT_OFFSET = 32;
    public static final int CREATED_OFFSET = 40;
    public static final int CAPACITY_OFFSET = 48;
    public static final int METADATA_LENGTH_OFFSET = 52;
    public static final int VALUES_LENGTH_OFFSET = 56;
    public static final int COMMAND_LENGTH_OFFSET = 60;
    public static final int COMMAND_OFFSET = 64;
    public static final int MAX_COMMAND_LENGTH = HEADER_LENGTH - COMMAND_OFFSET;

    /** Key byte 0: a count that only grows (a reader shows its rate per second). */
    public static final byte KIND_COUNTER = 0;
    /** Key byte 0: a level that goes up and down (state, window, queue length). */
    public static final byte KIND_GAUGE = 1;
    /** Longest field name a key holds. */
    public static final int MAX_NAME_LENGTH = CountersReader.MAX_KEY_LENGTH - 2;

    public static final String FILE_PREFIX = "flyover-";
    public static final String FILE_SUFFIX = ".stats";

    /** Whose a counter is: the Agrona type id of its record. */
    public enum Scope {
        /** The process: sockets offloaded and left to the kernel. */
        PROCESS(1),
        /** One stack: packets, bytes, drops by reason, TCP counters, frame pool. */
        STACK(2),
        /** One device queue of a stack: packets, bytes, polls. */
        QUEUE(3),
        /** One socket: segments, bytes, retransmissions, RTT, windows, state. */
        SOCKET(4);

        public final int typeId;

        Scope(int typeId) {
            this.typeId = typeId;
        }

        /** The scope with this type id, or null for counters some other writer put in the file. */
        public static Scope ofTypeId(int typeId) {
            for (Scope s : values()) {
                if (s.typeId == typeId) {
                    return s;
                }
            }
            return null;
        }
    }

    public static long metadataLength(int capacity) {
        return (long) capacity * CountersReader.METADATA_LENGTH;
    }

    public static long valuesLength(int capacity) {
        return (long) capacity * CountersReader.COUNTER_LENGTH;
    }

    public static long fileLength(int capacity) {
        return HEADER_LENGTH + metadataLength(capacity) + valuesLength(capacity);
    }

    public static String fileName(long pid) {
        return FILE_PREFIX + pid + FILE_SUFFIX;
    }

    /** The pid a statistics file's name carries, or -1 when the name is not one of ours. */
    public static long pidOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith(FILE_PREFIX) || !name.endsWith(FILE_SUFFIX)) {
            return -1;
        }
        String digits = name.substring(FILE_PREFIX.length(), name.length() - FILE_SUFFIX.length());
        if (digits.isEmpty() || digits.length() > 18) {
            return -1;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(digits);
    }
}
