package io.flyover.stack.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A thread's private stock of free frames from one {@link FramePool}.
 *
 * <p>Not thread-safe by design: exactly one thread uses a cache. It refills from, and drains to,
 * the pool's shared free stack half a cache at a time, so acquire and release are a few array
 * operations with no lock and no allocation in the steady state.
 */
public final class FrameCache implements AutoCloseable {
    private final FramePool pool;
    private final int[] frames;
    private final int batch;
    /**
     * Frames cached: the owner's plain field, written with opaque stores so that
     * {@link FramePool#availableEstimate()} sees a recent value from other threads without a fence on
     * every acquire and release.
     */
    private int count;
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(FrameCache.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    FrameCache(FramePool pool, int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("cache capacity must be at least 2: " + capacity);
        }
        this.pool = pool;
        this.frames = new int[capacity];
        this.batch = capacity / 2;
    }

    public FramePool pool() { return pool; }

    /** A frame now owned by the caller, its data empty at the headroom; or {@link FramePool#NO_FRAME}. */
    public int acquire() {
        int n = count;
        if (n == 0) {
            n = pool.takeBatch(frames, 0, batch);
            if (n == 0) {
                return FramePool.NO_FRAME;
            }
        }
        int index = frames[--n];
        COUNT.setOpaque(this, n);
        pool.markOwned(index);
        return index;
    }

    /** Gives a frame back; the caller must own it and must not touch it afterwards. */
    public void release(int index) {
        pool.markFree(index);
        int n = count;
        if (n == frames.length) {
            pool.giveBatch(frames, n - batch, batch);
            n -= batch;
        }
        frames[n++] = index;
        COUNT.setOpaque(this, n);
    }

    /** Frames cached now (from any thread: a recent value). */
    int cached() { return (int) COUNT.getOpaque(this); }

    /** Returns every cached frame to the pool and detaches this cache. */
    @Override
    public void close() {
        pool.giveBatch(frames, 0, count);
        COUNT.setOpaque(this, 0);
        pool.forget(this);
    }
}
