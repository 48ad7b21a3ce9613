package io.flyover.stack.tcp;

import io.flyover.stack.wire.TcpOptions;

/**
 * The sender's record of SACKed data (RFC 2018 §5, RFC 6675 §3 "scoreboard"): disjoint, sorted
 * sequence ranges above SND.UNA that the receiver reported holding, plus HighRxt. Answers RFC 6675
 * IsLost() through {@link #lossEdge}: every un-SACKed byte below it is deemed lost. Fixed capacity,
 * no allocation; when full, the highest range is dropped (it will be reported again).
 */
final class SackScoreboard {
    /** RFC 6675 §2 DupThresh. */
    static final int DUP_THRESH = 3;

    private final int[] start;
    private final int[] end;
    private int count;
    private int sacked;
    /** RFC 6675 HighRxt: the highest sequence retransmitted in this recovery. */
    int highRxt;

    SackScoreboard(int capacity) {
        start = new int[capacity];
        end = new int[capacity];
    }

    boolean isEmpty() { return count == 0; }
    int ranges() { return count; }
    int sackedBytes() { return sacked; }

    void clear() {
        count = 0;
        sacked = 0;
    }

    /** Forgets everything at or below the cumulative ACK. */
    void onCumulativeAck(int sndUna) {
        int drop = 0;
        while (drop < count && SeqNum.le(end[drop], sndUna)) {
            sacked -= end[drop] - start[drop];
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(start, drop, start, 0, count - drop);
            System.arraycopy(end, drop, end, 0, count - drop);
            count -= drop;
        }
        if (count > 0 && SeqNum.lt(start[0], sndUna)) {
            sacked -= sndUna - start[0];
            start[0] = sndUna;
        }
    }

    /** RFC 6675 §4 Update(): merges the SACK blocks that lie within (SND.UNA, SND.MAX]. */
    void update(TcpOptions o, int sndUna, int sndMax) {
        for (int b = 0; b < o.sackBlocks; b++) {
            int l = o.sackLeft[b];
            int r = o.sackRight[b];
            if (SeqNum.ge(l, r) || SeqNum.le(r, sndUna) || SeqNum.gt(r, sndMax)) {
                continue; // invalid or a D-SACK below SND.UNA (RFC 2883): ignored here
            }
            if (SeqNum.lt(l, sndUna)) {
                l = sndUna;
            }
            add(l, r);
        }
    }

    private void add(int l, int r) {
        int i = 0;
        while (i < count && SeqNum.lt(end[i], l)) {
            i++;
        }
        int j = i;
        while (j < count && SeqNum.le(start[j], r)) {
            j++;
        }
        if (i == j) {
            if (count == start.length) {
                if (i == count) {
                    return; // higher than everything we can hold
                }
                count--; // drop the highest range
                sacked -= end[count] - start[count];
            }
            System.arraycopy(start, i, start, i + 1, count - i);
            System.arraycopy(end, i, end, i + 1, count - i);
            start[i] = l;
            end[i] = r;
            count++;
            sacked += r - l;
            return;
        }
        int s = SeqNum.min(l, start[i]);
        int e = SeqNum.max(r, end[j - 1]);
        for (int k = i; k < j; k++) {
            sacked -= end[k] - start[k];
        }
        start[i] = s;
        end[i] = e;
        sacked += e - s;
        System.arraycopy(start, j, start, i + 1, count - j);
        System.arraycopy(end, j, end, i + 1, count - j);
        count -= j - i - 1;
    }

    /**
     * RFC 6675 IsLost(): a byte is lost when DupThresh discontiguous SACKed ranges, or more than
     * (DupThresh - 1) * SMSS SACKed bytes, lie above it. Returns the sequence below which every
     * un-SACKed byte is lost ({@code sndUna} when none is).
     */
    int lossEdge(int sndUna, int smss) {
        int bytes = 0;
        for (int i = count - 1; i >= 0; i--) {
            bytes += end[i] - start[i];
            if (count - i >= DUP_THRESH || bytes > (DUP_THRESH - 1) * smss) {
                return start[i];
            }
        }
        return sndUna;
    }

    /** The first un-SACKed sequence at or after {@code from}, below {@code limit}; {@code limit} if none. */
    int nextHole(int from, int limit) {
        int seq = from;
        for (int i = 0; i < count && SeqNum.lt(seq, limit); i++) {
            if (SeqNum.le(end[i], seq)) {
                continue;
            }
            if (SeqNum.le(start[i], seq)) {
                seq = end[i];
            } else {
                break;
            }
        }
        return SeqNum.lt(seq, limit) ? seq : limit;
    }

    /** The start of the first SACKed range above {@code seq}, or {@code limit}. */
    int holeEnd(int seq, int limit) {
        for (int i = 0; i < count; i++) {
            if (SeqNum.gt(start[i], seq)) {
                return SeqNum.min(start[i], limit);
            }
        }
        return limit;
    }

    /** Un-SACKed bytes in {@code [from, to)}. */
    int unsackedBetween(int from, int to) {
        if (SeqNum.ge(from, to)) {
            return 0;
        }
        int n = to - from;
        for (int i = 0; i < count; i++) {
            int s = SeqNum.max(start[i], from);
            int e = SeqNum.min(end[i], to);
            if (SeqNum.lt(s, e)) {
                n -= e - s;
            }
        }
        return n;
    }
}
