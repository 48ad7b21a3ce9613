package io.flyover.stack.buffer;

/**
 * A reusable batch of frame indices handed between a stack and a device in one call.
 * Preallocated once and reused for every burst; never shared between threads.
 */
public final class FrameBurst {
    private final int[] frames;
    private int count;

    public FrameBurst(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("burst capacity must be positive: " + capacity);
        }
        this.frames = new int[capacity];
    }

    public int capacity() { return frames.length; }
    public int count() { return count; }
    public boolean isEmpty() { return count == 0; }
    public boolean isFull() { return count == frames.length; }
    public int remaining() { return frames.length - count; }

    public int get(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException(i);
        }
        return frames[i];
    }

    /** Appends a frame; returns false (and keeps nothing) when the burst is full. */
    public boolean add(int frame) {
        if (count == frames.length) {
            return false;
        }
        frames[count++] = frame;
        return true;
    }

    /** Drops the first {@code n} entries (those a device accepted), keeping the rest in order. */
    public void removeFirst(int n) {
        if (n < 0 || n > count) {
            throw new IndexOutOfBoundsException(n);
        }
        System.arraycopy(frames, n, frames, 0, count - n);
        count -= n;
    }

    public void clear() { count = 0; }
}
