package io.flyover.stack.tcp;

/**
 * SYN cookies (RFC 4987 §3.6): when a listener's backlog is full, the SYN-ACK's sequence number
 * encodes the connection so that no state is kept until the final ACK returns it.
 *
 * <p>Layout of the ISN: bits 31-27 a 64-second time counter (mod 32), bits 26-3 a keyed hash (SipHash
 * via {@link IsnGenerator}) of the 4-tuple, the counter, the client's ISN and the MSS index, bits 2-0 an index into
 * {@link #MSS_TABLE}. A cookie is valid for the current and the previous counter value. As RFC 4987
 * notes, window scaling, SACK and timestamps are not negotiated for such connections.
 */
final class SynCookies {
    static final int[] MSS_TABLE = {216, 536, 1024, 1220, 1360, 1440, 1460, 8960};
    static final long PERIOD_NANOS = 64_000_000_000L;

    private SynCookies() {}

    static int counter(long now) {
        return (int) (now / PERIOD_NANOS) & 0x1F;
    }

    static int mssIndex(int mss) {
        int idx = 0;
        for (int i = 0; i < MSS_TABLE.length; i++) {
            if (MSS_TABLE[i] <= mss) {
                idx = i;
            }
        }
        return idx;
    }

    private static int hashBits(IsnGenerator h, InboundSegment s, int t, int clientIsn, int mssIndex) {
        long v = h.hash(s.dstHi, s.dstLo, s.srcHi, s.srcLo, ((long) s.dstPort << 48) | ((long) s.srcPort << 32) | t,
                (clientIsn & 0xFFFF_FFFFL) | ((long) mssIndex << 32));
        return (int) v & 0x07FF_FFF8;
    }

    /** The ISN to send in the SYN-ACK for SYN {@code s}. */
    static int make(IsnGenerator h, InboundSegment s, int mss, long now) {
        int t = counter(now);
        int idx = mssIndex(mss);
        return (t << 27) | hashBits(h, s, t, s.seq, idx) | idx;
    }

    /** The MSS encoded in the cookie acknowledged by ACK {@code s}, or -1 when it is not a valid cookie. */
    static int check(IsnGenerator h, InboundSegment s, long now) {
        int cookie = s.ack - 1;
        int t = cookie >>> 27;
        int age = (counter(now) - t) & 0x1F;
        if (age > 1) {
            return -1;
        }
        if ((cookie & 0x07FF_FFF8) != hashBits(h, s, t, s.seq - 1, cookie & 7)) {
            return -1;
        }
        return MSS_TABLE[cookie & 7];
    }
}
