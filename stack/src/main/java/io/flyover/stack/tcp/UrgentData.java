package io.flyover.stack.tcp;

/**
 * TCP urgent data (RFC 9293 §3.8.5, the URG bit and urgent pointer) as Linux implements it, which is
 * RFC 6093's reading: the pointer points one past the urgent byte ("SEG.UP = SND.UP - SEG.SEQ", with
 * SND.UP = SND.NXT after the byte, RFC 6093 §3-4 on what every stack actually does), one urgent byte at a
 * time, and only the most recent one is special.
 *
 * <p>Sending ({@code send(MSG_OOB)}, Java's {@code sendUrgentData}): the byte goes into the stream and
 * SND.UP is set after it; every segment sent with SEG.SEQ before SND.UP carries URG, pure ACKs included,
 * until SND.UNA passes SND.UP (RFC 9293 §3.10.2 SEND in urgent mode; Linux's {@code tcp_mark_urg} and
 * {@code __tcp_transmit_skb}, with {@code 0xFFFF} when SND.UP is farther than a 16-bit pointer reaches).
 * Urgent mode also overrides Nagle (Linux's {@code tcp_nagle_test}).
 *
 * <p>Receiving: the byte before the pointer is the urgent byte ({@code tcp_check_urg} with
 * {@code tcp_stdurg = 0}; a zero pointer names SEG.SEQ itself). A pointer at data already received is not
 * replayed, an older pointer never replaces a newer one. Without SO_OOBINLINE the reader skips the urgent
 * byte when it reaches it ({@code tcp_recvmsg}): RCV.NXT and the window count it as any byte, the
 * application just never sees it (Java has no way to read out-of-band data). With SO_OOBINLINE it stays
 * in the stream. Either way a read stops before the mark once it has copied something. A bogus pointer
 * is only a sequence number to wait for: nothing to drop, nothing that can overflow.
 */
final class UrgentData {
    /** SEG.UP when SND.UP is more than 16 bits ahead (Linux sends the farthest it can express). */
    static final int FARTHEST_POINTER = 0xFFFF;

    private UrgentData() {
    }

    // --- sending -------------------------------------------------------------------------------------

    /** The byte just appended to the send ring is urgent: SND.UP = the sequence number after it. */
    static void markSent(TcpConnection c) {
        c.sndUp = c.sndUna + c.sendRing.readable() + (c.synAcked() ? 0 : 1);
        c.sndUrgent = true;
    }

    /** The urgent pointer for a segment starting at {@code seq}, or -1 when it carries no URG. */
    static int pointerFor(TcpConnection c, int seq) {
        if (!c.sndUrgent || !SeqNum.lt(seq, c.sndUp)) {
            return -1;
        }
        if (SeqNum.lt(c.sndUp, seq + 0x10000)) {
            return c.sndUp - seq;
        }
        return SeqNum.gt(seq + FARTHEST_POINTER, c.sndNxt) ? FARTHEST_POINTER : -1;
    }

    /** SND.UNA advanced to {@code ack}: urgent mode ends once the urgent byte is acknowledged. */
    static void onAcknowledged(TcpConnection c, int ack) {
        if (c.sndUrgent && SeqNum.ge(ack, c.sndUp)) {
            c.sndUrgent = false;
        }
    }

    // --- receiving -----------------------------------------------------------------------------------

    /** RFC 9293 §3.10.7.4 sixth, check the URG bit: learn a new urgent byte (Linux's {@code tcp_check_urg}). */
    static void onUrgentPointer(TcpConnection c, int segSeq, int segUp) {
        int urgentSeq = segUp != 0 ? segSeq + segUp - 1 : segSeq;
        if (SeqNum.lt(urgentSeq, c.rcvNxt)) {
            return; // points at data already received: a retransmission, not news
        }
        if (c.rcvUrgent && SeqNum.le(urgentSeq, c.rcvUrgentSeq)) {
            return; // we know this one, or a newer one
        }
        int copied = copiedSeq(c);
        if (c.rcvUrgent && c.rcvUrgentSeq == copied && !c.settings.oobInline && copied != c.rcvNxt) {
            // The reader stands at the old urgent byte; once the new mark replaces it that byte would
            // turn into data. Skip it now, as Linux does (an older urgent byte farther on stays data).
            c.recvRing.consume(1);
        }
        c.rcvUrgent = true;
        c.rcvUrgentSeq = urgentSeq;
    }

    /** The sequence number of the next byte the application reads (Linux's copied_seq); a FIN takes none. */
    private static int copiedSeq(TcpConnection c) {
        return c.rcvNxt - c.recvRing.readable() - (c.rcvFin ? 1 : 0);
    }

    /** Before a read: takes the urgent byte out of the stream if the reader is at it and not inline. */
    static boolean skipAtHead(TcpConnection c) {
        if (c.rcvUrgent && !c.settings.oobInline && c.recvRing.readable() > 0 && c.rcvUrgentSeq == copiedSeq(c)) {
            c.recvRing.consume(1);
            c.rcvUrgent = false;
            return true;
        }
        return false;
    }

    /** How many bytes a read may take: up to the mark when it lies inside the readable bytes. */
    static int readLimit(TcpConnection c, int wanted) {
        if (c.rcvUrgent) {
            int mark = c.rcvUrgentSeq - copiedSeq(c);
            if (mark > 0 && mark < wanted && mark < c.recvRing.readable()) {
                return mark;
            }
        }
        return wanted;
    }

    /** After a read: the mark is forgotten once the reader has gone past it (inline: read the byte). */
    static void afterRead(TcpConnection c) {
        if (c.rcvUrgent && SeqNum.gt(copiedSeq(c), c.rcvUrgentSeq)) {
            c.rcvUrgent = false;
        }
    }

    /** Linux's {@code tcp_inq}: the readable bytes, or without SO_OOBINLINE those before a received mark. */
    static int availableBeforeMark(TcpConnection c) {
        int readable = c.recvRing.readable();
        if (c.rcvUrgent && !c.settings.oobInline) {
            int mark = c.rcvUrgentSeq - copiedSeq(c);
            if (mark >= 0 && mark < readable) {
                return mark;
            }
        }
        return readable;
    }

    /**
     * 1 when the next byte is an urgent byte the reader will skip: it does not make the socket readable
     * (Linux's {@code tcp_poll} asks for one byte more then).
     */
    static int hiddenAtHead(TcpConnection c) {
        return c.rcvUrgent && !c.settings.oobInline && c.rcvUrgentSeq == copiedSeq(c) ? 1 : 0;
    }
}
