package io.flyover.stack.tcp;

import io.flyover.stack.DropReason;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.wire.TcpHeader;
import io.flyover.stack.wire.TcpHeaderValue;
import io.flyover.stack.wire.TcpOptions;

/**
 * Segment transmission: what to send and when (RFC 9293 §3.8.6 window management, §3.7.4 Nagle's
 * algorithm with the TCP_NODELAY switch, §3.8.6.1 zero-window probing), retransmission of the first
 * unacknowledged segment (RFC 5681 §3.2 fast retransmit, RFC 6298 §5.4 on timeout), and building
 * segments into frames: header, options (RFC 7323 timestamps, RFC 2018 SACK blocks) and payload copied
 * from the send ring. Nothing here allocates.
 */
final class TcpSender {
    private final TcpLayer layer;
    private final FramePool pool;
    private final FrameCache cache;
    private final SegmentOutput output;
    private final TcpHeaderValue header = new TcpHeaderValue();

    TcpSender(TcpLayer layer, FramePool pool, FrameCache cache, SegmentOutput output) {
        this.layer = layer;
        this.pool = pool;
        this.cache = cache;
        this.output = output;
    }

    /** The window to announce (RFC 9293 §3.8.6.2.2 receiver SWS avoidance; never shrinks the right edge). */
    static int windowToAdvertise(TcpConnection c) {
        int free = c.recvRing.writable();
        int max = 65535 << c.rcvWndShift;
        int w = Math.min(free, max) >>> c.rcvWndShift << c.rcvWndShift;
        int current = c.rcvAdv - c.rcvNxt;
        if (current < 0) {
            current = 0;
        }
        // Only move the right edge when it advances by min(half the buffer, one MSS).
        if (w > current && w - current < Math.min(c.recvRing.capacity() / 2, Math.max(c.ourMss, 1))) {
            return current;
        }
        return Math.max(w, current);
    }

    /** Sends whatever the state, windows and Nagle allow, then a pure ACK if one is still owed. */
    void output(TcpConnection c, long now) {
        switch (c.state) {
            case CLOSED, LISTEN -> { return; }
            case SYN_SENT -> {
                if (c.sndNxt == c.iss) {
                    sendSyn(c, now, false);
                }
                return;
            }
            case SYN_RECEIVED -> {
                if (c.sndNxt == c.iss) {
                    sendSyn(c, now, true);
                } else if (c.ackNow) {
                    sendAck(c, now);
                }
                return;
            }
            case TIME_WAIT -> {
                if (c.ackNow) {
                    sendAck(c, now);
                }
                return;
            }
            default -> { }
        }
        boolean sent = c.inRecovery && c.sackRecovery && sackRetransmissions(c, now);
        while (true) {
            int inFlight = c.sndNxt - c.sndUna;
            int dataEnd = c.sndUna + c.sendRing.readable();
            int unsent = dataEnd - c.sndNxt;
            int usable = c.sndWnd - inFlight;
            if (c.inRecovery && c.sackRecovery) {
                usable = Math.min(usable, c.cc.cwnd() - pipe(c)); // RFC 6675 NextSeg() rule 2: new data by pipe
            } else {
                usable = Math.min(usable, c.cc.cwnd() - inFlight);
            }
            int mss = effectiveMss(c);
            int len = Math.min(Math.min(unsent, usable), mss);
            if (len > 0) {
                boolean fin = c.finQueued && !c.finAcked && c.sndNxt + len == dataEnd;
                if (len < mss && !fin && inFlight > 0) {
                    boolean windowLimited = len < unsent;
                    // RFC 9293 §3.8.6.2.1 sender SWS avoidance when the window limits the segment;
                    // RFC 9293 §3.7.4 Nagle (unless TCP_NODELAY) when the data does.
                    // Urgent mode overrides Nagle (Linux's tcp_nagle_test).
                    if (windowLimited ? len < c.maxSndWnd / 2 : !c.settings.noDelay && !c.sndUrgent) {
                        break;
                    }
                }
                int seq = c.sndNxt;
                boolean retransmission = SeqNum.lt(seq, c.sndMax);
                int flags = TcpHeader.ACK_FLAG | (c.sndNxt + len == dataEnd ? TcpHeader.PSH : 0) | (fin ? TcpHeader.FIN : 0);
                if (!sendData(c, seq, flags, seq - c.sndUna, len, now)) {
                    armRetry(c, now);
                    break;
                }
                sent = true;
                c.sndNxt = seq + len + (fin ? 1 : 0);
                if (retransmission) {
                    countRetransmission(c);
                    c.retransmittedSinceAck = true;
                } else if (c.rttStartNanos < 0) {
                    c.rttSeq = c.sndNxt;
                    c.rttStartNanos = now;
                }
                afterSendingSequenceSpace(c, now);
                if (!retransmission) {
                    TailLossProbe.arm(c, now);
                }
                continue;
            }
            if (c.finQueued && !c.finAcked && c.sndNxt == dataEnd) {
                // Nothing left but the FIN (RFC 9293 §3.10.4); it needs no window.
                if (!sendData(c, c.sndNxt, TcpHeader.ACK_FLAG | TcpHeader.FIN, 0, 0, now)) {
                    armRetry(c, now);
                    break;
                }
                sent = true;
                if (SeqNum.lt(c.sndNxt, c.sndMax)) {
                    countRetransmission(c);
                }
                c.sndNxt++;
                afterSendingSequenceSpace(c, now);
            }
            break;
        }
        // RFC 9293 §3.8.6.1: a zero window with data waiting and nothing in flight starts the persist timer.
        int unsent = c.sndUna + c.sendRing.readable() - c.sndNxt;
        if (c.sndWnd == 0 && unsent > 0 && c.sndNxt == c.sndUna && c.persistDeadline == Long.MAX_VALUE) {
            c.persistDeadline = now + c.rtt.rtoNanos();
        }
        if (!sent && c.ackNow) {
            sendAck(c, now);
        }
    }

