package io.flyover.stack.net;

/**
 * SO_REUSEPORT as Linux does it ({@code net/core/sock_reuseport.c}): sockets that all set the option
 * before binding share one address and port, and each new flow goes to one member of the group chosen
 * by a keyed hash of its 4-tuple, scaled onto the member count ({@code reciprocal_scale}). A flow keeps
 * its member while the group is unchanged. Pure functions, no allocation.
 */
public final class ReusePortGroup {
    private ReusePortGroup() {}

    /** A keyed hash of a flow (as Linux's {@code inet_ehashfn} keyed by a boot-time secret). */
    public static int flowHash(long secret, long localHi, long localLo, int localPort, long remoteHi, long remoteLo,
            int remotePort) {
        long h = mix(secret, localHi);
        h = mix(h, localLo);
        h = mix(h, remoteHi);
        h = mix(h, remoteLo);
        h = mix(h, ((long) localPort << 16) | remotePort);
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long h, long word) {
        h = (h ^ word) * 0x9E37_79B9_7F4A_7C15L;
        return h ^ (h >>> 29);
    }

    /** The member (0 to {@code members - 1}) a flow hash maps to: Linux's {@code reciprocal_scale}. */
    public static int member(int hash, int members) {
        return (int) (((hash & 0xFFFF_FFFFL) * members) >>> 32);
    }
}
