package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight view of an ICMPv4 message (RFC 792): echo, destination unreachable (including
 * fragmentation needed with the next-hop MTU of RFC 1191 section 4), time exceeded; and its writer.
 */
public final class Icmpv4Message {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    public static final int IDENTIFIER = 4;
    public static final int SEQUENCE = 6;
    public static final int NEXT_HOP_MTU = 6;
    public static final int HEADER_LENGTH = 8;

    public static final int ECHO_REPLY = 0;
    public static final int DESTINATION_UNREACHABLE = 3;
    public static final int ECHO_REQUEST = 8;
    public static final int TIME_EXCEEDED = 11;
    public static final int PARAMETER_PROBLEM = 12;

    public static final int CODE_NET_UNREACHABLE = 0;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_FRAGMENTATION_NEEDED = 4;

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
    public int checksum() { return Bytes.u16(segment, base + CHECKSUM); }
    public int identifier() { return Bytes.u16(segment, base + IDENTIFIER); }
    public int sequence() { return Bytes.u16(segment, base + SEQUENCE); }
    public int nextHopMtu() { return Bytes.u16(segment, base + NEXT_HOP_MTU); }
    public int length() { return length; }
    /** The data after the 8-byte header: echo data, or the quoted packet of an error. */
    public long bodyOffset() { return base + HEADER_LENGTH; }
    public int bodyLength() { return length - HEADER_LENGTH; }
    public boolean isError() {
        int t = type();
        return t == DESTINATION_UNREACHABLE || t == TIME_EXCEEDED || t == PARAMETER_PROBLEM;
    }
    public boolean checksumValid() { return Checksum.verifies(Checksum.add(0, segment, base, length)); }

    /** Writes type, code, the 32-bit rest-of-header, and the checksum over {@code length} bytes. */
    public static void emit(MemorySegment s, long offset, int type, int code, int restOfHeader, int length) {
        Bytes.u8(s, offset + TYPE, type);
        Bytes.u8(s, offset + CODE, code);
        Bytes.u16(s, offset + CHECKSUM, 0);
        Bytes.i32(s, offset + IDENTIFIER, restOfHeader);
        Bytes.u16(s, offset + CHECKSUM, Checksum.compute(s, offset, length));
    }
}
