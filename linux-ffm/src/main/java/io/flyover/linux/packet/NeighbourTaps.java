package io.flyover.linux.packet;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.io.IOException;

/**
 * The ears of a device that shares its NIC with the kernel by flow rules or port steering: three
 * {@link PacketTap}s for ARP, IPv6 neighbour discovery and the ICMP errors about the stack's flows
 * (destination unreachable, packet too big), frames that match no rule of the stack's and go to the
 * kernel, without which the stack would resolve no neighbour and learn no path MTU.
 *
 * <p>These frames are rare and the busy poll is not: an empty tap still costs a {@code recvfrom} system
 * call, three per poll. So {@link #receive} looks at the taps only once in
 * {@link #POLLS_BETWEEN_LOOKS} polls, or at the first poll after a sleep in the device
 * ({@link #afterWait}, since a tap's frame may be what ended it). It runs before the device's own
 * frames, so a burst the device fills cannot starve them.
 */
public final class NeighbourTaps implements AutoCloseable {
    /** Polls between two looks at the taps while busy polling: tens of microseconds at most. */
    static final int POLLS_BETWEEN_LOOKS = 64;

    private final PacketTap arp;
    private final PacketTap neighbourDiscovery;
    private final PacketTap icmpErrors;
    /** Polls since the taps were last looked at (the receiving thread's). */
    private int pollsSinceLook;
    /** Set after a sleep in the device: the next poll looks at once. */
    private volatile boolean lookNext = true;

    private NeighbourTaps(PacketTap arp, PacketTap neighbourDiscovery, PacketTap icmpErrors) {
        this.arp = arp;
        this.neighbourDiscovery = neighbourDiscovery;
        this.icmpErrors = icmpErrors;
    }

    /** Opens the three taps on {@code interfaceName}; on failure closes those it opened. */
    public static NeighbourTaps open(String interfaceName, int ifindex, FramePool pool) throws IOException {
        PacketTap arp = null, nd = null;
        try {
            arp = PacketTap.arp(interfaceName, ifindex, pool);
            nd = PacketTap.neighbourDiscovery(interfaceName, ifindex, pool);
            return new NeighbourTaps(arp, nd, PacketTap.icmpErrors(interfaceName, ifindex, pool));
        } catch (IOException | RuntimeException e) {
            if (arp != null) {
                arp.close();
            }
            if (nd != null) {
                nd.close();
            }
            throw e;
        }
    }

    /** The taps' descriptors, for a wait in ppoll(2). */
    public int[] fds() {
        return new int[] {arp.fd(), neighbourDiscovery.fd(), icmpErrors.fd()};
    }

    /** Adds what the taps heard to {@code into} (in frames from {@code cache}) when it is time to look. */
    public int receive(FrameBurst into, FrameCache cache) {
        if (!lookNext && ++pollsSinceLook < POLLS_BETWEEN_LOOKS) {
            return 0;
        }
        lookNext = false;
        pollsSinceLook = 0;
        return arp.receive(into, cache) + neighbourDiscovery.receive(into, cache) + icmpErrors.receive(into, cache);
    }

    /** The device slept (and may have been woken by a tap): the next poll looks. */
    public void afterWait() {
        lookNext = true;
    }

    /** ARP, neighbour discovery and ICMP error frames heard so far. */
    public long receivedFrames() {
        return arp.receivedFrames() + neighbourDiscovery.receivedFrames() + icmpErrors.receivedFrames();
    }

    @Override
    public void close() {
        arp.close();
        neighbourDiscovery.close();
        icmpErrors.close();
    }
}
