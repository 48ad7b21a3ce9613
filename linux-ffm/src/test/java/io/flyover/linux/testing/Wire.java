package io.flyover.linux.testing;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Drives a device from a test: sends byte-array frames through pool frames and collects received
 * frames as byte arrays, releasing every pool frame at once (so the end-of-test leak check holds).
 * Waits are bounded so that a missing frame fails the test instead of hanging it; nothing asserts
 * on how long anything took.
 */
public final class Wire implements AutoCloseable {
    private static final long WAIT_NANOS = 10_000_000_000L;

    private final NetDevice device;
    private final int queue;
    private final FramePool pool;
    private final FrameCache cache;
    private final FrameBurst burst = new FrameBurst(32);
    /** Every frame received so far, in order. */
    public final List<byte[]> received = new ArrayList<>();
    private int scanned;

    public Wire(NetDevice device) {
        this(device, 0);
    }

    /** A wire on one queue of a multi-queue device. */
    public Wire(NetDevice device, int queue) {
        this.queue = queue;
        this.device = device;
        this.pool = device.pool();
        this.cache = pool.newCache(64);
    }

    /** Queues one frame; waits (bounded) while the device's ring is full. */
    public void send(byte[] frame) {
        int index = cache.acquire();
        if (index == FramePool.NO_FRAME) {
            throw new IllegalStateException("pool exhausted");
        }
        MemorySegment.copy(frame, 0, pool.region(), ValueLayout.JAVA_BYTE, pool.frameBase(index) + pool.headroom(),
                frame.length);
        pool.setData(index, pool.headroom(), frame.length);
        FrameBurst out = new FrameBurst(1);
        out.add(index);
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (true) {
            int n = device.transmit(queue, out, System.nanoTime());
            if (n == 1) {
                out.removeFirst(1);
                return;
            }
            if (System.nanoTime() > deadline) {
                cache.release(index);
                throw new AssertionError("device " + device.name() + " did not accept a frame");
            }
            pause();
        }
    }

    /** Receives once, appending to {@link #received}; returns how many frames arrived. */
    public int pollOnce() {
        int n = device.receive(queue, burst, System.nanoTime());
        for (int i = 0; i < burst.count(); i++) {
            int index = burst.get(i);
            byte[] bytes = new byte[pool.dataLength(index)];
            MemorySegment.copy(pool.region(), ValueLayout.JAVA_BYTE, pool.dataAddress(index), bytes, 0, bytes.length);
            received.add(bytes);
            cache.release(index);
        }
        burst.clear();
        return n;
    }

    /** The first frame not yet returned by an await that matches; fails after a bounded wait. */
    public byte[] await(String what, Predicate<byte[]> match) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (true) {
            for (; scanned < received.size(); scanned++) {
                byte[] f = received.get(scanned);
                if (match.test(f)) {
                    scanned++;
                    return f;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " on " + device.name() + " among " + received.size()
                        + " frames received: " + summary());
            }
            if (pollOnce() == 0) {
                pause();
            }
        }
    }

    /** Whether the exact bytes of {@code frame} were received (searching everything received). */
    public boolean sawExactly(byte[] frame) {
        for (byte[] f : received) {
            if (Arrays.equals(f, frame)) {
                return true;
            }
        }
        return false;
    }

    public String summary() {
        StringBuilder b = new StringBuilder();
        for (int i = Math.max(0, received.size() - 8); i < received.size(); i++) {
            byte[] f = received.get(i);
            b.append("\n  ").append(Frames.hex(Arrays.copyOf(f, Math.min(f.length, 48))));
        }
        return b.toString();
    }

    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    @Override
    public void close() {
        cache.close();
    }
}
