package io.flyover.linux.packet;

import io.flyover.linux.sys.ArmableInput;
import io.flyover.linux.sys.InputWaiter;
import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.device.ForwardingNetDevice;
import io.flyover.stack.device.NetDevice;
import java.io.IOException;

/**
 * A device that shares its NIC with the kernel by flow rules (an ibverbs RAW_PACKET queue steered per
 * port), given ears for ARP, IPv6 neighbour discovery and the ICMP errors about its flows: those frames
 * match no rule and go to the kernel, so the stack would never resolve a neighbour nor learn a path MTU.
 * Three {@link PacketTap}s on the interface hear them too, and {@link #receive} adds them to queue 0 after the inner device's frames; the kernel keeps
 * answering for the address (the stack's MAC is the interface's, so both answers agree). Everything
 * else is the inner device's.
 *
 * <p>Interrupt mode: when the inner device can be armed ({@link ArmableInput}, the verbs device's completion
 * channel), {@link #awaitInput} sleeps in ppoll(2) on the taps and the inner device's event descriptor at
 * once, so a frame from either ends the wait; otherwise the device cannot wait and the caller parks.
 */
public final class NeighbourTapDevice extends ForwardingNetDevice {
    private final PacketTap arp;
    private final PacketTap neighbourDiscovery;
    private final PacketTap icmpErrors;
    /** Frames for the taps' copies; only the thread that receives queue 0 uses it. */
    private final FrameCache cache;
    /** The taps' descriptors and the inner device's event descriptor; null when the inner device cannot be armed. */
    private final InputWaiter waiter;

    private NeighbourTapDevice(NetDevice inner, PacketTap arp, PacketTap neighbourDiscovery, PacketTap icmpErrors) {
        super(inner);
        this.arp = arp;
        this.neighbourDiscovery = neighbourDiscovery;
        this.icmpErrors = icmpErrors;
        this.cache = inner.pool().newCache(64);
        this.waiter = inner instanceof ArmableInput armable && armable.inputEventFd() >= 0
                ? new InputWaiter(armable, arp.fd(), neighbourDiscovery.fd(), icmpErrors.fd())
                : null;
    }

    /** Wraps {@code inner}, which drives {@code interfaceName}; on failure closes nothing of {@code inner}. */
    public static NeighbourTapDevice wrap(NetDevice inner, String interfaceName) throws IOException {
        int ifindex = NetInterface.lookup(interfaceName).index();
        PacketTap arp = null, nd = null, icmp = null;
        try {
            arp = PacketTap.arp(interfaceName, ifindex, inner.pool());
            nd = PacketTap.neighbourDiscovery(interfaceName, ifindex, inner.pool());
            icmp = PacketTap.icmpErrors(interfaceName, ifindex, inner.pool());
            return new NeighbourTapDevice(inner, arp, nd, icmp);
        } catch (IOException | RuntimeException e) {
            for (PacketTap t : new PacketTap[] {arp, nd, icmp}) {
                if (t != null) {
                    t.close();
                }
            }
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
            n += icmpErrors.receive(into, cache);
        }
        return n;
    }

    /** Sleeps until the inner device announces input, a tap has a frame, {@link #wakeInput}, or the timeout. */
    @Override
    public boolean awaitInput(long timeoutNanos) {
        return waiter != null && waiter.await(timeoutNanos);
    }

    @Override
    public void wakeInput() {
        if (waiter != null) {
            waiter.wake();
        }
    }

    /** ARP, neighbour discovery and ICMP error frames heard so far. */
    public long tapReceivedFrames() {
        return arp.receivedFrames() + neighbourDiscovery.receivedFrames() + icmpErrors.receivedFrames();
    }

    @Override
    public void close() {
        if (waiter != null) {
            waiter.close(); // a wait in progress ends, its events taken, before the descriptors close
        }
        arp.close();
        neighbourDiscovery.close();
        icmpErrors.close();
        cache.close();
        inner.close();
    }
}
