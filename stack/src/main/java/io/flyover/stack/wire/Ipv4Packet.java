package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight view of an IPv4 packet (RFC 791 section 3.1). {@link #wrap} checks version, header length
 * and total length against the buffer and answers a {@link Check}; after {@link Check#OK} no accessor
 * can fail. The payload ends at the total length (Ethernet padding excluded).
 */
public final class Ipv4Packet {
    public static final int VERSION_IHL = 0;
    public static final int TOS = 1;
    public static final int TOTAL_LENGTH = 2;
    public static final int IDENTIFICATION = 4;
    public static final int FLAGS_FRAGMENT = 6;
    public static final int TTL = 8;
    public static final int PROTOCOL = 9;
    public static final int CHECKSUM = 10;
    public static final int SOURCE = 12;
    public static final int DESTINATION = 16;
    public static final int OPTIONS = 20;
    public static final int MIN_HEADER = 20;
    public static final int MAX_HEADER = 60;

    public static final int FLAG_DF = 0x4000;
    public static final int FLAG_MF = 0x2000;
    public static final int OFFSET_MASK = 0x1FFF;

    /** Outcome of {@link #wrap}. */
    public enum Check { OK, TRUNCATED, BAD_VERSION, BAD_HEADER_LENGTH, BAD_TOTAL_LENGTH }

    private MemorySegment segment;
    private long base;
    private int headerLength;
    private int totalLength;

    public Check wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        if (length < MIN_HEADER) {
            return Check.TRUNCATED;
        }
        int vihl = Bytes.u8(segment, offset);
        if (vihl >>> 4 != 4) {
            return Check.BAD_VERSION;
        }
        int ihl = (vihl & 0xF) * 4;
        if (ihl < MIN_HEADER || ihl > length) {
            return Check.BAD_HEADER_LENGTH;
        }
        int total = Bytes.u16(segment, offset + TOTAL_LENGTH);
        if (total < ihl || total > length) {
            return Check.BAD_TOTAL_LENGTH;
        }
        this.headerLength = ihl;
        this.totalLength = total;
        return Check.OK;
    }

    public int headerLength() { return headerLength; }
    public int totalLength() { return totalLength; }
    public int tos() { return Bytes.u8(segment, base + TOS); }
    public int identification() { return Bytes.u16(segment, base + IDENTIFICATION); }
    public boolean dontFragment() { return (Bytes.u16(segment, base + FLAGS_FRAGMENT) & FLAG_DF) != 0; }
    public boolean moreFragments() { return (Bytes.u16(segment, base + FLAGS_FRAGMENT) & FLAG_MF) != 0; }
    /** Fragment offset in bytes. */
    public int fragmentOffset() { return (Bytes.u16(segment, base + FLAGS_FRAGMENT) & OFFSET_MASK) * 8; }
    public boolean isFragment() { return (Bytes.u16(segment, base + FLAGS_FRAGMENT) & (FLAG_MF | OFFSET_MASK)) != 0; }
    public int ttl() { return Bytes.u8(segment, base + TTL); }
    public int protocol() { return Bytes.u8(segment, base + PROTOCOL); }
    public int checksum() { return Bytes.u16(segment, base + CHECKSUM); }
    public int source() { return Bytes.i32(segment, base + SOURCE); }
    public int destination() { return Bytes.i32(segment, base + DESTINATION); }
    public int optionsLength() { return headerLength - MIN_HEADER; }
    public long optionsOffset() { return base + OPTIONS; }
    public long payloadOffset() { return base + headerLength; }
    public int payloadLength() { return totalLength - headerLength; }
    public long offset() { return base; }

    /** RFC 1071: the header including its checksum field sums to all ones. */
    public boolean headerChecksumValid() {
        return Checksum.verifies(Checksum.add(0, segment, base, headerLength));
    }

    /** Walks the options (RFC 791 section 3.1): true when every option is well formed. */
    public boolean optionsWellFormed() {
        long at = base + OPTIONS;
        long end = base + headerLength;
        while (at < end) {
            int type = Bytes.u8(segment, at);
            if (type == 0) {
                return true; // end of option list
            }
            if (type == 1) {
                at++;
                continue; // no-operation
            }
            if (at + 1 >= end) {
                return false;
            }
            int len = Bytes.u8(segment, at + 1);
            if (len < 2 || at + len > end) {
                return false;
            }
            at += len;
        }
        return true;
    }

    /** Finds option {@code type}; its offset in the segment, or -1. Requires {@link #optionsWellFormed()}. */
    public long findOption(int type) {
        long at = base + OPTIONS;
        long end = base + headerLength;
        while (at < end) {
            int t = Bytes.u8(segment, at);
            if (t == type) {
                return at;
            }
            if (t == 0) {
                return -1;
            }
            if (t == 1) {
                at++;
                continue;
            }
            if (at + 1 >= end) {
                return -1;
            }
            int len = Bytes.u8(segment, at + 1);
            if (len < 2) {
                return -1;
            }
            at += len;
        }
        return -1;
    }
}
