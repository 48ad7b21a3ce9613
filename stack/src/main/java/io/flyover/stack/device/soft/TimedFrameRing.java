package io.flyover.stack.device.soft;

/**
 * A bounded first-in first-out ring of frame indices, each with the time it was queued: a software
 * device's receive queue. Preallocated; offering to a full ring fails and the caller counts the drop.
 */
final class TimedFrameRing {
    private final int[] frames;
    private final long[] queuedAt;
    private final int mask;
    private long head; // next to take
    private long tail; // next free

    TimedFrameRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity must be a power of two >= 2: " + capacity);
        }
        this.frames = new int[capacity];
        this.queuedAt = new long[capacity];
        this.mask = capacity - 1;
    }

    boolean offer(int frame, long nowNanos) {
        if (tail - head == frames.length) {
            return false;
        }
        int slot = (int) (tail++ & mask);
        frames[slot] = frame;
        queuedAt[slot] = nowNanos;
        return true;
    }

    /** The oldest frame, removed; the ring must not be empty. */
    int poll() {
        return frames[(int) (head++ & mask)];
    }

    /** When the oldest frame was queued; the ring must not be empty. */
    long oldestQueuedAt() {
        return queuedAt[(int) (head & mask)];
    }

    boolean isEmpty() { return head == tail; }
    int size() { return (int) (tail - head); }
    int capacity() { return frames.length; }
}