    /**
     * RFC 9293 §3.7.1: Eff.snd.MSS = SendMSS + 20 - TCPhdrsize: the payload shrinks by the options this
     * connection puts in every segment (timestamps, SACK blocks while out-of-order data is held).
     */
    static int effectiveMss(TcpConnection c) {
        int options = c.tsEnabled ? 12 : 0;
        if (c.sackEnabled && !c.reassembly.isEmpty()) {
            options += 4 + 8 * Math.min(c.reassembly.ranges(), c.tsEnabled ? 3 : 4);
        }
        return Math.max(c.sendMss - options, 1);
    }

    /** No frame to send with: try again after a retransmission timeout (counted as NO_FRAME). */
    private static void armRetry(TcpConnection c, long now) {
        if (c.rtoDeadline == Long.MAX_VALUE) {
            c.rtoDeadline = now + c.rtt.rtoNanos();
        }
    }

    private void afterSendingSequenceSpace(TcpConnection c, long now) {
        if (SeqNum.gt(c.sndNxt, c.sndMax)) {
            c.sndMax = c.sndNxt;
        }
        if (c.rtoDeadline == Long.MAX_VALUE) {
            c.rtoDeadline = now + c.rtt.rtoNanos();
        }
    }

    /** One segment sent again: the layer's and the connection's totals. */
    private void countRetransmission(TcpConnection c) {
        layer.stats.retransmittedSegments++;
        c.retransmittedSegments++;
    }

    /** SYN (active open) or SYN-ACK (passive or simultaneous open) with our options (RFC 9293 §3.5). */
    void sendSyn(TcpConnection c, long now, boolean synAck) {
        TcpHeaderValue h = header;
        h.clear();
        h.seq = c.iss;
        h.flags = TcpHeader.SYN | (synAck ? TcpHeader.ACK_FLAG : 0);
        h.ack = synAck ? c.rcvNxt : 0;
        // RFC 7323 §2.2: the window field of a SYN is never scaled.
        h.window = Math.min(c.recvRing.writable(), 65535);
        TcpOptions o = h.options;
        o.mss = c.ourMss;
        // A SYN offers what the settings enable; a SYN-ACK answers only what the peer's SYN offered.
        if (synAck ? c.wsAgreed : c.settings.windowScaling) {
            o.windowScale = c.rcvWndShift;
        }
        if (synAck ? c.sackEnabled : c.settings.sack) {
            o.sackPermitted = true;
        }
        if (synAck ? c.tsEnabled : c.settings.timestamps) {
            o.timestamps = true;
            o.tsVal = tsNow(c, now);
            o.tsEcr = synAck ? c.tsRecent : 0;
        }
        boolean again = SeqNum.gt(c.sndMax, c.iss);
        if (emit(c, h, 0, 0, now)) {
            if (again) {
                countRetransmission(c);
            }
            if (c.sndNxt == c.iss) {
                c.sndNxt = c.iss + 1;
            }
            if (SeqNum.gt(c.sndNxt, c.sndMax)) {
                c.sndMax = c.sndNxt;
            }
            if (c.rttStartNanos < 0 && c.retransmits == 0) {
                c.rttSeq = c.iss + 1;
                c.rttStartNanos = now;
            }
        } else if (c.sndNxt == c.iss) {
            c.sndNxt = c.iss + 1; // the timer retransmits it
            c.sndMax = c.sndNxt;
        }
        if (c.rtoDeadline == Long.MAX_VALUE) {
            c.rtoDeadline = now + c.rtt.rtoNanos();
        }
    }

