package io.flyover.stack.device.soft;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Receive-side scaling done in software, as a NIC does it: the Toeplitz hash of a frame's flow
 * (Microsoft RSS: source and destination address, then source and destination port for TCP and UDP,
 * addresses only for fragments and other protocols) indexes a 128-entry indirection table that
 * spreads the hash values round-robin over the receive queues, as Linux's default table does.
 *
 * <p>Frames that are not IPv4 or IPv6 (ARP, truncated or malformed headers) go to queue 0. Up to two
 * 802.1Q / 802.1ad tags are skipped. IPv6 extension headers are not walked: a packet whose first
 * next-header is not TCP or UDP is hashed on its addresses only, as many NICs do.
 */
public final class RssSteering {
    /** What {@link #hash} answers for a frame without an IP flow. */
    public static final long NO_HASH = -1;

    private static final ValueLayout.OfShort NET_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int INDIRECTION_SIZE = 128;

    private final ToeplitzHash toeplitz;
    private final int[] indirection = new int[INDIRECTION_SIZE];
    private final int queues;

    public RssSteering(ToeplitzHash toeplitz, int queues) {
        if (queues < 1) {
            throw new IllegalArgumentException("queues must be positive: " + queues);
        }
        this.toeplitz = toeplitz;
        this.queues = queues;
        for (int i = 0; i < INDIRECTION_SIZE; i++) {
            indirection[i] = i % queues;
        }
    }

    public int queues() { return queues; }

    /** The receive queue for the frame of {@code length} bytes at {@code offset}. */
    public int queueOf(MemorySegment segment, long offset, int length) {
        if (queues == 1) {
            return 0;
        }
        long hash = hash(segment, offset, length);
        return hash == NO_HASH ? 0 : indirection[(int) (hash & (INDIRECTION_SIZE - 1))];
    }

    /** The flow's 32-bit RSS hash (unsigned, in a long), or {@link #NO_HASH}. */
    public long hash(MemorySegment segment, long offset, int length) {
        if (length < 14) {
            return NO_HASH;
        }
        int l3 = 12;
        int etherType = u16(segment, offset + l3);
        for (int tags = 0; tags < 2 && (etherType == 0x8100 || etherType == 0x88A8); tags++) {
            l3 += 4;
            if (length < l3 + 2) {
                return NO_HASH;
            }
            etherType = u16(segment, offset + l3);
        }
        l3 += 2;
        long ip = offset + l3;
        int available = length - l3;
        if (etherType == 0x0800) {
            return hashIpv4(segment, ip, available);
        }
        if (etherType == 0x86DD) {
            return hashIpv6(segment, ip, available);
        }
        return NO_HASH;
    }

    private long hashIpv4(MemorySegment segment, long ip, int available) {
        if (available < 20) {
            return NO_HASH;
        }
        int versionIhl = segment.get(ValueLayout.JAVA_BYTE, ip) & 0xFF;
        int headerLength = (versionIhl & 0x0F) * 4;
        if ((versionIhl >>> 4) != 4 || headerLength < 20 || headerLength > available) {
            return NO_HASH;
        }
        int hash = toeplitz.update(0, 0, segment, ip + 12, 8); // source, destination (RFC 791 §3.1)
        boolean fragment = (u16(segment, ip + 6) & 0x3FFF) != 0; // MF set or offset non-zero
        int protocol = segment.get(ValueLayout.JAVA_BYTE, ip + 9) & 0xFF;
        if (!fragment && (protocol == 6 || protocol == 17) && available >= headerLength + 4) {
            hash = toeplitz.update(hash, 8, segment, ip + headerLength, 4);
        }
        return hash & 0xFFFF_FFFFL;
    }

    private long hashIpv6(MemorySegment segment, long ip, int available) {
        if (available < 40 || (segment.get(ValueLayout.JAVA_BYTE, ip) & 0xF0) != 0x60) {
            return NO_HASH;
        }
        int hash = toeplitz.update(0, 0, segment, ip + 8, 32); // source, destination (RFC 8200 §3)
        int nextHeader = segment.get(ValueLayout.JAVA_BYTE, ip + 6) & 0xFF;
        if ((nextHeader == 6 || nextHeader == 17) && available >= 44) {
            hash = toeplitz.update(hash, 32, segment, ip + 40, 4);
        }
        return hash & 0xFFFF_FFFFL;
    }

    private static int u16(MemorySegment segment, long at) {
        return segment.get(NET_SHORT, at) & 0xFFFF;
    }
}
