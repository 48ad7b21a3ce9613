package io.flyover.linux.interop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Bytes for bulk transfers: a SplitMix64 stream from a seed, fast enough not to be the bottleneck and
 * without the short periods that could hide a misplaced segment. Each side digests what it sends and
 * what it receives; the digests are compared, so the two sides need not share the stream.
 */
final class PatternSource {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private long state;

    PatternSource(long seed) {
        this.state = seed;
    }

    /** Overwrites {@code dst[0, length)} with the next bytes of the stream (a partial last word is cut). */
    void fill(byte[] dst, int length) {
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            LONGS.set(dst, i, next());
        }
        if (i < length) {
            long tail = next();
            for (; i < length; i++, tail >>>= 8) {
                dst[i] = (byte) tail;
            }
        }
    }

    private long next() {
        long z = (state += 0x9E37_79B9_7F4A_7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
