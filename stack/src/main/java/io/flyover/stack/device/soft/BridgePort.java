package io.flyover.stack.device.soft;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * One port of an {@link L2Bridge}, seen by the stack on it as its network device: frames transmitted
 * here enter the bridge at once; frames the bridge sends out of this port are copied into this port's
 * pool and wait in one of its bounded receive queues, chosen by software RSS.
 */
public final class BridgePort implements NetDevice {
    private static final int CACHE_SIZE = 16;

    private final L2Bridge bridge;
    private final int index;
    private final String name;
    private final FramePool pool;
    private final FrameCache cache;
    private final DeviceCapabilities capabilities;
    private final TimedFrameRing[] rings;
    private final RssSteering rss;
    private final int maxFrameLength;
    private boolean closed;

    private long received;
    private long transmitted;
    private long ringFullDrops;
    private long noFrameDrops;
    private long oversizeDrops;

    BridgePort(L2Bridge bridge, int index, String name, FramePool pool, long mac, int queues, int ringSize,
            int mtu, RssSteering rss) {
        this.bridge = bridge;
        this.index = index;
        this.name = name;
        this.pool = pool;
        this.capabilities = new DeviceCapabilities(mac, mtu, queues, queues, Set.of());
        this.rings = new TimedFrameRing[queues];
        for (int q = 0; q < queues; q++) {
            rings[q] = new TimedFrameRing(ringSize);
        }
        this.rss = rss;
        this.maxFrameLength = mtu + 14 + 8; // Ethernet header and up to two VLAN tags, no FCS
        this.cache = pool.newCache(CACHE_SIZE);
    }

    int index() { return index; }

    public L2Bridge bridge() { return bridge; }

    @Override public String name() { return name; }
    @Override public DeviceCapabilities capabilities() { return capabilities; }
    @Override public FramePool pool() { return pool; }

    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        TimedFrameRing ring = rings[checkQueue(queue)];
        int n = 0;
        // Room is checked before a frame leaves the ring: a frame polled into a full burst would be lost.
        while (!ring.isEmpty() && !into.isFull()) {
            into.add(ring.poll());
            n++;
        }
        return n;
    }

    /** Accepts the whole burst: each frame is forwarded (or dropped and counted) before this returns. */
    @Override
    public int transmit(int queue, FrameBurst frames, long nowNanos) {
        checkQueue(queue);
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        int n = frames.count();
        for (int i = 0; i < n; i++) {
            int frame = frames.get(i);
            int length = pool.dataLength(frame);
            if (length <= maxFrameLength) {
                bridge.forward(this, pool.region(), pool.dataAddress(frame), length, nowNanos);
            } else {
                oversizeDrops++;
            }
            cache.release(frame);
        }
        transmitted += n;
        return n;
    }

    /** Frames waiting in a receive queue are deliverable now: the oldest one's arrival time. */
    @Override
    public long nextEventNanos() {
        long earliest = Long.MAX_VALUE;
        for (TimedFrameRing ring : rings) {
            if (!ring.isEmpty()) {
                earliest = Math.min(earliest, ring.oldestQueuedAt());
            }
        }
        return earliest;
    }

    /** Copies a frame from another port into this port's pool and queues it. */
    void deliver(MemorySegment from, long address, int length, long nowNanos) {
        TimedFrameRing ring = rings[rss.queueOf(from, address, length)];
        if (ring.capacity() == ring.size()) {
            ringFullDrops++;
            return;
        }
        if (length > maxFrameLength || length > pool.capacityFrom(pool.headroom())) {
            oversizeDrops++;
            return;
        }
        int frame = cache.acquire();
        if (frame == FramePool.NO_FRAME) {
            noFrameDrops++;
            return;
        }
        pool.setData(frame, pool.headroom(), length);
        MemorySegment.copy(from, address, pool.region(), pool.dataAddress(frame), length);
        ring.offer(frame, nowNanos);
        received++;
    }

    /** Frames queued for the stack on this port. */
    public long received() { return received; }
    /** Frames the stack on this port transmitted. */
    public long transmitted() { return transmitted; }
    /** Frames dropped because the receive queue RSS chose was full. */
    public long ringFullDrops() { return ringFullDrops; }
    /** Frames dropped because this port's pool had no free frame. */
    public long noFrameDrops() { return noFrameDrops; }
    /** Frames dropped for exceeding the MTU (either way). */
    public long oversizeDrops() { return oversizeDrops; }
    /** Frames waiting in receive queue {@code queue}. */
    public int queued(int queue) { return rings[checkQueue(queue)].size(); }

    private int checkQueue(int queue) {
        if (queue < 0 || queue >= rings.length) {
            throw new IndexOutOfBoundsException("queue " + queue + " of " + rings.length);
        }
        return queue;
    }

    /** Leaves the bridge and returns every queued frame to the pool. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        bridge.detach(this);
        for (TimedFrameRing ring : rings) {
            while (!ring.isEmpty()) {
                cache.release(ring.poll());
            }
        }
        cache.close();
    }

    @Override
    public String toString() {
        return "BridgePort[" + name + "]";
    }
}
