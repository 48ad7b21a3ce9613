package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight view of an ICMPv6 message (RFC 4443) including neighbour discovery (RFC 4861 section 4):
 * echo, destination unreachable, packet too big, neighbour solicitation/advertisement, router
 * advertisement with its options; and MLD queries and reports (RFC 3810) share the type space.
 */
public final class Icmpv6Message {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    public static final int REST = 4;
    public static final int HEADER_LENGTH = 8;
    /** NS/NA target address (RFC 4861 section 4.3/4.4). */
    public static final int ND_TARGET = 8;
    public static final int ND_OPTIONS = 24;
    /** RA fields (RFC 4861 section 4.2). */
    public static final int RA_HOP_LIMIT = 4;
    public static final int RA_FLAGS = 5;
    public static final int RA_ROUTER_LIFETIME = 6;
    public static final int RA_REACHABLE_TIME = 8;
    public static final int RA_RETRANS_TIMER = 12;
    public static final int RA_OPTIONS = 16;

    public static final int DESTINATION_UNREACHABLE = 1;
    public static final int PACKET_TOO_BIG = 2;
    public static final int TIME_EXCEEDED = 3;
    public static final int PARAMETER_PROBLEM = 4;
    public static final int ECHO_REQUEST = 128;
    public static final int ECHO_REPLY = 129;
    public static final int MLD_QUERY = 130;
    public static final int MLD_V1_REPORT = 131;
    public static final int MLD_V1_DONE = 132;
    public static final int ROUTER_SOLICITATION = 133;
    public static final int ROUTER_ADVERTISEMENT = 134;
    public static final int NEIGHBOR_SOLICITATION = 135;
    public static final int NEIGHBOR_ADVERTISEMENT = 136;
    public static final int MLD_V2_REPORT = 143;

    public static final int CODE_PORT_UNREACHABLE = 4;

    public static final int NA_FLAG_ROUTER = 0x8000_0000;
    public static final int NA_FLAG_SOLICITED = 0x4000_0000;
    public static final int NA_FLAG_OVERRIDE = 0x2000_0000;

    public static final int OPT_SOURCE_LINK_ADDRESS = 1;
    public static final int OPT_TARGET_LINK_ADDRESS = 2;
    public static final int OPT_PREFIX_INFORMATION = 3;
    public static final int OPT_MTU = 5;