    /**
     * A pure ACK: {@code <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>}, with SND.NXT taken before any go-back-N
     * rewind (SND.MAX), so that the peer, whose RCV.NXT may already be there, finds it acceptable.
     */
    void sendAck(TcpConnection c, long now) {
        sendData(c, c.sndMax, TcpHeader.ACK_FLAG, 0, 0, now);
    }

    /** Keep-alive probe (RFC 1122 4.2.3.6): {@code <SEQ=SND.UNA-1><ACK=RCV.NXT>}, no data. */
    void sendKeepAlive(TcpConnection c, long now) {
        sendData(c, c.sndUna - 1, TcpHeader.ACK_FLAG, 0, 0, now);
        layer.stats.keepAliveProbes++;
    }

    /** Zero-window probe (RFC 9293 §3.8.6.1): one byte beyond the window, SND.NXT not advanced. */
    void sendZeroWindowProbe(TcpConnection c, long now) {
        int unsent = c.sndUna + c.sendRing.readable() - c.sndNxt;
        if (unsent <= 0) {
            return;
        }
        if (sendData(c, c.sndNxt, TcpHeader.ACK_FLAG, c.sndNxt - c.sndUna, 1, now)) {
            layer.stats.zeroWindowProbes++;
            if (SeqNum.gt(c.sndNxt + 1, c.sndMax)) {
                c.sndMax = c.sndNxt + 1;
            }
        }
    }

    /** RFC 8985 §7.3: the probe retransmits the last segment sent (with the FIN if that was sent). */
    boolean sendTailLossProbe(TcpConnection c, long now) {
        int dataEnd = c.sndUna + c.sendRing.readable();
        boolean finSent = c.finQueued && !c.finAcked && SeqNum.gt(c.sndMax, dataEnd);
        int dataSentEnd = finSent ? dataEnd : c.sndMax;
        int start = SeqNum.max(c.sndUna, dataSentEnd - effectiveMss(c));
        int len = dataSentEnd - start;
        if (len <= 0 && !finSent) {
            return false;
        }
        int flags = TcpHeader.ACK_FLAG | TcpHeader.PSH | (finSent ? TcpHeader.FIN : 0);
        if (!sendData(c, start, flags, start - c.sndUna, len, now)) {
            return false;
        }
        countRetransmission(c);
        layer.stats.tailLossProbes++;
        c.rttStartNanos = -1;
        c.retransmittedSinceAck = true;
        return true;
    }

    /** Retransmits the first unacknowledged segment (fast retransmit, partial ACK). */
    int retransmitFirst(TcpConnection c, long now) {
        // Only what was sent before: never bytes beyond SND.MAX (they are new data, for output()).
        int outstanding = c.sndMax - c.sndUna;
        int len = Math.min(Math.min(outstanding, c.sendRing.readable()), effectiveMss(c));
        boolean fin = c.finQueued && !c.finAcked && len == c.sendRing.readable() && outstanding > len;
        if (len <= 0 && !fin) {
            return 0;
        }
        int flags = TcpHeader.ACK_FLAG | (fin ? TcpHeader.FIN : 0);
        if (sendData(c, c.sndUna, flags, 0, len, now)) {
            countRetransmission(c);
            c.retransmittedSinceAck = true;
            c.rttStartNanos = -1; // Karn
        }
        return len + (fin ? 1 : 0);
    }

    /** Every un-SACKed byte below this is lost: RFC 6675 IsLost() or RFC 8985 RACK, whichever reaches higher. */
    static int lossEdge(TcpConnection c) {
        int edge = c.scoreboard.lossEdge(c.sndUna, c.sendMss);
        int rack = c.rack.lossEdge;
        if (SeqNum.gt(rack, edge) && SeqNum.le(rack, c.sndMax)) {
            edge = rack;
        }
        return edge;
    }

