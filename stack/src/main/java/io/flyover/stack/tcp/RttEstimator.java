package io.flyover.stack.tcp;

/**
 * Round-trip time estimation and the retransmission timeout (RFC 6298).
 *
 * <ul>
 *   <li>§2.1: before any sample RTO is the initial value (1 s by default, {@link TcpSettings}).
 *   <li>§2.2: first sample R: SRTT = R, RTTVAR = R/2.
 *   <li>§2.3: later samples: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R.
 *   <li>§2.4: RTO = SRTT + max(G, 4 RTTVAR), at least the minimum (RFC 6298 says 1 s; like Linux we
 *       default lower, configurable), §2.5 at most the maximum.
 *   <li>§5.5: on expiry the timer backs off (RTO doubles) until a new sample arrives (Karn, §3).
 * </ul>
 * Samples come from timestamps (RFC 7323 §4) or from one timed segment at a time that was never
 * retransmitted (Karn's algorithm).
 */
final class RttEstimator {
    /** Clock granularity G. */
    static final long GRANULARITY_NANOS = 1_000_000L;

    private final long minRto;
    private final long maxRto;
    private final long initialRto;
    private long srtt;
    private long rttvar;
    private boolean hasSample;
    private long rto;
    private int backoff;

    RttEstimator(long initialRto, long minRto, long maxRto) {
        this.initialRto = initialRto;
        this.minRto = minRto;
        this.maxRto = maxRto;
        this.rto = initialRto;
    }

    void reset() {
        hasSample = false;
        srtt = rttvar = 0;
        rto = initialRto;
        backoff = 0;
    }

    boolean hasSample() { return hasSample; }
    long srttNanos() { return srtt; }
    long rttvarNanos() { return rttvar; }
    int backoff() { return backoff; }

    /** The current RTO including backoff. */
    long rtoNanos() {
        long r = rto << Math.min(backoff, 20);
        return r < 0 || r > maxRto ? maxRto : r;
    }

    /** Takes one RTT measurement (RFC 6298 §2.2-2.4) and clears the backoff (§5.7 after Karn). */
    void sample(long rttNanos) {
        if (rttNanos < 0) {
            return;
        }
        if (!hasSample) {
            srtt = rttNanos;
            rttvar = rttNanos / 2;
            hasSample = true;
        } else {
            long delta = Math.abs(srtt - rttNanos);
            rttvar = (3 * rttvar + delta) / 4;
            srtt = (7 * srtt + rttNanos) / 8;
        }
        rto = Math.clamp(srtt + Math.max(GRANULARITY_NANOS, 4 * rttvar), minRto, maxRto);
        backoff = 0;
    }

    /** RFC 6298 §5.5: the timer expired; double the RTO. */
    void backOff() {
        if (backoff < 30) {
            backoff++;
        }
    }
}
