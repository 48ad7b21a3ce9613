package io.flyover.stack.tcp;

/**
 * RACK, time-based loss detection (RFC 8985 §6): a segment is lost when a segment sent after it has
 * been delivered (cumulatively or selectively acknowledged) and more than RACK.rtt + RACK.reo_wnd has
 * passed since it was sent. Keeps a fixed-size log of the segments in flight with their latest
 * transmission time (§6.1), no allocation; when the log is full, later segments are simply not tracked
 * and RFC 6675 alone covers them. The result is {@link #lossEdge}: every un-SACKed byte below it is lost,
 * which the RFC 6675 machinery in {@link TcpSender} then retransmits.
 */
final class Rack {
    private int[] start;
    private int[] end;
    private long[] xmit;
    private boolean[] retransmitted;
    private int head;
    private int count;

    /** §6.1 RACK.xmit_ts, RACK.end_seq, RACK.rtt, RACK.min_RTT, RACK.reordering_seen. */
    long rackXmit = Long.MIN_VALUE;
    int rackEndSeq;
    long rackRtt;
    long minRtt = Long.MAX_VALUE;
    boolean reorderingSeen;
    /** Result of the last {@link #detectLoss}. */
    int lossEdge;

    Rack(int capacity) {
        start = new int[capacity];
        end = new int[capacity];
        xmit = new long[capacity];
        retransmitted = new boolean[capacity];
    }

    int tracked() { return count; }

    /**
     * Makes room for at least {@code capacity} segments (a larger SO_SNDBUF puts more in flight); the
     * segments tracked keep their order. Allocates: called from setsockopt, not per segment.
     */
    void ensureCapacity(int capacity) {
        if (capacity <= start.length) {
            return;
        }
        int[] s = new int[capacity];
        int[] e = new int[capacity];
        long[] x = new long[capacity];
        boolean[] r = new boolean[capacity];
        for (int i = 0; i < count; i++) {
            int k = slot(i);
            s[i] = start[k];
            e[i] = end[k];
            x[i] = xmit[k];
            r[i] = retransmitted[k];
        }
        start = s;
        end = e;
        xmit = x;
        retransmitted = r;
        head = 0;
    }

    private int slot(int i) {
        int s = head + i;
        return s >= start.length ? s - start.length : s;
    }

    /** §6.1: a segment {@code [s, e)} was (re)transmitted at {@code now}. */
    void onSend(int s, int e, long now) {
        for (int i = 0; i < count; i++) {
            int k = slot(i);
            if (SeqNum.lt(start[k], e) && SeqNum.gt(end[k], s)) {
                xmit[k] = now;
                retransmitted[k] = true;
            }
        }
        int lastEnd = count == 0 ? s : end[slot(count - 1)];
        if (count == 0 || SeqNum.gt(e, lastEnd)) {
            if (count == start.length) {
                return;
            }
            int k = slot(count++);
            start[k] = count == 1 ? s : SeqNum.max(s, lastEnd);
            end[k] = e;
            xmit[k] = now;
            retransmitted[k] = false;
        }
    }

    /** §6.2 steps 1-3: learn from what this ACK delivered, then forget what SND.UNA covers. */
    void onAck(TcpConnection c, long now, boolean sackInfo) {
        while (count > 0 && SeqNum.le(end[head], c.sndUna)) {
            deliver(head, now);
            head = slot(1);
            count--;
        }
        if (sackInfo) {
            for (int i = 0; i < count; i++) {
                int k = slot(i);
                if (c.scoreboard.unsackedBetween(start[k], end[k]) == 0) {
                    deliver(k, now);
                }
            }
        }
    }

    private void deliver(int k, long now) {
        long rtt = now - xmit[k];
        // §6.2 step 2: a retransmission acknowledged faster than min_RTT was the original's ACK
        if (retransmitted[k] && rtt < minRtt) {
            return;
        }
        if (!retransmitted[k] && rtt < minRtt) {
            minRtt = rtt;
        }
        if (xmit[k] > rackXmit || xmit[k] == rackXmit && SeqNum.gt(end[k], rackEndSeq)) {
            if (!retransmitted[k] && SeqNum.lt(end[k], rackEndSeq)) {
                reorderingSeen = true; // §6.2 step 3: delivered out of order, not lost
            }
            rackXmit = xmit[k];
            rackEndSeq = end[k];
            rackRtt = rtt;
        }
    }

    /** §6.2 step 4: RACK.reo_wnd. */
    long reorderWindow(TcpConnection c) {
        if (minRtt == Long.MAX_VALUE) {
            return 0;
        }
        if (!reorderingSeen && (c.inRecovery || c.scoreboard.ranges() >= SackScoreboard.DUP_THRESH)) {
            return 0;
        }
        return Math.min(minRtt / 4, c.rtt.srttNanos());
    }

    /**
     * §6.2 step 5: marks lost the prefix of in-flight segments sent before RACK.xmit_ts and older than
     * RACK.rtt + reo_wnd; returns when the first not-yet-lost one would be (Long.MAX_VALUE if none).
     * A lost segment that had been retransmitted lowers HighRxt so that it is sent again.
     */
    long detectLoss(TcpConnection c, long now) {
        lossEdge = c.sndUna;
        if (rackXmit == Long.MIN_VALUE) {
            return Long.MAX_VALUE;
        }
        long reo = reorderWindow(c);
        for (int i = 0; i < count; i++) {
            int k = slot(i);
            if (c.scoreboard.unsackedBetween(start[k], end[k]) == 0) {
                lossEdge = end[k];
                continue;
            }
            if (xmit[k] > rackXmit || xmit[k] == rackXmit && SeqNum.ge(end[k], rackEndSeq)) {
                break; // sent after the newest delivered segment: not known lost
            }
            long remaining = xmit[k] + rackRtt + reo - now;
            if (remaining > 0) {
                return now + remaining;
            }
            lossEdge = end[k];
            if (retransmitted[k] && SeqNum.lt(start[k], c.scoreboard.highRxt)) {
                c.scoreboard.highRxt = SeqNum.max(start[k], c.sndUna);
            }
        }
        return Long.MAX_VALUE;
    }

    void clear() {
        head = 0;
        count = 0;
        rackXmit = Long.MIN_VALUE;
        lossEdge = 0;
    }
}
