package io.flyover.stack.device.soft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A veth end's receive ring: a bounded single-producer single-consumer ring of ints (frame indices), lock-free and allocation-free:
 * the producer publishes its tail with a release store, the consumer its head likewise, and each reads
 * the other's with an acquire load (the Lamport queue with cached counters, as in Agrona's
 * {@code OneToOneConcurrentArrayQueue}). Head and tail sit on separate cache lines.
 */
final class VethReceiveRing {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(VethReceiveRing.class, "head", long.class);
            TAIL = l.findVarHandle(VethReceiveRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int[] slots;
    private final int mask;

    // Padding keeps head and tail (and the producer's and consumer's caches) on different cache lines.
    long p01, p02, p03, p04, p05, p06, p07;
    private volatile long head;       // consumer writes
    private long tailCache;            // consumer's cached view of tail
    long p11, p12, p13, p14, p15, p16, p17;
    private volatile long tail;       // producer writes
    private long headCache;            // producer's cached view of head
    long p21, p22, p23, p24, p25, p26, p27;

    VethReceiveRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two >= 2: " + capacity);
        }
        slots = new int[capacity];
        mask = capacity - 1;
    }

    int capacity() { return slots.length; }

    /** Producer: appends {@code value}; false when full. */
    boolean offer(int value) {
        long t = (long) TAIL.getOpaque(this);
        if (t - headCache >= slots.length) {
            headCache = (long) HEAD.getAcquire(this);
            if (t - headCache >= slots.length) {
                return false;
            }
        }
        slots[(int) t & mask] = value;
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** Consumer: removes the oldest value, or returns -1 when empty (values are non-negative frame indices). */
    int poll() {
        long h = (long) HEAD.getOpaque(this);
        if (h >= tailCache) {
            tailCache = (long) TAIL.getAcquire(this);
            if (h >= tailCache) {
                return -1;
            }
        }
        int v = slots[(int) h & mask];
        HEAD.setRelease(this, h + 1);
        return v;
    }

    /** Consumer: whether anything is queued (a hint for other threads). */
    boolean isEmpty() {
        return (long) HEAD.getAcquire(this) >= (long) TAIL.getAcquire(this);
    }
}
