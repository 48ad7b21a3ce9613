package io.flyover.stack.device.soft;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The Toeplitz hash that NICs use for receive-side scaling (Microsoft, "RSS hashing functions"):
 * for every set bit of the input, from the most significant bit of the first byte on, XOR the 32 key
 * bits that start at that bit position into the result.
 *
 * <p>Precomputed per key: for each input byte position and byte value, the XOR of the key windows of
 * its set bits, so hashing costs one table lookup per input byte and allocates nothing.
 */
public final class ToeplitzHash {

    /** The key Microsoft publishes with its verification suite; the default of many NIC drivers. */
    public static final byte[] MICROSOFT_KEY = {
        (byte) 0x6d, (byte) 0x5a, (byte) 0x56, (byte) 0xda, (byte) 0x25, (byte) 0x5b, (byte) 0x0e, (byte) 0xc2,
        (byte) 0x41, (byte) 0x67, (byte) 0x25, (byte) 0x3d, (byte) 0x43, (byte) 0xa3, (byte) 0x8f, (byte) 0xb0,
        (byte) 0xd0, (byte) 0xca, (byte) 0x2b, (byte) 0xcb, (byte) 0xae, (byte) 0x7b, (byte) 0x30, (byte) 0xb4,
        (byte) 0x77, (byte) 0xcb, (byte) 0x2d, (byte) 0xa3, (byte) 0x80, (byte) 0x30, (byte) 0xf2, (byte) 0x0c,
        (byte) 0x6a, (byte) 0x42, (byte) 0xb7, (byte) 0x3b, (byte) 0xbe, (byte) 0xac, (byte) 0x01, (byte) 0xfa,
    };

    /** Longest input the hash takes: IPv6 source and destination plus two ports. */
    public static final int MAX_INPUT = 36;

    private final int[] table; // [position * 256 + byteValue]

    public ToeplitzHash(byte[] key) {
        if (key.length < MAX_INPUT + 4) {
            throw new IllegalArgumentException("an RSS key needs at least " + (MAX_INPUT + 4) + " bytes, not " + key.length);
        }
        table = new int[MAX_INPUT * 256];
        for (int position = 0; position < MAX_INPUT; position++) {
            for (int bit = 0; bit < 8; bit++) {
                int window = keyWindow(key, position * 8 + bit);
                int mask = 0x80 >>> bit;
                for (int value = 0; value < 256; value++) {
                    if ((value & mask) != 0) {
                        table[position * 256 + value] ^= window;
                    }
                }
            }
        }
    }

    /** A hash with {@link #MICROSOFT_KEY}. */
    public static ToeplitzHash withMicrosoftKey() {
        return new ToeplitzHash(MICROSOFT_KEY);
    }

    /** The 32 key bits that start at bit {@code start} (bit 0 is the top bit of key byte 0). */
    private static int keyWindow(byte[] key, int start) {
        int result = 0;
        for (int i = 0; i < 32; i++) {
            int bit = start + i;
            int b = (key[bit >>> 3] >>> (7 - (bit & 7))) & 1;
            result = (result << 1) | b;
        }
        return result;
    }

    /** Continues a hash: feeds {@code length} bytes of {@code segment} at {@code offset} in at input position {@code position}. */
    public int update(int hash, int position, MemorySegment segment, long offset, int length) {
        for (int i = 0; i < length; i++) {
            int value = segment.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF;
            hash ^= table[(position + i) * 256 + value];
        }
        return hash;
    }

    /** Continues a hash with the two bytes of a 16-bit value in network order at input position {@code position}. */
    public int update16(int hash, int position, int value) {
        hash ^= table[position * 256 + ((value >>> 8) & 0xFF)];
        return hash ^ table[(position + 1) * 256 + (value & 0xFF)];
    }

    /** The hash of {@code input[0..length)}. */
    public int hash(byte[] input, int length) {
        if (length > MAX_INPUT) {
            throw new IllegalArgumentException("input longer than " + MAX_INPUT + " bytes: " + length);
        }
        int hash = 0;
        for (int i = 0; i < length; i++) {
            hash ^= table[i * 256 + (input[i] & 0xFF)];
        }
        return hash;
    }
}
