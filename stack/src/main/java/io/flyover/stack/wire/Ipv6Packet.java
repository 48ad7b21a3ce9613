package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight view of an IPv6 packet (RFC 8200 section 3) and its extension-header chain (section 4).
 * {@link #wrap} checks the fixed header and walks hop-by-hop, routing, destination-options and fragment
 * headers up to the upper-layer header, so that afterwards no accessor can fail.
 */
public final class Ipv6Packet {
    public static final int VERSION_CLASS_FLOW = 0;
    public static final int PAYLOAD_LENGTH = 4;
    public static final int NEXT_HEADER = 6;
    public static final int HOP_LIMIT = 7;
    public static final int SOURCE = 8;
    public static final int DESTINATION = 24;
    public static final int HEADER_LENGTH = 40;
    /** Fragment header (RFC 8200 section 4.5) field offsets, relative to its start. */
    public static final int FRAG_NEXT_HEADER = 0;
    public static final int FRAG_OFFSET_FLAGS = 2;
    public static final int FRAG_IDENTIFICATION = 4;
    public static final int FRAG_HEADER_LENGTH = 8;
    /** At most this many extension headers are walked; more is treated as hostile. */
    public static final int MAX_EXTENSION_HEADERS = 8;

    public enum Check { OK, TRUNCATED, BAD_VERSION, BAD_PAYLOAD_LENGTH, BAD_EXTENSION_HEADER }

    private MemorySegment segment;
    private long base;
    private int payloadLength;
    private int upperProtocol;
    private long upperOffset;
    private long fragmentHeader;
    private boolean hasHopByHop;
    private final long[] optionHeaders = new long[MAX_EXTENSION_HEADERS];
    private int optionHeaderCount;

    public Check wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        this.fragmentHeader = -1;
        this.hasHopByHop = false;
        this.optionHeaderCount = 0;
        if (length < HEADER_LENGTH) {
            return Check.TRUNCATED;
        }
        if (Bytes.u8(segment, offset) >>> 4 != 6) {
            return Check.BAD_VERSION;
        }
        int pl = Bytes.u16(segment, offset + PAYLOAD_LENGTH);
        if (HEADER_LENGTH + pl > length) {
            return Check.BAD_PAYLOAD_LENGTH; // jumbograms (payload length 0 + option) are not supported
        }
        this.payloadLength = pl;
        long end = offset + HEADER_LENGTH + pl;
        long at = offset + HEADER_LENGTH;
        int next = Bytes.u8(segment, offset + NEXT_HEADER);
        for (int n = 0; ; n++) {
            if (next == IpProtocol.HOP_BY_HOP || next == IpProtocol.IPV6_ROUTING || next == IpProtocol.IPV6_DEST_OPTIONS) {
                if (n == MAX_EXTENSION_HEADERS || at + 8 > end || (next == IpProtocol.HOP_BY_HOP && n != 0)) {
                    return Check.BAD_EXTENSION_HEADER; // section 4.3: hop-by-hop only right after the header
                }
                if (next == IpProtocol.HOP_BY_HOP) {
                    hasHopByHop = true;
                }
                if (next != IpProtocol.IPV6_ROUTING) {
                    optionHeaders[optionHeaderCount++] = at;
                }
                int len = (Bytes.u8(segment, at + 1) + 1) * 8;
                if (at + len > end) {
                    return Check.BAD_EXTENSION_HEADER;
                }
                next = Bytes.u8(segment, at);
                at += len;
            } else if (next == IpProtocol.IPV6_FRAGMENT) {
                if (n == MAX_EXTENSION_HEADERS || at + FRAG_HEADER_LENGTH > end || fragmentHeader >= 0) {
                    return Check.BAD_EXTENSION_HEADER;
                }
                fragmentHeader = at;
                next = Bytes.u8(segment, at);
                at += FRAG_HEADER_LENGTH;
                if (isFragment()) {
                    break; // later headers belong to the reassembled packet's payload
                }
            } else {
                break;
            }
        }
        this.upperProtocol = next;
        this.upperOffset = at;
        return Check.OK;
    }

    /**
     * RFC 8200 section 4.2: walks the options of the hop-by-hop and destination-options headers. False
     * when an option overruns its header, or when an option we do not know asks for the packet to be
     * discarded (action bits other than 00). Known: Pad1, PadN, Router Alert.
     */
    public boolean extensionOptionsAcceptable() {
        for (int h = 0; h < optionHeaderCount; h++) {
            long header = optionHeaders[h];
            long at = header + 2;
            long end = header + (Bytes.u8(segment, header + 1) + 1) * 8L;
            while (at < end) {
                int type = Bytes.u8(segment, at);
                if (type == 0) {
                    at++; // Pad1
                    continue;
                }
                if (at + 2 > end) {
                    return false;
                }
                long next = at + 2 + Bytes.u8(segment, at + 1);
                if (next > end) {
                    return false;
                }
                if (type != 1 && type != 5 && (type >>> 6) != 0) {
                    return false;
                }
                at = next;
            }
        }
        return true;
    }

    public int trafficClass() { return (Bytes.i32(segment, base) >>> 20) & 0xFF; }
    public int flowLabel() { return Bytes.i32(segment, base) & 0xF_FFFF; }
    public int payloadLength() { return payloadLength; }
    public int nextHeader() { return Bytes.u8(segment, base + NEXT_HEADER); }
    public int hopLimit() { return Bytes.u8(segment, base + HOP_LIMIT); }
    public long sourceHi() { return Bytes.i64(segment, base + SOURCE); }
    public long sourceLo() { return Bytes.i64(segment, base + SOURCE + 8); }
    public long destinationHi() { return Bytes.i64(segment, base + DESTINATION); }
    public long destinationLo() { return Bytes.i64(segment, base + DESTINATION + 8); }
    public boolean hasHopByHop() { return hasHopByHop; }
    public long offset() { return base; }
    /** End of the packet (exclusive) in the segment. */
    public long end() { return base + HEADER_LENGTH + payloadLength; }

    /** The protocol after the extension headers (for a non-first fragment: the fragment's next header). */
    public int upperProtocol() { return upperProtocol; }
    public long upperOffset() { return upperOffset; }
    public int upperLength() { return (int) (end() - upperOffset); }

    public boolean hasFragmentHeader() { return fragmentHeader >= 0; }
    /** True for a real fragment; an atomic fragment (offset 0, M=0, RFC 6946) is not one. */
    public boolean isFragment() {
        return fragmentHeader >= 0 && (Bytes.u16(segment, fragmentHeader + FRAG_OFFSET_FLAGS) & 0xFFF9) != 0;
    }
    public int fragmentOffset() { return Bytes.u16(segment, fragmentHeader + FRAG_OFFSET_FLAGS) & 0xFFF8; }
    public boolean moreFragments() { return (Bytes.u16(segment, fragmentHeader + FRAG_OFFSET_FLAGS) & 1) != 0; }
    public int fragmentIdentification() { return Bytes.i32(segment, fragmentHeader + FRAG_IDENTIFICATION); }
    /** Offset of the fragment header in the segment (valid when {@link #hasFragmentHeader()}). */
    public long fragmentHeaderOffset() { return fragmentHeader; }
}
