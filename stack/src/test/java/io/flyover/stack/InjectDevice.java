package io.flyover.stack;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/** A device for tests on one thread: frames written by the test are received; transmitted frames are counted and freed. */
public final class InjectDevice implements NetDevice {
    private final FramePool pool;
    private final FrameCache cache;
    private final DeviceCapabilities capabilities;
    private final int[] queue = new int[4096];
    private int head, tail;
    public long transmitted;

    /** When set, every transmitted frame is copied here with its flags (tests that inspect output). */
    public java.util.List<byte[]> captured;
    public java.util.List<Integer> capturedFlags;

    public InjectDevice(FramePool pool, long mac) {
        this(pool, mac, Set.of());
    }

    public InjectDevice(FramePool pool, long mac, Set<DeviceCapabilities.Offload> offloads) {
        this.pool = pool;
        this.cache = pool.newCache(64);
        this.capabilities = new DeviceCapabilities(mac, 1500, 1, 1, offloads);
    }

    /** Queues a copy of {@code length} bytes of {@code bytes} as a received frame; false when no frame or queue is full. */
    public boolean inject(byte[] bytes, int length) {
        if (tail - head == queue.length) {
            return false;
        }
        int f = cache.acquire();
        if (f < 0) {
            return false;
        }
        int n = Math.min(length, pool.frameSize() - pool.headroom());
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, pool.region(), pool.dataAddress(f), n);
        pool.setData(f, pool.dataOffset(f), n);
        queue[tail++ % queue.length] = f;
        return true;
    }

    @Override public String name() { return "inject"; }
    @Override public DeviceCapabilities capabilities() { return capabilities; }
    @Override public FramePool pool() { return pool; }

    @Override
    public int receive(int q, FrameBurst into, long nowNanos) {
        int n = 0;
        while (head != tail && !into.isFull()) {
            into.add(queue[head++ % queue.length]);
            n++;
        }
        return n;
    }

    @Override
    public int transmit(int q, FrameBurst frames, long nowNanos) {
        int n = frames.count();
        for (int i = 0; i < n; i++) {
            int f = frames.get(i);
            if (captured != null) {
                captured.add(pool.region().asSlice(pool.dataAddress(f), pool.dataLength(f)).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                capturedFlags.add(pool.flags(f));
            }
            cache.release(f);
        }
        transmitted += n;
        return n;
    }

    @Override
    public void close() {
        while (head != tail) {
            cache.release(queue[head++ % queue.length]);
        }
        cache.close();
    }
}
