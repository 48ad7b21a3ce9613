package io.flyover.stack.tcp;

import java.util.Arrays;

/**
 * Connections ordered by their earliest timer deadline: an indexed binary min-heap (each connection
 * knows its slot), so rescheduling is O(log n) with no allocation, and the layer's next deadline — what
 * {@link TcpLayer#poll} returns to the caller, and what the simulator jumps to — is the top. The array
 * grows only when connections are added.
 *
 * <p>A connection is filed at its deadline or earlier, never later. Sending restarts the retransmission
 * timer later on nearly every segment, so a deadline that moves later leaves the connection where it
 * is ({@link #reschedule}); when that earlier time comes its timers find nothing due and
 * {@link #refile} puts it at its true deadline (Linux's timer wheel leaves a timer pushed later
 * pending the same way). The heap, shared by every thread that drives the stack, is then written about
 * once per delayed-ACK or retransmission period instead of once per segment.
 */
final class TimerQueue {
    private TcpConnection[] heap = new TcpConnection[64];
    private int size;

    int size() { return size; }

    /** The earliest scheduled deadline, or Long.MAX_VALUE. */
    long nextDeadline() {
        return size == 0 ? Long.MAX_VALUE : heap[0].scheduledDeadline;
    }

    TcpConnection peek() {
        return size == 0 ? null : heap[0];
    }

    /**
     * Files {@code c} no later than its current {@link TcpConnection#nextDeadline()}: moved earlier when
     * that is earlier, left in place when later, removed when it has none.
     */
    void reschedule(TcpConnection c) {
        refile(c, false);
    }

    /** Files {@code c} at exactly its current deadline, or removes it: after its timers ran. */
    void refile(TcpConnection c) {
        refile(c, true);
    }

    private void refile(TcpConnection c, boolean exactly) {
        long d = c.inTable ? c.nextDeadline() : Long.MAX_VALUE;
        if (d == Long.MAX_VALUE) {
            remove(c);
        } else if (exactly || c.heapIndex < 0 || d <= c.scheduledDeadline) { // else filed early: re-filed then
            file(c, d);
        }
    }

    private void file(TcpConnection c, long d) {
        if (c.heapIndex < 0) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            c.scheduledDeadline = d;
            c.heapIndex = size;
            heap[size++] = c;
            up(c.heapIndex);
        } else if (d != c.scheduledDeadline) {
            long old = c.scheduledDeadline;
            c.scheduledDeadline = d;
            if (d < old) {
                up(c.heapIndex);
            } else {
                down(c.heapIndex);
            }
        }
    }

    void remove(TcpConnection c) {
        int i = c.heapIndex;
        if (i < 0) {
            return;
        }
        c.heapIndex = -1;
        TcpConnection last = heap[--size];
        heap[size] = null;
        if (i < size) {
            heap[i] = last;
            last.heapIndex = i;
            up(i);
            down(last.heapIndex);
        }
    }

    private void up(int i) {
        TcpConnection c = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            TcpConnection parent = heap[p];
            if (parent.scheduledDeadline <= c.scheduledDeadline) {
                break;
            }
            heap[i] = parent;
            parent.heapIndex = i;
            i = p;
        }
        heap[i] = c;
        c.heapIndex = i;
    }

    private void down(int i) {
        TcpConnection c = heap[i];
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                break;
            }
            int r = l + 1;
            int m = r < size && heap[r].scheduledDeadline < heap[l].scheduledDeadline ? r : l;
            if (heap[m].scheduledDeadline >= c.scheduledDeadline) {
                break;
            }
            heap[i] = heap[m];
            heap[i].heapIndex = i;
            i = m;
        }
        heap[i] = c;
        c.heapIndex = i;
    }
}
