package io.flyover.stack.net;

import java.lang.foreign.MemorySegment;

/**
 * What a transport calls to send: the IP layer adds the IP header, fills the L4 checksum (or asks the
 * device to), resolves the next hop's MAC (queueing while it resolves) and transmits.
 */
public interface IpOutput {

    /**
     * Sends the L4 segment held in {@code frame} (its data range starts at the L4 header; at least
     * {@link #HEADROOM} bytes of headroom must remain in front). Takes ownership of the frame in all
     * cases; a failure is counted as a drop and answered false.
     *
     * @param protocol IP protocol number (6 TCP, 17 UDP); its checksum field is filled here
     * @param sourceHi/sourceLo our address, or the unspecified address to let the route choose
     */
    boolean send(int frame, int protocol, long sourceHi, long sourceLo, long destinationHi, long destinationLo,
            int ttlOrHopLimit, int trafficClass, boolean dontFragment);

    /**
     * Sends an L4 datagram larger than a frame from {@code data}: it is fragmented (RFC 791 section
     * 2.3, RFC 8200 section 4.5) into frames of the path MTU, after the L4 checksum is filled in {@code data}.
     */
    boolean sendFragmented(MemorySegment data, long offset, int length, int protocol, long sourceHi, long sourceLo,
            long destinationHi, long destinationLo, int ttlOrHopLimit, int trafficClass);

    /** The largest L4 segment that fits one IP packet to the destination without fragmentation. */
    int maxSegment(long destinationHi, long destinationLo);

    /** Chooses our source address for a destination (RFC 6724 in its simplest form); false when no route. */
    boolean selectSource(long destinationHi, long destinationLo, long[] into);

    /**
     * Upper-layer reachability confirmation (RFC 4861 section 7.3.1): the peer at the destination
     * answered something we sent (TCP: an acknowledgement of new data), so the next hop's neighbour
     * entry is REACHABLE again without probing. Allocation-free; cheap enough for every such ACK.
     */
    void confirmReachable(long destinationHi, long destinationLo);

    /**
     * A transport holds {@code port} of {@code protocol} on a local address (0, 0 for any) from now until
     * {@link #releasePort}: a device that shares the interface with the kernel steers it to the stack
     * ({@link PortSteering}). Set-up path only.
     *
     * @throws SteeringRefusedException when the device refuses to steer it
     */
    default void holdPort(int protocol, long localHi, long localLo, int port) {
    }

    /** The end of a {@link #holdPort}. */
    default void releasePort(int protocol, long localHi, long localLo, int port) {
    }

    /** Headroom the IP layer needs in front of an L4 header: Ethernet + VLAN + IPv6 + fragment header. */
    int HEADROOM = 18 + 40 + 8 + 8;
}
