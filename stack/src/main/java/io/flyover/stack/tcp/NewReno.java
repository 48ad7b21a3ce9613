package io.flyover.stack.tcp;

/**
 * NewReno (RFC 5681 §3.1-3.2, RFC 6582 §3): slow start (a stretch ACK credited in full, as Linux),
 * congestion avoidance by appropriate byte counting (RFC 3465), fast retransmit/fast recovery with window inflation and partial-ACK
 * deflation. The recovery point and partial/full-ACK distinction live in the sender.
 */
final class NewReno implements CongestionControl {
    private int mss;
    private int cwnd;
    private int ssthresh = Integer.MAX_VALUE;
    private int bytesAcked;

    @Override
    public void init(int mss, long nowNanos) {
        this.mss = mss;
        // RFC 6928: IW = min(10 * MSS, max(2 * MSS, 14600))
        this.cwnd = Math.min(10 * mss, Math.max(2 * mss, 14600));
        this.ssthresh = Integer.MAX_VALUE;
        this.bytesAcked = 0;
    }

    @Override public int cwnd() { return cwnd; }
    @Override public int ssthresh() { return ssthresh; }

    @Override
    public void onAck(int ackedBytes, int flightSize, long srttNanos, long nowNanos) {
        if (cwnd < ssthresh) {
            cwnd = CongestionControl.slowStart(cwnd, ackedBytes, ssthresh); // RFC 5681 §3.1, stretch ACKs as Linux
        } else {
            // RFC 5681 §3.1 eq. 3: cwnd += SMSS once per cwnd of acknowledged data
            bytesAcked += ackedBytes;
            if (bytesAcked >= cwnd) {
                bytesAcked -= cwnd;
                cwnd = sat(cwnd + mss);
            }
        }
    }

    @Override
    public void onEnterRecovery(int flightSize, long nowNanos) {
        ssthresh = Math.max(flightSize / 2, 2 * mss); // RFC 5681 eq. 4
        cwnd = ssthresh;
        bytesAcked = 0;
    }

    @Override public void inflate(int bytes) { cwnd = sat(cwnd + bytes); }

    @Override
    public void onPartialAck(int ackedBytes) {
        cwnd = Math.max(cwnd - ackedBytes + mss, mss);
    }

    @Override
    public void onExitRecovery(int flightSize, long nowNanos) {
        // RFC 6582 §3.2 step 3, option (1) bounded as in (2): min(ssthresh, max(FlightSize, SMSS) + SMSS)
        cwnd = Math.min(ssthresh, Math.max(flightSize, mss) + mss);
    }

    @Override
    public void onRetransmitTimeout(int flightSize, long nowNanos) {
        ssthresh = Math.max(flightSize / 2, 2 * mss);
        cwnd = mss;
        bytesAcked = 0;
    }

    @Override
    public void onMssChange(int newMss) {
        this.mss = newMss;
        cwnd = Math.max(cwnd, newMss);
    }

    @Override public String name() { return "newreno"; }

    private static int sat(int v) { return v < 0 ? Integer.MAX_VALUE : v; }
}
