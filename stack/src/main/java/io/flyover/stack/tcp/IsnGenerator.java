package io.flyover.stack.tcp;

/**
 * Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), where M is a timer ticking every 4 microseconds (RFC 9293 §3.4.1) and F is SipHash-2-4
 * keyed with a 128-bit secret injected at construction (from the stack's {@code RandomSource}).
 * Allocation-free. Also the keyed hash behind SYN cookies (RFC 4987 §3.6).
 */
final class IsnGenerator {
    private final long k0;
    private final long k1;

    IsnGenerator(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    int isn(long localHi, long localLo, int localPort, long remoteHi, long remoteLo, int remotePort, long nowNanos) {
        long m = nowNanos / 4_000L;
        long f = hash(localHi, localLo, remoteHi, remoteLo, ((long) localPort << 16) | remotePort, 0);
        return (int) (m + f);
    }

    /** SipHash-2-4 of six 64-bit words. */
    long hash(long a, long b, long c, long d, long e, long f) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        long m;
        for (int i = 0; i < 7; i++) {
            m = switch (i) {
                case 0 -> a;
                case 1 -> b;
                case 2 -> c;
                case 3 -> d;
                case 4 -> e;
                case 5 -> f;
                default -> 48L << 56; // final block: message length in bytes, no tail
            };
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
