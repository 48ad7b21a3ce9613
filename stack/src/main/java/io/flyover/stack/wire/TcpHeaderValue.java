package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The value form of a TCP header (RFC 9293 §3.1), for building segments; mutable and reused so that
 * writing allocates nothing. The checksum is left zero: the IP layer fills it over the pseudo-header.
 */
public final class TcpHeaderValue {
    public int srcPort;
    public int dstPort;
    public int seq;
    public int ack;
    /** Control bits, {@link TcpHeader#FIN} .. {@link TcpHeader#CWR}. */
    public int flags;
    /** The 16-bit window field as sent (already scaled down). */
    public int window;
    public int urgentPointer;
    public final TcpOptions options = new TcpOptions();

    public void clear() {
        srcPort = dstPort = seq = ack = flags = window = urgentPointer = 0;
        options.clear();
    }

    /** Header length this value encodes to: 20 plus the padded options. */
    public int headerLength() {
        return TcpHeader.MIN_LENGTH + options.encodedLength();
    }

    /** Writes the header at {@code offset}; returns its length. The segment must have room for it. */
    public int writeTo(MemorySegment segment, long offset) {
        int hl = headerLength();
        if (hl > TcpHeader.MAX_LENGTH) {
            throw new IllegalStateException("options do not fit in 40 bytes: " + hl);
        }
        segment.set(TcpHeader.U16, offset + TcpHeader.SRC_PORT, (short) srcPort);
        segment.set(TcpHeader.U16, offset + TcpHeader.DST_PORT, (short) dstPort);
        segment.set(TcpHeader.U32, offset + TcpHeader.SEQ, seq);
        segment.set(TcpHeader.U32, offset + TcpHeader.ACK, ack);
        segment.set(ValueLayout.JAVA_BYTE, offset + TcpHeader.DATA_OFFSET, (byte) ((hl / 4) << 4));
        segment.set(ValueLayout.JAVA_BYTE, offset + TcpHeader.FLAGS, (byte) flags);
        segment.set(TcpHeader.U16, offset + TcpHeader.WINDOW, (short) window);
        segment.set(TcpHeader.U16, offset + TcpHeader.CHECKSUM, (short) 0);
        segment.set(TcpHeader.U16, offset + TcpHeader.URGENT, (short) urgentPointer);
        options.write(segment, offset + TcpHeader.OPTIONS);
        return hl;
    }
}
