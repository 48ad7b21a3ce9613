package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/** Flyweight view of a UDP datagram (RFC 768) and the writer of its header. */
public final class UdpDatagram {
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int LENGTH = 4;
    public static final int CHECKSUM = 6;
    public static final int HEADER_LENGTH = 8;

    private MemorySegment segment;
    private long base;
    private int length;

    /** False when shorter than a header, or when the length field disagrees with the IP payload length. */
    public boolean wrap(MemorySegment segment, long offset, int ipPayloadLength) {
        this.segment = segment;
        this.base = offset;
        if (ipPayloadLength < HEADER_LENGTH) {
            return false;
        }
        int len = Bytes.u16(segment, offset + LENGTH);
        if (len < HEADER_LENGTH || len > ipPayloadLength) {
            return false;
        }
        this.length = len;
        return true;
    }

    public int sourcePort() { return Bytes.u16(segment, base + SOURCE_PORT); }
    public int destinationPort() { return Bytes.u16(segment, base + DESTINATION_PORT); }
    public int length() { return length; }
    public int checksum() { return Bytes.u16(segment, base + CHECKSUM); }
    public long payloadOffset() { return base + HEADER_LENGTH; }
    public int payloadLength() { return length - HEADER_LENGTH; }

    /** Verifies the checksum against a pseudo-header sum. */
    public boolean checksumValid(long pseudoHeaderSum) {
        return Checksum.verifies(Checksum.add(pseudoHeaderSum, segment, base, length));
    }

    /** Writes the header with checksum 0; the IP layer fills the checksum. */
    public static void emit(MemorySegment s, long offset, int sourcePort, int destinationPort, int length) {
        Bytes.u16(s, offset + SOURCE_PORT, sourcePort);
        Bytes.u16(s, offset + DESTINATION_PORT, destinationPort);
        Bytes.u16(s, offset + LENGTH, length);
        Bytes.u16(s, offset + CHECKSUM, 0);
    }
}
