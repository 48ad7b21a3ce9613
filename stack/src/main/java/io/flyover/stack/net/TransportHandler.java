package io.flyover.stack.net;

import java.lang.foreign.MemorySegment;

/**
 * The seam between the IP layer and a transport (UDP in this package's sibling, TCP later). See
 * {@code package-info.java} for the contract.
 */
public interface TransportHandler {

    /**
     * A validated segment for this transport: IP header checked, L4 checksum verified (or vouched for
     * by the device's {@code RX_L4_CHECKSUM_GOOD}), addresses in {@code ip}.
     *
     * @param frame the frame holding the segment, or {@link io.flyover.stack.buffer.FramePool#NO_FRAME}
     *     when it was reassembled from fragments into a stack buffer valid only during this call
     * @param offset where the L4 header starts in {@code segment}; {@code length} L4 bytes follow
     * @return a {@link Verdict}: KEPT only for a real frame, which the handler must later release
     */
    int onSegment(int frame, MemorySegment segment, long offset, int length, IpMeta ip, long nowNanos);

    /**
     * An ICMP or ICMPv6 error quoting one of our packets of this transport: RFC 1122 section 4.2.3.9,
     * RFC 1191 / RFC 8201 path MTU. {@code quotedOffset} is the quoted L4 header (at least 8 bytes).
     *
     * @param icmpVersion 4 or 6
     * @param mtu the next-hop MTU of fragmentation-needed / packet-too-big, else 0
     */
    default void onIcmpError(int icmpVersion, int type, int code, int mtu, MemorySegment segment,
            long quotedOffset, int quotedLength, IpMeta quotedIp, long nowNanos) {
    }

    /** Fires this transport's due timers; returns its next deadline or {@link Long#MAX_VALUE}. */
    default long poll(long nowNanos) {
        return Long.MAX_VALUE;
    }
}
