package io.flyover.stack.device.soft;

/**
 * Frames held until a release time: a binary min-heap on (release time, arrival order), so frames due
 * at the same time leave in the order they came. Preallocated; holding and releasing allocate nothing.
 */
final class HoldingQueue {
    private final int[] frames;
    private final long[] releaseAt;
    private final long[] order;
    private int size;
    private long nextOrder;

    HoldingQueue(int capacity) {
        frames = new int[capacity];
        releaseAt = new long[capacity];
        order = new long[capacity];
    }

    boolean isFull() { return size == frames.length; }
    boolean isEmpty() { return size == 0; }
    int size() { return size; }
    int capacity() { return frames.length; }

    /** The earliest release time, or {@link Long#MAX_VALUE} when empty. */
    long earliest() { return size == 0 ? Long.MAX_VALUE : releaseAt[0]; }

    /** Holds {@code frame} until {@code atNanos}; the queue must not be full. */
    void add(int frame, long atNanos) {
        int i = size++;
        long o = nextOrder++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(atNanos, o, releaseAt[parent], order[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, frame, atNanos, o);
    }

    /** Removes and returns the frame with the earliest release time; the queue must not be empty. */
    int poll() {
        int result = frames[0];
        int last = --size;
        if (last > 0) {
            int frame = frames[last];
            long at = releaseAt[last];
            long o = order[last];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= last) {
                    break;
                }
                if (child + 1 < last && before(releaseAt[child + 1], order[child + 1], releaseAt[child], order[child])) {
                    child++;
                }
                if (!before(releaseAt[child], order[child], at, o)) {
                    break;
                }
                move(child, i);
                i = child;
            }
            set(i, frame, at, o);
        }
        return result;
    }

    private static boolean before(long at1, long order1, long at2, long order2) {
        return at1 < at2 || (at1 == at2 && order1 < order2);
    }

    private void move(int from, int to) {
        set(to, frames[from], releaseAt[from], order[from]);
    }

    private void set(int i, int frame, long at, long o) {
        frames[i] = frame;
        releaseAt[i] = at;
        order[i] = o;
    }
}