    /** RFC 6675 §6 pipe: outstanding bytes neither SACKed nor deemed lost-and-not-yet-retransmitted. */
    static int pipe(TcpConnection c) {
        int outstanding = c.sndMax - c.sndUna;
        SackScoreboard sb = c.scoreboard;
        int edge = lossEdge(c);
        int from = SeqNum.max(sb.highRxt, c.sndUna);
        int lost = sb.unsackedBetween(from, edge);
        return Math.max(outstanding - sb.sackedBytes() - lost, 0);
    }

    /** RFC 6675 §5 step (C) with NextSeg() rule 1: retransmit lost holes while cwnd - pipe >= SMSS. */
    private boolean sackRetransmissions(TcpConnection c, long now) {
        SackScoreboard sb = c.scoreboard;
        boolean sent = false;
        int dataEnd = c.sndUna + c.sendRing.readable();
        while (c.cc.cwnd() - pipe(c) >= effectiveMss(c)) {
            int edge = lossEdge(c);
            int hole = sb.nextHole(SeqNum.max(sb.highRxt, c.sndUna), edge);
            if (hole == edge) {
                break;
            }
            int end = sb.holeEnd(hole, edge);
            int len = Math.min(Math.min(end - hole, effectiveMss(c)), dataEnd - hole);
            boolean fin = false;
            if (len <= 0) {
                if (!(c.finQueued && !c.finAcked && hole == dataEnd && SeqNum.gt(c.sndMax, dataEnd))) {
                    break;
                }
                fin = true;
                len = 0;
            }
            int flags = TcpHeader.ACK_FLAG | (fin ? TcpHeader.FIN : 0);
            if (!sendData(c, hole, flags, hole - c.sndUna, len, now)) {
                break;
            }
            sent = true;
            countRetransmission(c);
            c.retransmittedSinceAck = true;
            c.rttStartNanos = -1;
            sb.highRxt = hole + len + (fin ? 1 : 0);
        }
        return sent;
    }

    /** RST in a connection: {@code <SEQ=seq><CTL=RST>} (RFC 9293 §3.10.5 ABORT uses SND.NXT). */
    void sendReset(TcpConnection c, int seq) {
        header.clear();
        header.seq = seq;
        header.flags = TcpHeader.RST;
        if (emitRaw(c.localHi, c.localLo, c.localPort, c.remoteHi, c.remoteLo, c.remotePort, header, null, 0, 0,
                trafficClass(c.settings))) {
            layer.stats.resetsSent++;
            c.segmentsSent++;
        }
    }

    /**
     * A segment without a connection: resets for CLOSED/LISTEN (TOS 0) and stateless SYN-cookie SYN-ACKs
     * (the listener's TOS).
     */
    boolean sendStateless(InboundSegment s, int seq, int ack, int flags, int window, TcpOptions options) {
        return sendStateless(s, seq, ack, flags, window, options, 0);
    }

    boolean sendStateless(InboundSegment s, int seq, int ack, int flags, int window, TcpOptions options,
                          int trafficClass) {
        header.clear();
        header.seq = seq;
        header.ack = ack;
        header.flags = flags;
        header.window = window;
        if (options != null) {
            header.options.copyFrom(options);
        }
        boolean ok = emitRaw(s.dstHi, s.dstLo, s.dstPort, s.srcHi, s.srcLo, s.srcPort, header, null, 0, 0, trafficClass);
        if (ok && (flags & TcpHeader.RST) != 0) {
            layer.stats.resetsSent++;
        }
        return ok;
    }

    /** Any non-SYN segment of a connection: data from the send ring at {@code ringOffset}, options, window. */
    private boolean sendData(TcpConnection c, int seq, int flags, int ringOffset, int len, long now) {
        TcpHeaderValue h = header;
        h.clear();
        h.seq = seq;
        h.flags = flags;
        h.ack = c.rcvNxt;
        int urgentPointer = UrgentData.pointerFor(c, seq);
        if (urgentPointer >= 0) {
            h.flags |= TcpHeader.URG; // RFC 9293 §3.8.5: SEG.UP = SND.UP - SEG.SEQ
            h.urgentPointer = urgentPointer;
        }
        TcpOptions o = h.options;
        if (c.tsEnabled) {
            o.timestamps = true;
            o.tsVal = tsNow(c, now);
            o.tsEcr = c.tsRecent;
        }
        if (c.sackEnabled && !c.reassembly.isEmpty()) {
            addSackBlocks(c, o);
        }
        boolean ok = emit(c, h, ringOffset, len, now);
        if (ok && c.sackEnabled && (len > 0 || (flags & TcpHeader.FIN) != 0)) {
            c.rack.onSend(seq, seq + len + ((flags & TcpHeader.FIN) != 0 ? 1 : 0), now); // RFC 8985 §6.1
        }
        return ok;
    }

