package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The TCP options Flyover speaks, parsed from or written to a header; a reusable value (no allocation).
 *
 * <ul>
 *   <li>RFC 9293 §3.1/§3.2: End of Option List (0), No-Operation (1), Maximum Segment Size (2, length 4).
 *   <li>RFC 7323 §2: Window Scale (3, length 3; shift above 14 is treated as 14, §2.3).
 *   <li>RFC 7323 §3: Timestamps (8, length 10).
 *   <li>RFC 2018 §2-3: SACK-Permitted (4, length 2) and SACK (5, length 2 + 8n, 1 to 4 blocks).
 * </ul>
 *
 * <p>Malformed lists (RFC 9293 §3.1, MUST-7: "be prepared to handle an illegal option length (e.g.,
 * zero)"): a length below 2 or running past the header makes {@link #parse} answer {@link #MALFORMED};
 * the caller drops the segment and counts it. A known option with the wrong length is ignored, as is
 * any unknown option with a valid length (MUST-6), and counted in {@link #ignored()}.
 */
public final class TcpOptions {
    public static final int KIND_EOL = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;

    public static final int MAX_SACK_BLOCKS = 4;
    /** RFC 7323 §2.3: the largest shift. */
    public static final int MAX_WINDOW_SCALE = 14;

    public static final int OK = 0;
    public static final int MALFORMED = 1;

    /** -1 when absent. */
    public int mss = -1;
    /** -1 when absent; otherwise 0..14. */
    public int windowScale = -1;
    public boolean sackPermitted;
    public boolean timestamps;
    public int tsVal;
    public int tsEcr;
    public int sackBlocks;
    public final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    public final int[] sackRight = new int[MAX_SACK_BLOCKS];
    private int ignored;

    public void clear() {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        timestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlocks = 0;
        ignored = 0;
    }

    /** Options skipped during the last {@link #parse}: unknown kinds and known kinds of a wrong length. */
    public int ignored() { return ignored; }

    /** Parses {@code length} bytes of options at {@code offset}; {@link #OK} or {@link #MALFORMED}. */
    public int parse(MemorySegment segment, long offset, int length) {
        clear();
        int i = 0;
        while (i < length) {
            int kind = segment.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF;
            if (kind == KIND_EOL) {
                return OK;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= length) {
                return MALFORMED; // no room for the length byte
            }
            int len = segment.get(ValueLayout.JAVA_BYTE, offset + i + 1) & 0xFF;
            if (len < 2 || i + len > length) {
                return MALFORMED;
            }
            long at = offset + i + 2;
            switch (kind) {
                case KIND_MSS -> {
                    if (len == 4) { mss = segment.get(TcpHeader.U16, at) & 0xFFFF; } else { ignored++; }
                }
                case KIND_WINDOW_SCALE -> {
                    if (len == 3) {
                        windowScale = Math.min(segment.get(ValueLayout.JAVA_BYTE, at) & 0xFF, MAX_WINDOW_SCALE);
                    } else {
                        ignored++;
                    }
                }
                case KIND_SACK_PERMITTED -> {
                    if (len == 2) { sackPermitted = true; } else { ignored++; }
                }
                case KIND_TIMESTAMPS -> {
                    if (len == 10) {
                        timestamps = true;
                        tsVal = segment.get(TcpHeader.U32, at);
                        tsEcr = segment.get(TcpHeader.U32, at + 4);
                    } else {
                        ignored++;
                    }
                }
                case KIND_SACK -> {
                    int n = (len - 2) / 8;
                    if ((len - 2) % 8 != 0 || n < 1 || n > MAX_SACK_BLOCKS) {
                        ignored++;
                    } else {
                        for (int b = 0; b < n; b++) {
                            sackLeft[b] = segment.get(TcpHeader.U32, at + 8L * b);
                            sackRight[b] = segment.get(TcpHeader.U32, at + 8L * b + 4);
                        }
                        sackBlocks = n;
                    }
                }
                default -> ignored++;
            }
            i += len;
        }
        return OK;
    }

    /** Bytes {@link #write} will produce: the options padded with NOPs to a multiple of 4. */
    public int encodedLength() {
        int n = 0;
        if (mss >= 0) n += 4;
        if (windowScale >= 0) n += 4;                 // NOP + WS(3)
        if (sackPermitted && timestamps) n += 12;     // SACK-permitted(2) + TS(10)
        else if (sackPermitted) n += 4;               // NOP NOP SACK-permitted
        else if (timestamps) n += 12;                 // NOP NOP TS
        if (sackBlocks > 0) n += 4 + 8 * sackBlocks;  // NOP NOP SACK(2 + 8n)
        return n;
    }

    /** Writes the options at {@code offset} in the layout Linux uses; returns {@link #encodedLength()}. */
    public int write(MemorySegment segment, long offset) {
        long p = offset;
        if (mss >= 0) {
            p = put2(segment, p, KIND_MSS, 4);
            segment.set(TcpHeader.U16, p, (short) mss);
            p += 2;
        }
        if (sackPermitted && timestamps) {
            p = put2(segment, p, KIND_SACK_PERMITTED, 2);
            p = putTimestamps(segment, p);
        } else if (sackPermitted) {
            p = put2(segment, p, KIND_NOP, KIND_NOP);
            p = put2(segment, p, KIND_SACK_PERMITTED, 2);
        } else if (timestamps) {
            p = put2(segment, p, KIND_NOP, KIND_NOP);
            p = putTimestamps(segment, p);
        }
        if (windowScale >= 0) {
            segment.set(ValueLayout.JAVA_BYTE, p++, (byte) KIND_NOP);
            p = put2(segment, p, KIND_WINDOW_SCALE, 3);
            segment.set(ValueLayout.JAVA_BYTE, p++, (byte) windowScale);
        }
        if (sackBlocks > 0) {
            p = put2(segment, p, KIND_NOP, KIND_NOP);
            p = put2(segment, p, KIND_SACK, 2 + 8 * sackBlocks);
            for (int b = 0; b < sackBlocks; b++) {
                segment.set(TcpHeader.U32, p, sackLeft[b]);
                segment.set(TcpHeader.U32, p + 4, sackRight[b]);
                p += 8;
            }
        }
        return (int) (p - offset);
    }

    private long putTimestamps(MemorySegment segment, long p) {
        p = put2(segment, p, KIND_TIMESTAMPS, 10);
        segment.set(TcpHeader.U32, p, tsVal);
        segment.set(TcpHeader.U32, p + 4, tsEcr);
        return p + 8;
    }

    private static long put2(MemorySegment segment, long p, int a, int b) {
        segment.set(ValueLayout.JAVA_BYTE, p, (byte) a);
        segment.set(ValueLayout.JAVA_BYTE, p + 1, (byte) b);
        return p + 2;
    }

    /** Copies every field of {@code other}. */
    public void copyFrom(TcpOptions other) {
        mss = other.mss;
        windowScale = other.windowScale;
        sackPermitted = other.sackPermitted;
        timestamps = other.timestamps;
        tsVal = other.tsVal;
        tsEcr = other.tsEcr;
        sackBlocks = other.sackBlocks;
        System.arraycopy(other.sackLeft, 0, sackLeft, 0, MAX_SACK_BLOCKS);
        System.arraycopy(other.sackRight, 0, sackRight, 0, MAX_SACK_BLOCKS);
        ignored = other.ignored;
    }
}
