package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071): a one's-complement sum of 16-bit big-endian words.
 *
 * <p>Partial sums are carried in a {@code long} that is only folded at the end, so sums can be chained
 * (pseudo-header, header, payload) without folding in between. The fast path adds 8 bytes at a time:
 * by RFC 1071 section 2(B) the sum is independent of word size as long as carries are folded back in,
 * so two 32-bit halves are added to a 64-bit accumulator that cannot overflow for 64 KiB of data.
 */
public final class Checksum {
    private Checksum() {}

    /** Adds {@code length} bytes at {@code offset} to {@code sum} (an unfolded partial sum). */
    public static long add(long sum, MemorySegment s, long offset, int length) {
        long at = offset;
        long end = offset + length;
        while (end - at >= 32) {
            long a = Bytes.i64(s, at);
            long b = Bytes.i64(s, at + 8);
            long c = Bytes.i64(s, at + 16);
            long d = Bytes.i64(s, at + 24);
            sum += (a >>> 32) + (a & 0xFFFF_FFFFL) + (b >>> 32) + (b & 0xFFFF_FFFFL)
                    + (c >>> 32) + (c & 0xFFFF_FFFFL) + (d >>> 32) + (d & 0xFFFF_FFFFL);
            at += 32;
        }
        while (end - at >= 8) {
            long a = Bytes.i64(s, at);
            sum += (a >>> 32) + (a & 0xFFFF_FFFFL);
            at += 8;
        }
        if (end - at >= 4) {
            sum += Bytes.u32(s, at);
            at += 4;
        }
        if (end - at >= 2) {
            sum += Bytes.u16(s, at);
            at += 2;
        }
        if (at < end) {
            sum += Bytes.u8(s, at) << 8; // RFC 1071: an odd last byte is padded with a zero byte
        }
        return sum;
    }

    /** Adds one 16-bit word or a 32-bit value to a partial sum. */
    public static long add(long sum, long value) {
        return sum + (value >>> 32) + (value & 0xFFFF_FFFFL);
    }

    /** Folds a partial sum to 16 bits with end-around carry (not complemented). */
    public static int fold(long sum) {
        sum = (sum >>> 32) + (sum & 0xFFFF_FFFFL);
        sum = (sum >>> 32) + (sum & 0xFFFF_FFFFL);
        sum = (sum >>> 16) + (sum & 0xFFFF);
        sum = (sum >>> 16) + (sum & 0xFFFF);
        sum = (sum >>> 16) + (sum & 0xFFFF);
        return (int) sum;
    }

    /** The value to store in a checksum field: the complement of the folded sum. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /** The checksum of a byte range alone. */
    public static int compute(MemorySegment s, long offset, int length) {
        return finish(add(0, s, offset, length));
    }

    /** True when a range that includes its own checksum field sums to all ones (RFC 1071 section 1). */
    public static boolean verifies(long sumIncludingField) {
        return fold(sumIncludingField) == 0xFFFF;
    }

    /** IPv4 pseudo-header sum (RFC 768, RFC 9293 section 3.1): addresses, protocol, L4 length. */
    public static long pseudoHeaderV4(int src, int dst, int protocol, int l4Length) {
        return (src & 0xFFFF_FFFFL) + (dst & 0xFFFF_FFFFL) + protocol + l4Length;
    }

    /** IPv6 pseudo-header sum (RFC 8200 section 8.1). */
    public static long pseudoHeaderV6(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int l4Length) {
        long sum = 0;
        sum = add(sum, srcHi);
        sum = add(sum, srcLo);
        sum = add(sum, dstHi);
        sum = add(sum, dstLo);
        return sum + nextHeader + l4Length;
    }

    /**
     * Incremental update (RFC 1624 equation 3): the new checksum after one 16-bit word of the covered
     * data changes from {@code oldWord} to {@code newWord}. HC' = ~(~HC + ~m + m').
     */
    public static int update(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** Incremental update for a 32-bit field (an IPv4 address) as two 16-bit words. */
    public static int update32(int checksum, int oldValue, int newValue) {
        int c = update(checksum, oldValue >>> 16, newValue >>> 16);
        return update(c, oldValue & 0xFFFF, newValue & 0xFFFF);
    }
}
