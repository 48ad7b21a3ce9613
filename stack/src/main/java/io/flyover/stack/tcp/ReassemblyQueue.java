package io.flyover.stack.tcp;

/**
 * Out-of-order bookkeeping for the receiver (RFC 9293 §3.10.7.4 "seventh, process the segment text":
 * segments beyond RCV.NXT are held until the gap before them fills). The bytes themselves are already
 * in the receive ring ahead of its committed tail; this class records which ranges, as offsets from
 * RCV.NXT, are filled. A fixed number of ranges: a segment that would need more is dropped (counted
 * by the caller) and will be retransmitted, unless it starts at RCV.NXT. Also the source of SACK blocks
 * (RFC 2018 §4).
 */
final class ReassemblyQueue {
    private final int[] start;
    private final int[] end;
    private int count;
    /** Index of the range touched last, reported first in SACK (RFC 2018 §4). */
    private int latest = -1;

    ReassemblyQueue(int maxRanges) {
        this.start = new int[maxRanges];
        this.end = new int[maxRanges];
    }

    int ranges() { return count; }
    int start(int i) { return start[i]; }
    int end(int i) { return end[i]; }
    int latest() { return latest; }
    boolean isEmpty() { return count == 0; }

    void clear() {
        count = 0;
        latest = -1;
    }

    /**
     * Records bytes {@code [from, to)}; returns false (nothing recorded) when out of ranges, except for
     * bytes at RCV.NXT ({@code from == 0}), which are always recorded.
     */
    boolean add(int from, int to) {
        if (from >= to) {
            return true;
        }
        int i = 0;
        while (i < count && end[i] < from) {
            i++;
        }
        // ranges i.. j-1 overlap or touch [from, to)
        int j = i;
        while (j < count && start[j] <= to) {
            j++;
        }
        if (i == j) {
            if (count == start.length) {
                if (from != 0) {
                    return false;
                }
                // In-sequence data must always be taken, or a receiver holding its maximum of ranges
                // would drop every retransmission of the head segment forever (RFC 9293 §3.10.7.4
                // seventh: text at RCV.NXT is delivered). Make room by forgetting the range farthest
                // from RCV.NXT, as Linux prunes its out-of-order queue from the top; RFC 2018 §8 lets
                // the receiver discard out-of-order data, even SACKed, and the sender recovers it.
                count--;
                if (latest == count) {
                    latest = -1;
                }
            }
            System.arraycopy(start, i, start, i + 1, count - i);
            System.arraycopy(end, i, end, i + 1, count - i);
            start[i] = from;
            end[i] = to;
            count++;
        } else {
            int s = Math.min(from, start[i]);
            int e = Math.max(to, end[j - 1]);
            start[i] = s;
            end[i] = e;
            int removed = j - i - 1;
            System.arraycopy(start, j, start, i + 1, count - j);
            System.arraycopy(end, j, end, i + 1, count - j);
            count -= removed;
        }
        latest = i;
        return true;
    }

    /**
     * Removes the range starting at offset 0, if any, and shifts the others down by its length.
     *
     * @return the number of bytes now contiguous from RCV.NXT (0 when the head is still a hole)
     */
    int popContiguous() {
        if (count == 0 || start[0] != 0) {
            return 0;
        }
        int n = end[0];
        System.arraycopy(start, 1, start, 0, count - 1);
        System.arraycopy(end, 1, end, 0, count - 1);
        count--;
        for (int k = 0; k < count; k++) {
            start[k] -= n;
            end[k] -= n;
        }
        latest = latest <= 0 ? -1 : latest - 1;
        return n;
    }
}