    private MemorySegment segment;
    private long base;
    private int length;

    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        this.length = length;
        return length >= HEADER_LENGTH;
    }

    public int type() { return Bytes.u8(segment, base + TYPE); }
    public int code() { return Bytes.u8(segment, base + CODE); }
    public int length() { return length; }
    public int rest() { return Bytes.i32(segment, base + REST); }
    public int identifier() { return Bytes.u16(segment, base + REST); }
    public int sequence() { return Bytes.u16(segment, base + REST + 2); }
    /** Packet Too Big MTU (RFC 4443 section 3.2). */
    public long mtu() { return Bytes.u32(segment, base + REST); }
    public long bodyOffset() { return base + HEADER_LENGTH; }
    public int bodyLength() { return length - HEADER_LENGTH; }
    public boolean isError() { return type() < 128; }
    public boolean checksumValid(long pseudoHeaderSum) {
        return Checksum.verifies(Checksum.add(pseudoHeaderSum, segment, base, length));
    }

    // --- neighbour discovery (valid when length >= ND_OPTIONS) ---
    public boolean isNeighborMessageLongEnough() { return length >= ND_OPTIONS; }
    public long targetHi() { return Bytes.i64(segment, base + ND_TARGET); }
    public long targetLo() { return Bytes.i64(segment, base + ND_TARGET + 8); }

    // --- router advertisement (valid when length >= RA_OPTIONS) ---
    public boolean isRouterAdvertisementLongEnough() { return length >= RA_OPTIONS; }
    public int raCurHopLimit() { return Bytes.u8(segment, base + RA_HOP_LIMIT); }
    public int raFlags() { return Bytes.u8(segment, base + RA_FLAGS); }
    public int raRouterLifetime() { return Bytes.u16(segment, base + RA_ROUTER_LIFETIME); }
    public long raReachableTime() { return Bytes.u32(segment, base + RA_REACHABLE_TIME); }
    public long raRetransTimer() { return Bytes.u32(segment, base + RA_RETRANS_TIMER); }

    /**
     * Checks the option list starting at {@code optionsStart} (ND_OPTIONS or RA_OPTIONS): RFC 4861
     * section 4.6, every option has a non-zero length that stays inside the message.
     */
    public boolean optionsWellFormed(int optionsStart) {
        long at = base + optionsStart;
        long end = base + length;
        while (at < end) {
            if (at + 2 > end) {
                return false;
            }
            int len = Bytes.u8(segment, at + 1) * 8;
            if (len == 0 || at + len > end) {
                return false;
            }
            at += len;
        }
        return true;
    }

    /** Offset of the first option of {@code type} at or after {@code from}; -1 if none. Requires well-formed options. */
    public long findOption(int optionsStart, int type) {
        long at = base + optionsStart;
        long end = base + length;
        while (at + 2 <= end) {
            int len = Bytes.u8(segment, at + 1) * 8;
            if (len == 0 || at + len > end) {
                return -1;
            }
            if (Bytes.u8(segment, at) == type) {
                return at;
            }
            at += len;
        }
        return -1;
    }

    /** The link-layer address in a source/target link-layer address option of length 1, or -1. */
    public long linkAddressOption(int optionsStart, int type) {
        long at = findOption(optionsStart, type);
        if (at < 0 || Bytes.u8(segment, at + 1) != 1) {
            return -1;
        }
        return Bytes.mac(segment, at + 2);
    }

    /** RA MTU option value (RFC 4861 section 4.6.4), or -1. */
    public long raMtuOption() {
        long at = findOption(RA_OPTIONS, OPT_MTU);
        return at < 0 || Bytes.u8(segment, at + 1) != 1 ? -1 : Bytes.u32(segment, at + 4);
    }

    /** Offset of the n-th (0-based) prefix information option (section 4.6.2) of length 4, or -1. */
    public long raPrefixOption(int n) {
        long at = base + RA_OPTIONS;
        long end = base + length;
        while (at + 2 <= end) {
            int len = Bytes.u8(segment, at + 1) * 8;
            if (len == 0 || at + len > end) {
                return -1;
            }
            if (Bytes.u8(segment, at) == OPT_PREFIX_INFORMATION && len == 32 && n-- == 0) {
                return at;
            }
            at += len;
        }
        return -1;
    }

    public int prefixLength(long option) { return Bytes.u8(segment, option + 2); }
    public int prefixFlags(long option) { return Bytes.u8(segment, option + 3); }
    public long prefixValidLifetime(long option) { return Bytes.u32(segment, option + 4); }
    public long prefixPreferredLifetime(long option) { return Bytes.u32(segment, option + 8); }
    public long prefixHi(long option) { return Bytes.i64(segment, option + 16); }
    public long prefixLo(long option) { return Bytes.i64(segment, option + 24); }

    /** Writes type, code and rest-of-header; the checksum is filled by {@link #fillChecksum}. */
    public static void emit(MemorySegment s, long offset, int type, int code, int rest) {
        Bytes.u8(s, offset + TYPE, type);
        Bytes.u8(s, offset + CODE, code);
        Bytes.u16(s, offset + CHECKSUM, 0);
        Bytes.i32(s, offset + REST, rest);
    }

    public static void fillChecksum(MemorySegment s, long offset, int length, long pseudoHeaderSum) {
        Bytes.u16(s, offset + CHECKSUM, 0);
        Bytes.u16(s, offset + CHECKSUM, Checksum.finish(Checksum.add(pseudoHeaderSum, s, offset, length)));
    }
}
