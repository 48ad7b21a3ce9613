package io.flyover.stack.tcp;

/**
 * CUBIC (RFC 9438). Windows are kept in bytes; the cubic function works in segments.
 *
 * <ul>
 *   <li>§4.2: W_cubic(t) = C (t - K)^3 + W_max, K = cbrt(W_max (1 - beta) / C), C = 0.4.
 *   <li>§4.3: the Reno-friendly estimate W_est grows by alpha_cubic = 3(1 - beta)/(1 + beta) per RTT;
 *       cwnd follows max(W_cubic, W_est).
 *   <li>§4.4-4.5: concave/convex regions: per ACK cwnd += (target - cwnd)/cwnd, target clamped to
 *       [cwnd, 1.5 cwnd] (§4.2).
 *   <li>§4.6: on congestion ssthresh = cwnd * beta (0.7); §4.7 fast convergence lowers W_max.
 *   <li>§4.8: after RTO, cwnd = 1 segment and the epoch restarts.
 * </ul>
 * Slow start and recovery inflation are as in RFC 5681 (§4.10).
 */
final class Cubic implements CongestionControl {
    static final double C = 0.4;
    static final double BETA = 0.7;
    static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

    private int mss;
    private int cwnd;
    private int ssthresh = Integer.MAX_VALUE;
    private double wMax;          // segments
    private double wLastMax;      // segments, for fast convergence
    private double k;             // seconds
    private double wEst;          // segments
    private long epochStart = Long.MIN_VALUE;
    private double cwndSegments;  // fractional cwnd in congestion avoidance

    @Override
    public void init(int mss, long nowNanos) {
        this.mss = mss;
        this.cwnd = Math.min(10 * mss, Math.max(2 * mss, 14600));
        this.ssthresh = Integer.MAX_VALUE;
        this.wMax = 0;
        this.wLastMax = 0;
        this.epochStart = Long.MIN_VALUE;
    }

    @Override public int cwnd() { return cwnd; }
    @Override public int ssthresh() { return ssthresh; }

    @Override
    public void onAck(int ackedBytes, int flightSize, long srttNanos, long nowNanos) {
        if (cwnd < ssthresh) {
            cwnd = CongestionControl.slowStart(cwnd, ackedBytes, ssthresh); // RFC 9438 §4.10
            return;
        }
        if (epochStart == Long.MIN_VALUE) {
            epochStart = nowNanos;
            cwndSegments = (double) cwnd / mss;
            if (wMax < cwndSegments) {
                k = 0;
                wMax = cwndSegments;
            } else {
                k = Math.cbrt(wMax * (1 - BETA) / C);
            }
            wEst = cwndSegments;
        }
        double segs = (double) ackedBytes / mss;
        double t = (nowNanos - epochStart + srttNanos) / 1e9; // §4.2: target at t + RTT
        double target = C * Math.pow(t - k, 3) + wMax;
        target = Math.clamp(target, cwndSegments, 1.5 * cwndSegments);
        wEst += ALPHA * segs / cwndSegments; // §4.3
        if (wEst > target) {
            target = wEst; // Reno-friendly region
        }
        cwndSegments += segs * (target - cwndSegments) / cwndSegments;
        cwnd = sat((int) Math.min(Integer.MAX_VALUE, (long) (cwndSegments * mss)));
    }

    private void reduce() {
        double segs = (double) cwnd / mss;
        if (segs < wLastMax) {
            wLastMax = segs;
            wMax = segs * (1 + BETA) / 2; // §4.7 fast convergence
        } else {
            wLastMax = segs;
            wMax = segs;
        }
        ssthresh = Math.max((int) (cwnd * BETA), 2 * mss);
        epochStart = Long.MIN_VALUE;
    }

    @Override
    public void onEnterRecovery(int flightSize, long nowNanos) {
        reduce();
        cwnd = ssthresh;
    }

    @Override public void inflate(int bytes) { cwnd = sat(cwnd + bytes); }

    @Override public void onPartialAck(int ackedBytes) { cwnd = Math.max(cwnd - ackedBytes + mss, mss); }

    @Override
    public void onExitRecovery(int flightSize, long nowNanos) {
        cwnd = ssthresh;
        cwndSegments = (double) cwnd / mss;
    }

    @Override
    public void onRetransmitTimeout(int flightSize, long nowNanos) {
        reduce();
        cwnd = mss;
        cwndSegments = 1;
    }

    @Override
    public void onMssChange(int newMss) {
        this.mss = newMss;
        cwnd = Math.max(cwnd, newMss);
    }

    @Override public String name() { return "cubic"; }

    private static int sat(int v) { return v < 0 ? Integer.MAX_VALUE : v; }
}
