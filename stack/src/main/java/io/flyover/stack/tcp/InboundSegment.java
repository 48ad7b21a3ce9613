package io.flyover.stack.tcp;

import io.flyover.stack.wire.TcpOptions;
import java.lang.foreign.MemorySegment;

/**
 * The fields of one arriving segment that input processing needs (RFC 9293 §3.10.7: SEG.SEQ, SEG.ACK,
 * SEG.LEN, SEG.WND, the control bits), parsed once from the header. One instance per layer, reused.
 */
final class InboundSegment {
    long srcHi, srcLo, dstHi, dstLo;
    int srcPort, dstPort;
    int seq;
    int ack;
    int flags;
    /** The raw 16-bit window field. */
    int window;
    /** The raw urgent pointer field (meaningful with URG). */
    int urgentPointer;
    final TcpOptions options = new TcpOptions();
    MemorySegment memory;
    long payloadOffset;
    int payloadLength;

    boolean has(int flag) { return (flags & flag) != 0; }

    /** SEG.LEN: payload plus one for SYN and one for FIN. */
    int segmentLength() {
        return payloadLength + ((flags & io.flyover.stack.wire.TcpHeader.SYN) != 0 ? 1 : 0)
                + ((flags & io.flyover.stack.wire.TcpHeader.FIN) != 0 ? 1 : 0);
    }
}
