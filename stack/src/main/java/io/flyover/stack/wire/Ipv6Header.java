package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Value form of an IPv6 header for writing (RFC 8200 section 3), optionally followed by a fragment
 * header (section 4.5) or a hop-by-hop header carrying Router Alert (RFC 2711, for MLD). Reusable.
 */
public final class Ipv6Header {
    public int trafficClass;
    public int flowLabel;
    public int nextHeader;
    public int hopLimit = 64;
    public long sourceHi, sourceLo, destinationHi, destinationLo;
    /** When set, a fragment header follows with these values. */
    public boolean fragment;
    public int fragmentOffset;
    public boolean moreFragments;
    public int fragmentId;
    /** When set, a hop-by-hop header with Router Alert (MLD) follows. */
    public boolean routerAlert;

    public int headerLength() {
        return Ipv6Packet.HEADER_LENGTH + (fragment ? Ipv6Packet.FRAG_HEADER_LENGTH : 0) + (routerAlert ? 8 : 0);
    }

    /** Writes the headers for an upper-layer payload of {@code upperLength}; returns their length. */
    public int emit(MemorySegment s, long offset, int upperLength) {
        int hl = headerLength();
        Bytes.i32(s, offset, (6 << 28) | ((trafficClass & 0xFF) << 20) | (flowLabel & 0xF_FFFF));
        Bytes.u16(s, offset + Ipv6Packet.PAYLOAD_LENGTH, hl - Ipv6Packet.HEADER_LENGTH + upperLength);
        Bytes.u8(s, offset + Ipv6Packet.HOP_LIMIT, hopLimit);
        Bytes.i64(s, offset + Ipv6Packet.SOURCE, sourceHi);
        Bytes.i64(s, offset + Ipv6Packet.SOURCE + 8, sourceLo);
        Bytes.i64(s, offset + Ipv6Packet.DESTINATION, destinationHi);
        Bytes.i64(s, offset + Ipv6Packet.DESTINATION + 8, destinationLo);
        long at = offset + Ipv6Packet.HEADER_LENGTH;
        long nextField = offset + Ipv6Packet.NEXT_HEADER;
        if (routerAlert) {
            Bytes.u8(s, nextField, IpProtocol.HOP_BY_HOP);
            Bytes.i64(s, at, 0x0000_0502_0000_0100L); // next, len 0, Router Alert (MLD), PadN(0)
            nextField = at;
            at += 8;
        }
        if (fragment) {
            Bytes.u8(s, nextField, IpProtocol.IPV6_FRAGMENT);
            Bytes.u8(s, at + 1, 0);
            Bytes.u16(s, at + Ipv6Packet.FRAG_OFFSET_FLAGS, (fragmentOffset & 0xFFF8) | (moreFragments ? 1 : 0));
            Bytes.i32(s, at + Ipv6Packet.FRAG_IDENTIFICATION, fragmentId);
            nextField = at;
            at += Ipv6Packet.FRAG_HEADER_LENGTH;
        }
        Bytes.u8(s, nextField, nextHeader);
        return hl;
    }
}
