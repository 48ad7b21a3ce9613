package io.flyover.stack.tcp;

/**
 * The seam below TCP: what the IP layer provides. TCP builds a complete TCP header and payload in a
 * frame of the stack's {@link io.flyover.stack.buffer.FramePool} and hands it down here; the IP layer
 * prepends its header into the frame's headroom, computes the TCP checksum over the pseudo-header (or
 * asks the device to), and transmits.
 *
 * <p>Addresses are two longs each (IPv6 bytes 0-7 and 8-15, big-endian); IPv4 addresses are
 * IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}: hi = 0, lo = 0x0000_FFFF_xxxx_xxxx).
 */
public interface SegmentOutput {
    /**
     * Sends one TCP segment. The frame's data ({@code pool.dataOffset(frame)}, {@code
     * pool.dataLength(frame)}) is exactly the TCP header followed by the payload, with a zero checksum
     * field, and at least {@link TcpLayer#HEADROOM_NEEDED} bytes of headroom in front of it.
     * Ownership of the frame passes to the callee in every case.
     *
     * @return false when the segment was dropped below TCP (no route, neighbour queue full, ring full);
     *     TCP treats that as a loss
     */
    boolean sendSegment(long localHi, long localLo, long remoteHi, long remoteLo, int frame);

    /**
     * Sends one TCP segment with an IPv4 TOS byte / IPv6 traffic class (IP_TOS); an output that has no
     * IP header of its own ignores it.
     */
    default boolean sendSegment(long localHi, long localLo, long remoteHi, long remoteLo, int frame, int trafficClass) {
        return sendSegment(localHi, localLo, remoteHi, remoteLo, frame);
    }

    /**
     * The path MTU towards {@code remote} as currently known (the interface MTU of the route, lowered
     * by ICMP), used to choose the MSS announced in SYNs; 0 when unknown (then {@link
     * TcpSettings#defaultMss} applies).
     */
    int pathMtu(long remoteHi, long remoteLo);

    /**
     * Upper-layer reachability confirmation (RFC 4861 section 7.3.1): an acknowledgement advanced
     * SND.UNA, so the peer is reachable and the IP layer need not probe its next hop. Allocation-free.
     */
    default void reachabilityConfirmed(long remoteHi, long remoteLo) {
    }

    /** A listener or connection holds its local port ({@link io.flyover.stack.net.IpOutput#holdPort}). */
    default void holdPort(long localHi, long localLo, int port) {
    }

    /** The end of a {@link #holdPort}. */
    default void releasePort(long localHi, long localLo, int port) {
    }
}
