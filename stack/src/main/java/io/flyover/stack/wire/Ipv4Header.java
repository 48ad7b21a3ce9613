package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/** Value form of an IPv4 header (RFC 791) for writing; no options unless {@link #routerAlert}. Reusable. */
public final class Ipv4Header {
    public int tos;
    public int identification;
    public boolean dontFragment;
    public boolean moreFragments;
    /** In bytes, a multiple of 8. */
    public int fragmentOffset;
    public int ttl = 64;
    public int protocol;
    public int source;
    public int destination;
    /** Adds the Router Alert option (RFC 2113), as IGMP requires. */
    public boolean routerAlert;

    public int headerLength() { return routerAlert ? 24 : Ipv4Packet.MIN_HEADER; }

    /** Writes the header with its checksum for a payload of {@code payloadLength}; returns the header length. */
    public int emit(MemorySegment s, long offset, int payloadLength) {
        int hl = headerLength();
        Bytes.u8(s, offset + Ipv4Packet.VERSION_IHL, 0x40 | (hl / 4));
        Bytes.u8(s, offset + Ipv4Packet.TOS, tos);
        Bytes.u16(s, offset + Ipv4Packet.TOTAL_LENGTH, hl + payloadLength);
        Bytes.u16(s, offset + Ipv4Packet.IDENTIFICATION, identification);
        int ff = (fragmentOffset >>> 3) & Ipv4Packet.OFFSET_MASK;
        if (dontFragment) {
            ff |= Ipv4Packet.FLAG_DF;
        }
        if (moreFragments) {
            ff |= Ipv4Packet.FLAG_MF;
        }
        Bytes.u16(s, offset + Ipv4Packet.FLAGS_FRAGMENT, ff);
        Bytes.u8(s, offset + Ipv4Packet.TTL, ttl);
        Bytes.u8(s, offset + Ipv4Packet.PROTOCOL, protocol);
        Bytes.u16(s, offset + Ipv4Packet.CHECKSUM, 0);
        Bytes.i32(s, offset + Ipv4Packet.SOURCE, source);
        Bytes.i32(s, offset + Ipv4Packet.DESTINATION, destination);
        if (routerAlert) {
            Bytes.i32(s, offset + Ipv4Packet.OPTIONS, 0x9404_0000);
        }
        Bytes.u16(s, offset + Ipv4Packet.CHECKSUM, Checksum.compute(s, offset, hl));
        return hl;
    }
}
