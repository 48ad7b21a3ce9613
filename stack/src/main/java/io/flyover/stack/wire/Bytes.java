package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Network-byte-order (big-endian) access to a {@link MemorySegment}; the only place wire code reads bytes. */
public final class Bytes {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Bytes() {}

    public static int u8(MemorySegment s, long at) { return s.get(ValueLayout.JAVA_BYTE, at) & 0xFF; }
    public static int u16(MemorySegment s, long at) { return s.get(SHORT, at) & 0xFFFF; }
    public static int i32(MemorySegment s, long at) { return s.get(INT, at); }
    public static long u32(MemorySegment s, long at) { return s.get(INT, at) & 0xFFFF_FFFFL; }
    public static long i64(MemorySegment s, long at) { return s.get(LONG, at); }
    /** A 48-bit MAC address as a long, first octet most significant. */
    public static long mac(MemorySegment s, long at) {
        return ((long) u16(s, at) << 32) | u32(s, at + 2);
    }

    public static void u8(MemorySegment s, long at, int v) { s.set(ValueLayout.JAVA_BYTE, at, (byte) v); }
    public static void u16(MemorySegment s, long at, int v) { s.set(SHORT, at, (short) v); }
    public static void i32(MemorySegment s, long at, int v) { s.set(INT, at, v); }
    public static void i64(MemorySegment s, long at, long v) { s.set(LONG, at, v); }
    public static void mac(MemorySegment s, long at, long mac) {
        u16(s, at, (int) (mac >>> 32));
        i32(s, at + 2, (int) mac);
    }
}
