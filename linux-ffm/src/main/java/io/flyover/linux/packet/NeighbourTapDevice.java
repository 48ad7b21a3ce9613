package io.flyover.linux.packet;

import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.NetDevice;
import java.io.IOException;

/**
 * A device that shares its NIC with the kernel by flow rules (an ibverbs RAW_PACKET queue steered per
 * port), given ears for ARP and IPv6 neighbour discovery: those frames match no rule and go to the
 * kernel, so the stack would never resolve a neighbour. Two {@link PacketTap}s on the interface hear
 * them too, and {@link #receive} adds them to queue 0 after the inner device's frames; the kernel keeps
 * answering for the address (the stack's MAC is the interface's, so both answers agree). Everything
 * else is the inner device's.
 */
public final class NeighbourTapDevice implements NetDevice {
    private final NetDevice inner;
    private final PacketTap arp;
    private final PacketTap neighbourDiscovery;
    /** Frames for the taps' copies; only the thread that receives queue 0 uses it. */
    private final FrameCache cache;

    private NeighbourTapDevice(NetDevice inner, PacketTap arp, PacketTap neighbourDiscovery) {
        this.inner = inner;
        this.arp = arp;
        this.neighbourDiscovery = neighbourDiscovery;
        this.cache = inner.pool().newCache(64);
    }

    /** Wraps {@code inner}, which drives {@code interfaceName}; on failure closes nothing of {@code inner}. */
    public static NeighbourTapDevice wrap(NetDevice inner, String interfaceName) throws IOException {
        int ifindex = NetInterface.lookup(interfaceName).index();
        PacketTap arp = PacketTap.arp(interfaceName, ifindex, inner.pool());
        try {
            return new NeighbourTapDevice(inner, arp, PacketTap.neighbourDiscovery(interfaceName, ifindex, inner.pool()));
        } catch (IOException | RuntimeException e) {
            arp.close();
            throw e;
        }
    }

    /** The inner device's frames, then on queue 0 what the taps heard. */
    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        int n = inner.receive(queue, into, nowNanos);
        if (queue == 0) {
            n += arp.receive(into, cache);
            n += neighbourDiscovery.receive(into, cache);
        }
        return n;
    }

    /** ARP and neighbour discovery frames heard so far. */
    public long tapReceivedFrames() {
        return arp.receivedFrames() + neighbourDiscovery.receivedFrames();
    }

    public NetDevice inner() { return inner; }

    @Override public String name() { return inner.name(); }
    @Override public DeviceCapabilities capabilities() { return inner.capabilities(); }
    @Override public FramePool pool() { return inner.pool(); }
    @Override public int transmit(int queue, FrameBurst frames, long nowNanos) { return inner.transmit(queue, frames, nowNanos); }
    @Override public long nextEventNanos() { return inner.nextEventNanos(); }
    @Override public boolean awaitInput(long timeoutNanos) { return inner.awaitInput(timeoutNanos); }
    @Override public void wakeInput() { inner.wakeInput(); }
    @Override public boolean isLoopback() { return inner.isLoopback(); }
    @Override public void addFlowRule(FlowRule rule) { inner.addFlowRule(rule); }
    @Override public void removeFlowRule(FlowRule rule) { inner.removeFlowRule(rule); }

    @Override
    public void close() {
        arp.close();
        neighbourDiscovery.close();
        cache.close();
        inner.close();
    }
}
