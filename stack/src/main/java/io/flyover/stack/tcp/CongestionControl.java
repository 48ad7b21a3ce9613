package io.flyover.stack.tcp;

/**
 * Congestion control (RFC 5681 §3), behind one interface so that each connection selects its own
 * algorithm ({@link TcpSettings#congestionControl}). The sender (loss detection, recovery episodes)
 * calls these hooks; implementations only move cwnd and ssthresh. Windows are in bytes.
 */
interface CongestionControl {
    /** Connection established with this sender MSS (RFC 5681 §3.1 initial window, RFC 6928 IW10). */
    void init(int mss, long nowNanos);

    int cwnd();

    int ssthresh();

    /** New data acknowledged outside loss recovery (slow start or congestion avoidance). */
    void onAck(int ackedBytes, int flightSize, long srttNanos, long nowNanos);

    /**
     * Loss detected by duplicate ACKs or SACK: enter recovery with cwnd = ssthresh (RFC 5681 §3.2 step 2,
     * RFC 6675 §5 step 4.2). Without SACK the sender then inflates by 3 SMSS ({@link #inflate}).
     */
    void onEnterRecovery(int flightSize, long nowNanos);

    /** Window inflation of NewReno recovery without SACK (RFC 5681 §3.2 steps 3-4). */
    void inflate(int bytes);

    /** A partial ACK during recovery (RFC 6582 §3.2 step 5): deflate by the acked amount, add one MSS. */
    void onPartialAck(int ackedBytes);

    /** Recovery ends with a full ACK (RFC 6582 §3.2 step 3). */
    void onExitRecovery(int flightSize, long nowNanos);

    /** The retransmission timer expired (RFC 5681 §3.1 eq. 4, loss window of one segment). */
    void onRetransmitTimeout(int flightSize, long nowNanos);

    /** The sender MSS changed (path MTU). */
    void onMssChange(int mss);

    /**
     * Slow start's growth for an ACK of {@code ackedBytes} new bytes: all of them, up to ssthresh, as Linux
     * credits a stretch ACK of N segments as N ACKs of one (tcp_slow_start, since 2013). Receivers with
     * GRO/LRO or delayed ACKs acknowledge several segments at once, and RFC 5681 §3.1's one SMSS per ACK
     * (two with RFC 3465's L) would halve the ramp-up against them. Saturates instead of overflowing.
     */
    static int slowStart(int cwnd, int ackedBytes, int ssthresh) {
        long grown = Math.min((long) cwnd + ackedBytes, Math.max(ssthresh, cwnd));
        return (int) Math.min(grown, Integer.MAX_VALUE);
    }

    /** Which algorithm this is. */
    String name();
}
