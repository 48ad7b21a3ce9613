package io.flyover.stack;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.VethPair;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One stack on end B of a veth pair, and the test holding end A raw: it injects frames as bytes and
 * reads what the stack sent. The stack is 198.18.0.2/24 and fd00::2/64 with MAC 26:63:58:90:11:92,
 * the addresses of fc-b in the Linux captures, so captured frames from fc-a can be replayed at it.
 */
public final class RawPeer implements AutoCloseable {
    public static final long STACK_MAC = 0x2663_5890_1192L;
    public static final long PEER_MAC = 0x6612_e465_0ba2L;

    public final FramePool peerPool = FramePool.allocate(256);
    public final FramePool stackPool = FramePool.allocate(1024);
    public final VethPair veth = VethPair.create(peerPool, PEER_MAC, stackPool, STACK_MAC, 512);
    public final Stack stack;
    private final FrameCache cache = peerPool.newCache(16);
    private final FrameBurst burst = new FrameBurst(64);
    public long now = 1_000_000_000L;

    public RawPeer() {
        this(StackConfig.builder());
    }

    public RawPeer(StackConfig.Builder config) {
        stack = new Stack(config.ipv4("198.18.0.2", 24).ipv6("fd00::2", 64).build(), veth.b(), new SeededRandom(3));
    }

    /** Sends one frame to the stack (it arrives at the next poll). */
    public void inject(byte[] frame) {
        int f = cache.acquire();
        if (f < 0) {
            throw new IllegalStateException("peer pool exhausted");
        }
        int length = Math.min(frame.length, peerPool.frameSize() - peerPool.headroom());
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, peerPool.region(), peerPool.dataAddress(f), length);
        peerPool.setData(f, peerPool.dataOffset(f), length);
        burst.clear();
        burst.add(f);
        veth.a().transmit(0, burst, now);
        burst.clear();
    }

    public long poll() {
        return stack.poll(now);
    }

    /** Everything the stack transmitted since the last call, as bytes. */
    public List<byte[]> sent() {
        List<byte[]> out = new ArrayList<>();
        while (true) {
            burst.clear();
            if (veth.a().receive(0, burst, now) == 0) {
                break;
            }
            for (int i = 0; i < burst.count(); i++) {
                int f = burst.get(i);
                out.add(peerPool.region().asSlice(peerPool.dataAddress(f), peerPool.dataLength(f)).toArray(ValueLayout.JAVA_BYTE));
                cache.release(f);
            }
        }
        burst.clear();
        return out;
    }

    /** Runs the stack's first poll (gratuitous ARP, unsolicited NA) and discards what it sent. */
    public RawPeer started() {
        poll();
        sent();
        return this;
    }

    @Override
    public void close() {
        stack.close();
        cache.close();
        veth.close();
        try {
            peerPool.checkAllReturned();
            stackPool.checkAllReturned();
        } finally {
            peerPool.close();
            stackPool.close();
        }
    }
}
