package io.flyover.stack.device.soft;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

/**
 * The last frames that crossed a bridge, kept for failure reports: when, from which port, how long,
 * and their first bytes (Ethernet and IP headers, the start of TCP/UDP). A preallocated ring:
 * recording copies bytes and allocates nothing; only {@link #appendTo} builds text.
 */
public final class FrameTrace {
    /** Bytes kept per frame: Ethernet (14) + IPv6 (40) + the first 10 of TCP/UDP. */
    public static final int BYTES_KEPT = 64;

    private final long[] time;
    private final int[] port;
    private final int[] length;
    private final byte[] bytes;
    private final MemorySegment bytesSegment;
    private long count;

    public FrameTrace(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        time = new long[capacity];
        port = new int[capacity];
        length = new int[capacity];
        bytes = new byte[capacity * BYTES_KEPT];
        bytesSegment = MemorySegment.ofArray(bytes);
    }

    void record(long nowNanos, int ingressPort, MemorySegment region, long address, int frameLength) {
        int i = (int) (count++ % time.length);
        time[i] = nowNanos;
        port[i] = ingressPort;
        length[i] = frameLength;
        MemorySegment.copy(region, address, bytesSegment, (long) i * BYTES_KEPT, Math.min(frameLength, BYTES_KEPT));
    }

    /** Frames recorded since the start (not only those still kept). */
    public long count() { return count; }

    /** One line per kept frame, oldest first: time, ingress port, length, first bytes in hex. */
    public void appendTo(StringBuilder out, String[] portNames) {
        HexFormat hex = HexFormat.of();
        long first = Math.max(0, count - time.length);
        for (long k = first; k < count; k++) {
            int i = (int) (k % time.length);
            int p = port[i];
            out.append("  t=").append(time[i]).append(" from ")
                    .append(p >= 0 && p < portNames.length ? portNames[p] : "port" + p)
                    .append(" len=").append(length[i]).append(' ')
                    .append(hex.formatHex(bytes, i * BYTES_KEPT, i * BYTES_KEPT + Math.min(length[i], BYTES_KEPT)))
                    .append('\n');
        }
    }
}
