package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Flyweight view of a TCP header (RFC 9293 §3.1) over a {@link MemorySegment}.
 *
 * <p>Offsets live in one place below. {@link #wrap} performs the single length check (fixed header
 * present, data offset at least 5 words and within the segment); after it succeeds no accessor can
 * fail. The view never allocates and is reused for every segment. Use {@link TcpHeaderValue} to build
 * headers.
 */
public final class TcpHeader {
    // --- RFC 9293 §3.1 header layout ---------------------------------------------------------
    public static final int SRC_PORT = 0;
    public static final int DST_PORT = 2;
    public static final int SEQ = 4;
    public static final int ACK = 8;
    public static final int DATA_OFFSET = 12; // high nibble; low bits reserved (+ the old NS bit)
    public static final int FLAGS = 13;
    public static final int WINDOW = 14;
    public static final int CHECKSUM = 16;
    public static final int URGENT = 18;
    public static final int OPTIONS = 20;
    /** Header without options. */
    public static final int MIN_LENGTH = 20;
    /** Data offset of 15 words. */
    public static final int MAX_LENGTH = 60;

    // --- control bits (RFC 9293 §3.1, RFC 3168 for ECE/CWR) ----------------------------------
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK_FLAG = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    /** Outcome of {@link #wrap}: valid, or why not. */
    public static final int VALID = 0;
    public static final int TOO_SHORT = 1;
    public static final int BAD_DATA_OFFSET = 2;

    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MemorySegment segment;
    private long base;
    private int length;
    private int headerLength;

    /**
     * Points the view at {@code length} bytes (header and payload) at {@code offset} of {@code segment}.
     *
     * @return {@link #VALID}, {@link #TOO_SHORT} or {@link #BAD_DATA_OFFSET}; accessors are usable
     *     only after {@link #VALID}
     */
    public int wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        this.length = 0;
        this.headerLength = 0;
        if (length < MIN_LENGTH || offset < 0 || offset + length > segment.byteSize()) {
            return TOO_SHORT;
        }
        int hl = ((segment.get(ValueLayout.JAVA_BYTE, offset + DATA_OFFSET) & 0xF0) >>> 4) * 4;
        if (hl < MIN_LENGTH || hl > length) {
            return BAD_DATA_OFFSET;
        }
        this.length = length;
        this.headerLength = hl;
        return VALID;
    }

    public MemorySegment segment() { return segment; }
    public long offset() { return base; }
    public int length() { return length; }

    public int srcPort() { return segment.get(U16, base + SRC_PORT) & 0xFFFF; }
    public int dstPort() { return segment.get(U16, base + DST_PORT) & 0xFFFF; }
    /** Sequence number as an unsigned 32-bit value in an int (compare with SeqNum). */
    public int seq() { return segment.get(U32, base + SEQ); }
    public int ack() { return segment.get(U32, base + ACK); }
    public int headerLength() { return headerLength; }
    /** The eight control bits CWR..FIN. */
    public int flags() { return segment.get(ValueLayout.JAVA_BYTE, base + FLAGS) & 0xFF; }
    public boolean has(int flag) { return (flags() & flag) != 0; }
    public int window() { return segment.get(U16, base + WINDOW) & 0xFFFF; }
    public int checksum() { return segment.get(U16, base + CHECKSUM) & 0xFFFF; }
    public int urgentPointer() { return segment.get(U16, base + URGENT) & 0xFFFF; }

    /** Offset of the options in the segment, and their length in bytes (0 without options). */
    public long optionsOffset() { return base + OPTIONS; }
    public int optionsLength() { return headerLength - MIN_LENGTH; }

    /** Offset of the payload in the segment, and its length. */
    public long payloadOffset() { return base + headerLength; }
    public int payloadLength() { return length - headerLength; }

    /** Writes the checksum field (the IP layer computes it over the pseudo-header). */
    public void setChecksum(int value) { segment.set(U16, base + CHECKSUM, (short) value); }
}