    /** RFC 2018 §4: the block with the most recent segment first, then the others. */
    private static void addSackBlocks(TcpConnection c, TcpOptions o) {
        int max = o.timestamps ? 3 : 4;
        ReassemblyQueue q = c.reassembly;
        int latest = q.latest();
        int n = 0;
        if (latest >= 0 && latest < q.ranges()) {
            o.sackLeft[n] = c.rcvNxt + q.start(latest);
            o.sackRight[n] = c.rcvNxt + q.end(latest);
            n++;
        }
        for (int i = 0; i < q.ranges() && n < max; i++) {
            if (i != latest) {
                o.sackLeft[n] = c.rcvNxt + q.start(i);
                o.sackRight[n] = c.rcvNxt + q.end(i);
                n++;
            }
        }
        o.sackBlocks = n;
    }

    private boolean emit(TcpConnection c, TcpHeaderValue h, int ringOffset, int len, long now) {
        h.srcPort = c.localPort;
        h.dstPort = c.remotePort;
        if ((h.flags & TcpHeader.SYN) == 0) {
            int w = windowToAdvertise(c);
            h.window = w >>> c.rcvWndShift;
            if (SeqNum.gt(c.rcvNxt + w, c.rcvAdv)) {
                c.rcvAdv = c.rcvNxt + w;
            }
        } else if (SeqNum.gt(c.rcvNxt + h.window, c.rcvAdv)) {
            c.rcvAdv = c.rcvNxt + h.window;
        }
        if ((h.flags & TcpHeader.ACK_FLAG) != 0) {
            c.lastAckSent = c.rcvNxt;
            c.ackNow = false;
            c.delAckDeadline = Long.MAX_VALUE;
            c.unackedSegments = 0;
        }
        if (c.keepAliveDeadline != Long.MAX_VALUE && c.keepAliveProbes == 0) {
            c.keepAliveDeadline = Math.max(c.keepAliveDeadline, now + c.settings.keepAliveIdleNanos);
        }
        if (!emitRaw(c.localHi, c.localLo, c.localPort, c.remoteHi, c.remoteLo, c.remotePort, h, c.sendRing, ringOffset, len,
                trafficClass(c.settings))) {
            return false;
        }
        c.segmentsSent++;
        c.payloadBytesSent += len;
        return true;
    }

    private boolean emitRaw(long lHi, long lLo, int lPort, long rHi, long rLo, int rPort, TcpHeaderValue h,
                            ByteRing ring, int ringOffset, int len, int trafficClass) {
        h.srcPort = lPort;
        h.dstPort = rPort;
        int frame = cache.acquire();
        if (frame == FramePool.NO_FRAME) {
            layer.countDrop(DropReason.NO_FRAME);
            return false; // not sent: the caller keeps its state and a timer retries
        }
        int at = pool.headroom();
        long base = pool.frameBase(frame) + at;
        int hl = h.writeTo(pool.region(), base);
        if (len > 0) {
            ring.copyOut(ringOffset, pool.region(), base + hl, len);
        }
        pool.setData(frame, at, hl + len);
        layer.stats.segmentsOut++;
        if (!output.sendSegment(lHi, lLo, rHi, rLo, frame, trafficClass)) {
            layer.stats.segmentsDroppedBelow++; // lost below TCP: recovered like any loss
        }
        return true;
    }

    /** IP_TOS of a connection or listener: its DSCP, the ECN bits clear (TCP here does not negotiate ECN). */
    static int trafficClass(TcpSettings s) {
        return s.trafficClass & TcpSettings.DSCP_MASK;
    }

    /** TSval clock (RFC 7323 §5.4): milliseconds plus a per-connection random offset. */
    static int tsNow(TcpConnection c, long now) {
        return (int) (now / 1_000_000L) + c.tsOffset;
    }
}
