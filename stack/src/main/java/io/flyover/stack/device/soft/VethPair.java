package io.flyover.stack.device.soft;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * An in-process virtual Ethernet cable: two {@link NetDevice} ends, each over its own {@link FramePool}.
 * Transmitting on one end copies each frame into a frame of the peer's pool and queues it on the peer's
 * bounded receive ring (a lock-free single-producer single-consumer ring), then frees the original; a
 * full ring or an exhausted peer pool drops the frame as a real link would (the ring's drops are
 * counted per end). Each end may be driven by its own thread: the transmitting thread is the ring's
 * only producer, the receiving end's thread its only consumer. Nothing is allocated per frame.
 */
public final class VethPair implements AutoCloseable {
    private final End a;
    private final End b;

    private VethPair(FramePool poolA, long macA, FramePool poolB, long macB, int ringSize, int mtu) {
        a = new End("veth-a", poolA, macA, ringSize, mtu);
        b = new End("veth-b", poolB, macB, ringSize, mtu);
        a.peer = b;
        b.peer = a;
        a.peerCache = poolB.newCache(64);
        b.peerCache = poolA.newCache(64);
    }

    /** A pair with MTU 1500 and a receive ring of {@code ringSize} frames (a power of two) per end. */
    public static VethPair create(FramePool poolA, long macA, FramePool poolB, long macB, int ringSize) {
        return new VethPair(poolA, macA, poolB, macB, ringSize, 1500);
    }

    public static VethPair create(FramePool poolA, long macA, FramePool poolB, long macB, int ringSize, int mtu) {
        return new VethPair(poolA, macA, poolB, macB, ringSize, mtu);
    }

    public NetDevice a() { return a; }
    public NetDevice b() { return b; }

    /** Frames dropped because the receiving end's ring was full or its pool empty, by receiving end. */
    public long droppedToA() { return a.dropped; }
    public long droppedToB() { return b.dropped; }

    @Override
    public void close() {
        a.close();
        b.close();
    }

    private static final class End implements NetDevice {
        private final String name;
        private final FramePool pool;
        private final MemorySegment memory;
        private final DeviceCapabilities capabilities;
        private final VethReceiveRing ring;
        private final FrameCache ownCache;   // used by the transmitting thread to free sent frames
        End peer;
        FrameCache peerCache;                 // used by the transmitting thread to take peer frames
        volatile long dropped;
        private boolean closed;

        End(String name, FramePool pool, long mac, int ringSize, int mtu) {
            this.name = name;
            this.pool = pool;
            this.memory = pool.region();
            this.capabilities = new DeviceCapabilities(mac, mtu, 1, 1, Set.of());
            this.ring = new VethReceiveRing(ringSize);
            this.ownCache = pool.newCache(64);
        }

        @Override public String name() { return name; }
        @Override public DeviceCapabilities capabilities() { return capabilities; }
        @Override public FramePool pool() { return pool; }

        @Override
        public int receive(int queue, FrameBurst into, long nowNanos) {
            int n = 0;
            while (!into.isFull()) {
                int frame = ring.poll();
                if (frame < 0) {
                    break;
                }
                into.add(frame);
                n++;
            }
            return n;
        }

        @Override
        public int transmit(int queue, FrameBurst frames, long nowNanos) {
            int n = frames.count();
            End to = peer;
            for (int i = 0; i < n; i++) {
                int frame = frames.get(i);
                int length = pool.dataLength(frame);
                int copy = closed || to.closed || length > to.pool.frameSize() ? FramePool.NO_FRAME : peerCache.acquire();
                if (copy != FramePool.NO_FRAME) {
                    FramePool peerPool = to.pool;
                    int offset = Math.min(peerPool.headroom(), peerPool.frameSize() - length);
                    MemorySegment.copy(memory, pool.dataAddress(frame), to.memory, peerPool.frameBase(copy) + offset, length);
                    peerPool.setData(copy, offset, length);
                    if (!to.ring.offer(copy)) {
                        peerCache.release(copy);
                        to.dropped++;
                    }
                } else {
                    to.dropped++;
                }
                ownCache.release(frame);
            }
            return n;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (int f = ring.poll(); f >= 0; f = ring.poll()) {
                ownCache.release(f);
            }
            ownCache.close();
            peerCache.close();
        }
    }
}
