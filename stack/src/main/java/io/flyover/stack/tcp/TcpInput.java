package io.flyover.stack.tcp;

import io.flyover.stack.DropReason;
import io.flyover.stack.wire.TcpHeader;
import io.flyover.stack.wire.TcpOptions;

/**
 * Segment arrival for an existing connection (RFC 9293 §3.10.7.3 SYN-SENT and §3.10.7.4 other states),
 * with the acceptance checks of RFC 7323 §5.3 (PAWS) and RFC 5961 (RST/SYN challenge ACKs, ACK
 * range check), ACK processing (RFC 5681 duplicate ACKs, RFC 6582 NewReno recovery, RFC 6298 RTT
 * samples) and the receiver (out-of-order reassembly, delayed ACK per RFC 9293 §3.8.6.3 / RFC 5681 §4.2).
 * Replies are not sent here: input sets {@code ackNow} and the layer runs {@link TcpSender#output}.
 */
final class TcpInput {
    /** RFC 7323 §5.5: TS.Recent is invalid after 24 days idle. */
    static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;
    /**
     * PAWS tolerates a TSval this many ticks older than TS.Recent, as Linux's {@code TCP_PAWS_WINDOW}. RFC
     * 7323 §5.3 R1 refuses any older TSval, but with a millisecond clock a segment reordered behind one
     * sent a moment later (a pure ACK behind the next, an original behind a retransmission) is one tick
     * older: refusing it loses an ACK or data and costs an ACK in reply. A duplicate from the previous
     * wrap of the sequence space, which PAWS exists to refuse, cannot be this recent below 2^32 bytes in
     * two ticks (2 TB/s at 1 ms).
     */
    static final int PAWS_WINDOW = 1;
    /** Segments acknowledged immediately after the handshake (quick-ACK, as Linux). */
    static final int QUICK_ACKS = 8;

    private final TcpLayer layer;

    TcpInput(TcpLayer layer) {
        this.layer = layer;
    }

    void segmentArrives(TcpConnection c, InboundSegment s, long now) {
        c.lastReceiveNanos = now;
        if (c.keepAliveDeadline != Long.MAX_VALUE) {
            c.keepAliveProbes = 0;
            c.keepAliveDeadline = now + c.settings.keepAliveIdleNanos;
        }
        if (c.state == TcpState.SYN_SENT) {
            synSent(c, s, now);
        } else {
            otherStates(c, s, now);
        }
    }

    // --- RFC 9293 §3.10.7.3 SYN-SENT ---------------------------------------------------------------

    private void synSent(TcpConnection c, InboundSegment s, long now) {
        boolean ack = s.has(TcpHeader.ACK_FLAG);
        if (ack && (SeqNum.le(s.ack, c.iss) || SeqNum.gt(s.ack, c.sndMax))) {
            // first: unacceptable ACK -> <SEQ=SEG.ACK><CTL=RST> unless RST
            if (!s.has(TcpHeader.RST)) {
                layer.sender().sendStateless(s, s.ack, 0, TcpHeader.RST, 0, null);
            }
            layer.drop(DropReason.TCP_BAD_ACK);
            return;
        }
        if (s.has(TcpHeader.RST)) {
            // second: RFC 5961 §3.2 / RFC 9293: acceptable only with an acceptable ACK
            if (ack) {
                layer.stats.resetsReceived++;
                layer.closeQuietly(c, TcpConnection.Error.REFUSED);
            } else {
                layer.drop(DropReason.TCP_RST_IGNORED);
            }
            return;
        }
        if (!s.has(TcpHeader.SYN)) {
            layer.drop(DropReason.TCP_NO_ACK_FLAG);
            return;
        }
        // fourth: SYN
        c.irs = s.seq;
        c.rcvNxt = s.seq + 1;
        c.rcvAdv = c.rcvNxt;
        negotiateOptions(c, s.options, now);
        c.sndWnd = s.window; // RFC 7323 §2.2: never scaled in a SYN
        c.maxSndWnd = c.sndWnd;
        c.sndWl1 = s.seq;
        c.sndWl2 = s.ack;
        if (ack) {
            c.sndUna = s.ack;
            layer.confirmReachable(c);
            takeRttSample(c, s, now);
            established(c, now);
            c.ackNow = true; // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
        } else {
            // Simultaneous open: SYN-RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
            c.state = TcpState.SYN_RECEIVED;
            c.sndNxt = c.iss;
            c.rtoDeadline = Long.MAX_VALUE;
            c.rttStartNanos = -1;
        }
    }

    /** RFC 9293 §3.7.1 MSS, RFC 7323 §2.2/§3.2 window scale and timestamps, RFC 2018 §2 SACK-permitted. */
    void negotiateOptions(TcpConnection c, TcpOptions o, long now) {
        c.peerMss = o.mss > 0 ? o.mss : 536; // RFC 9293 §3.7.1: default send MSS 536 (IPv4)
        c.sendMss = Math.max(64, Math.min(c.peerMss, c.ourMss));
        c.sendMss = Math.min(c.sendMss, layer.maxPayloadPerFrame());
        if (c.settings.windowScaling && o.windowScale >= 0) {
            c.wsAgreed = true;
            c.sndWndShift = o.windowScale;
        } else {
            c.wsAgreed = false;
            c.sndWndShift = 0;
            c.rcvWndShift = 0;
        }
        c.sackEnabled = c.settings.sack && o.sackPermitted;
        c.tsEnabled = c.settings.timestamps && o.timestamps;
        if (c.tsEnabled) {
            c.tsRecent = o.tsVal;
            c.tsRecentAgeNanos = now;
        }
    }

    private void established(TcpConnection c, long now) {
        c.state = TcpState.ESTABLISHED;
        c.wasEstablished = true;
        c.retransmits = 0;
        c.rtoDeadline = Long.MAX_VALUE;
        c.cc.init(c.sendMss, now);
        c.quickAcks = QUICK_ACKS;
        if (c.settings.keepAlive) {
            c.keepAliveDeadline = now + c.settings.keepAliveIdleNanos;
        }
        if (c.finQueued) {
            c.state = TcpState.FIN_WAIT_1; // RFC 9293 §3.10.4: a CLOSE queued in SYN-RECEIVED
        }
        if (SeqNum.lt(c.sndNxt, c.sndMax)) {
            c.rtoDeadline = now + c.rtt.rtoNanos();
        }
        layer.onEstablished(c);
    }

    // --- RFC 9293 §3.10.7.4 other states ------------------------------------------------------------

    private void otherStates(TcpConnection c, InboundSegment s, long now) {
        int flags = s.flags;
        boolean rst = (flags & TcpHeader.RST) != 0;

        // A retransmitted SYN in SYN-RECEIVED: the SYN-ACK was lost, send it again.
        if (c.state == TcpState.SYN_RECEIVED && (flags & (TcpHeader.SYN | TcpHeader.ACK_FLAG | TcpHeader.RST)) == TcpHeader.SYN
                && s.seq == c.irs) {
            c.sndNxt = c.iss;
            return;
        }

        // Simultaneous open (RFC 9293 Figure 8): the peer's SYN-ACK repeats its SYN; take it as the ACK.
        if (c.state == TcpState.SYN_RECEIVED && (flags & (TcpHeader.SYN | TcpHeader.ACK_FLAG | TcpHeader.RST))
                == (TcpHeader.SYN | TcpHeader.ACK_FLAG) && s.seq == c.irs) {
            s.seq++;
            s.flags = flags = flags & ~TcpHeader.SYN;
        }

        // RFC 7323 §5.3 R1: PAWS, within PAWS_WINDOW
        if (c.tsEnabled && s.options.timestamps && !rst && c.tsRecent - s.options.tsVal > PAWS_WINDOW
                && now - c.tsRecentAgeNanos < PAWS_IDLE_NANOS) {
            layer.drop(DropReason.TCP_PAWS_REJECTED);
            c.ackNow = true;
            return;
        }

        // first: sequence number check
        int segLen = s.segmentLength();
        int rcvWnd = Math.max(c.rcvAdv - c.rcvNxt, 0);
        int seq = s.seq;
        boolean acceptable;
        boolean zeroWindowTrim = false;
        if (segLen == 0) {
            acceptable = rcvWnd == 0 ? seq == c.rcvNxt : SeqNum.inRange(seq, c.rcvNxt, c.rcvNxt + rcvWnd);
        } else if (rcvWnd == 0) {
            acceptable = false;
            // RFC 9293 §3.10.7.4: with a zero window still process valid ACKs and RSTs.
            if (seq == c.rcvNxt) {
                acceptable = true;
                zeroWindowTrim = true;
            }
        } else {
            acceptable = SeqNum.inRange(seq, c.rcvNxt, c.rcvNxt + rcvWnd)
                    || SeqNum.inRange(seq + segLen - 1, c.rcvNxt, c.rcvNxt + rcvWnd);
        }
        if (!acceptable) {
            layer.drop(DropReason.TCP_OUT_OF_WINDOW);
            if (!rst) {
                c.ackNow = true; // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
                // An old duplicate (entirely left of RCV.NXT) still carries a valid ACK: use it, as BSD
                // does, within the RFC 5961 §5.2 bounds checked by processAck. Its data and FIN are dropped.
                if ((flags & (TcpHeader.ACK_FLAG | TcpHeader.SYN)) == TcpHeader.ACK_FLAG && c.state.isSynchronized()
                        && SeqNum.le(seq + segLen, c.rcvNxt) && SeqNum.ge(seq, c.rcvNxt - Math.max(c.maxSndWnd, c.recvRing.capacity()))
                        && processAck(c, s, seq, s.payloadLength, (flags & TcpHeader.FIN) != 0, now)
                        && SeqNum.ge(seq + segLen, c.lastAckSent)) {
                    // It reaches Last.ACK.sent: the peer resends what our lost ACK acknowledged, and the
                    // ACK in reply must echo this TSval for the peer's RTT sample (RFC 7323 §4.1, §4.3;
                    // BSD and Linux read SEG.SEQ <= Last.ACK.sent <= SEG.SEQ + SEG.LEN so).
                    rememberTimestamp(c, s, now);
                }
            }
            return;
        }

        // Trim to the window: data before RCV.NXT (a duplicate SYN counts as one octet) and beyond it.
        long payloadOffset = s.payloadOffset;
        int payloadLength = s.payloadLength;
        boolean fin = (flags & TcpHeader.FIN) != 0;
        boolean syn = (flags & TcpHeader.SYN) != 0;
        int head = c.rcvNxt - seq;
        if (head > 0) {
            if (syn) {
                syn = false;
                head--;
                seq++;
            }
            int cut = Math.min(head, payloadLength);
            payloadOffset += cut;
            payloadLength -= cut;
            seq += cut;
            if (head > cut) {
                fin = false; // an old FIN
            }
        }
        if (zeroWindowTrim) {
            payloadLength = 0;
            fin = false;
            c.ackNow = true;
        } else if (payloadLength > 0) {
            int room = c.rcvAdv - seq;
            if (payloadLength > room) {
                payloadLength = Math.max(room, 0);
                fin = false;
            }
        }

        // second: RST (RFC 5961 §3.2: only an exact match resets; in-window gets a challenge ACK)
        if (rst) {
            if (s.seq != c.rcvNxt) {
                layer.drop(DropReason.TCP_RST_IGNORED);
                challengeAck(c, now);
                return;
            }
            layer.stats.resetsReceived++;
            switch (c.state) {
                case SYN_RECEIVED -> layer.closeQuietly(c, c.listener != null ? TcpConnection.Error.NONE : TcpConnection.Error.REFUSED);
                case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT -> layer.closeQuietly(c, TcpConnection.Error.RESET);
                default -> layer.closeQuietly(c, TcpConnection.Error.NONE);
            }
            return;
        }

        // fourth: SYN in the window (RFC 5961 §4.2, RFC 9293 §3.10.7.4): challenge ACK
        if (syn) {
            layer.drop(DropReason.TCP_SYN_IN_WINDOW);
            if (c.state == TcpState.SYN_RECEIVED && c.listener != null) {
                layer.closeQuietly(c, TcpConnection.Error.NONE); // return to LISTEN
                return;
            }
            challengeAck(c, now);
            return;
        }

        // fifth: ACK
        if ((flags & TcpHeader.ACK_FLAG) == 0) {
            layer.drop(DropReason.TCP_NO_ACK_FLAG);
            return;
        }
        if (c.state == TcpState.SYN_RECEIVED) {
            if (SeqNum.gt(s.ack, c.sndUna) && SeqNum.le(s.ack, c.sndMax)) {
                c.sndUna = c.iss + 1;
                c.sndWnd = s.window << c.sndWndShift;
                c.maxSndWnd = Math.max(c.maxSndWnd, c.sndWnd);
                c.sndWl1 = s.seq;
                c.sndWl2 = s.ack;
                layer.confirmReachable(c);
                takeRttSample(c, s, now);
                established(c, now);
                // fall through: the ACK may also acknowledge data or FIN
            } else {
                layer.sender().sendStateless(s, s.ack, 0, TcpHeader.RST, 0, null);
                layer.drop(DropReason.TCP_BAD_ACK);
                return;
            }
        }
        if (!processAck(c, s, seq, payloadLength, fin, now)) {
            return;
        }
        // RFC 7323 §5.3 R3 takes the timestamp to echo from a segment found acceptable by every check, RST,
        // SYN and ACK included: a segment they discard (a blind in-window forgery, RFC 5961) must not move
        // TS.Recent, or PAWS would then refuse every genuine segment (Linux does the same).
        rememberTimestamp(c, s, now);
        if (!c.inTable) {
            return; // LAST-ACK completed
        }

        // seventh: segment text
        if (payloadLength > 0 && c.userClosed) {
            // New data for a socket the application closed can never be read: reset, as Linux does
            // (RFC 9293 §3.10.4 lets CLOSE mean "no more RECEIVEs"; RFC 2525 §2.17).
            layer.drop(DropReason.TCP_DATA_AFTER_CLOSE);
            layer.sender().sendReset(c, c.sndMax);
            layer.closeQuietly(c, TcpConnection.Error.ABORTED);
            return;
        }
        // sixth: the URG bit (RFC 9293 §3.10.7.4; states past the peer's FIN ignore it)
        if ((flags & TcpHeader.URG) != 0 && c.state.canReceiveData()) {
            UrgentData.onUrgentPointer(c, s.seq, s.urgentPointer);
        }
        if (payloadLength > 0) {
            if (c.state.canReceiveData()) {
                receiveText(c, s, seq, payloadOffset, payloadLength, now);
            } else {
                layer.drop(DropReason.TCP_DATA_AFTER_FIN);
                c.ackNow = true;
            }
        }

        // eighth: FIN
        if (fin) {
            int finSeq = seq + payloadLength;
            if (finSeq == c.rcvNxt) {
                acceptFin(c, now);
            } else if (SeqNum.gt(finSeq, c.rcvNxt)) {
                c.rcvFinPending = true;
                c.rcvFinSeq = finSeq;
                c.ackNow = true;
            }
        } else if (c.rcvFinPending && c.rcvFinSeq == c.rcvNxt) {
            acceptFin(c, now);
        }
    }

    /** RFC 7323 §4.3 (2): SEG.TSval >= TS.Recent and SEG.SEQ <= Last.ACK.sent: TS.Recent = SEG.TSval. */
    private static void rememberTimestamp(TcpConnection c, InboundSegment s, long now) {
        if (c.tsEnabled && s.options.timestamps && SeqNum.ge(s.options.tsVal, c.tsRecent)
                && SeqNum.le(s.seq, c.lastAckSent)) {
            c.tsRecent = s.options.tsVal;
            c.tsRecentAgeNanos = now;
        }
    }

    /** RFC 5961 §7: challenge ACKs are rate limited per layer. */
    private void challengeAck(TcpConnection c, long now) {
        if (layer.allowChallengeAck(now)) {
            layer.stats.challengeAcks++;
            c.ackNow = true;
        } else {
            layer.stats.challengeAcksSuppressed++;
        }
    }

    /** The fifth step for synchronized states; false when the segment is dropped. */
    private boolean processAck(TcpConnection c, InboundSegment s, int seq, int payloadLength, boolean fin, long now) {
        int ack = s.ack;
        // RFC 5961 §5.2: acceptable if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT (SND.MAX here).
        if (SeqNum.gt(ack, c.sndMax)) {
            layer.drop(DropReason.TCP_BAD_ACK);
            c.ackNow = true;
            return false;
        }
        if (SeqNum.lt(ack, c.sndUna - Math.max(c.maxSndWnd, 1))) {
            layer.drop(DropReason.TCP_BAD_ACK);
            challengeAck(c, now);
            return false;
        }
        int window = s.window << c.sndWndShift;
        if (c.sackEnabled && s.options.sackBlocks > 0) {
            c.scoreboard.update(s.options, c.sndUna, c.sndMax); // RFC 6675 §4 Update()
        }
        if (SeqNum.gt(ack, c.sndUna)) {
            int acked = ack - c.sndUna;
            int flightBefore = c.sndMax - c.sndUna;
            int data = Math.min(acked, c.sendRing.readable());
            c.sendRing.consume(data);
            if (data > 0) {
                layer.readiness.onWritable(c);
            }
            if (acked > data && c.finQueued) {
                c.finAcked = true;
            }
            c.sndUna = ack;
            UrgentData.onAcknowledged(c, ack);
            layer.confirmReachable(c);
            c.scoreboard.onCumulativeAck(ack);
            if (SeqNum.lt(c.sndNxt, c.sndUna)) {
                c.sndNxt = c.sndUna;
            }
            takeRttSample(c, s, now);
            c.retransmits = 0;
            c.retransmittedSinceAck = false;
            if (c.inRecovery) {
                if (SeqNum.ge(ack, c.recover)) {
                    c.inRecovery = false;
                    c.sackRecovery = false;
                    c.cc.onExitRecovery(c.sndMax - c.sndUna, now);
                } else if (c.sackRecovery) {
                    // RFC 6675 §5 step (C): the sender's output loop retransmits further holes by pipe
                    if (SeqNum.lt(c.scoreboard.highRxt, c.sndUna)) {
                        c.scoreboard.highRxt = c.sndUna;
                    }
                } else {
                    // RFC 6582 §3.2 step 5: partial ACK, retransmit the next hole, deflate
                    c.cc.onPartialAck(acked);
                    layer.sender().retransmitFirst(c, now);
                }
            } else {
                c.cc.onAck(acked, flightBefore, c.rtt.srttNanos(), now);
            }
            c.dupAcks = 0;
            // RFC 6298 §5.2-5.3
            c.rtoDeadline = c.sndUna == c.sndMax ? Long.MAX_VALUE : now + c.rtt.rtoNanos();
            TailLossProbe.onAck(layer, c, now);
            c.persistDeadline = Long.MAX_VALUE;
            c.persistBackoff = 0;
        } else if (ack == c.sndUna && payloadLength == 0 && !fin && window == c.sndWnd && c.sndMax != c.sndUna
                && c.state.isSynchronized()) {
            // RFC 5681 §2 duplicate ACK
            c.dupAcks++;
            if (c.inRecovery && !c.sackRecovery) {
                c.cc.inflate(c.sendMss); // RFC 5681 §3.2 step 4
            }
        }
        // RFC 8985 §6.2: RACK learns from every ACK and marks segments lost by time.
        if (c.sackEnabled && c.state.isSynchronized()) {
            c.rack.onAck(c, now, s.options.sackBlocks > 0);
            c.rackDeadline = c.rack.detectLoss(c, now);
        }
        // Enter loss recovery: DupThresh duplicate ACKs (RFC 5681 §3.2, RFC 6582 §3.2 step 2: not within an
        // old recovery) or, with SACK, when the scoreboard says SND.UNA is lost (RFC 6675 §5 step 4).
        if (!c.inRecovery && c.state.isSynchronized() && c.sndMax != c.sndUna && SeqNum.ge(ack, c.recover)
                && (c.dupAcks >= SackScoreboard.DUP_THRESH
                    || c.sackEnabled && TcpSender.lossEdge(c) != c.sndUna)) {
            c.inRecovery = true;
            c.sackRecovery = c.sackEnabled;
            c.recover = c.sndMax;
            c.cc.onEnterRecovery(c.sndMax - c.sndUna, now);
            if (!c.sackRecovery) {
                c.cc.inflate(3 * c.sendMss);
            }
            layer.stats.fastRetransmits++;
            int sent = layer.sender().retransmitFirst(c, now);
            c.scoreboard.highRxt = c.sndUna + sent;
            c.rtoDeadline = now + c.rtt.rtoNanos();
        }
        // RFC 9293 §3.10.7.4 fifth: update the send window from the newest segment
        if (SeqNum.lt(c.sndWl1, seq) || (c.sndWl1 == seq && SeqNum.le(c.sndWl2, ack))) {
            c.sndWnd = window;
            c.sndWl1 = seq;
            c.sndWl2 = ack;
            if (window > c.maxSndWnd) {
                c.maxSndWnd = window;
            }
            if (window > 0) {
                c.persistDeadline = Long.MAX_VALUE;
                c.persistBackoff = 0;
            }
        }
        switch (c.state) {
            case FIN_WAIT_1 -> {
                if (c.finAcked) {
                    c.state = TcpState.FIN_WAIT_2;
                    if (c.userClosed) {
                        c.closeDeadline = Math.min(c.closeDeadline, now + c.settings.finWait2TimeoutNanos);
                    }
                }
            }
            case CLOSING -> {
                if (c.finAcked) {
                    enterTimeWait(c, now);
                }
            }
            case LAST_ACK -> {
                if (c.finAcked) {
                    layer.closeQuietly(c, TcpConnection.Error.NONE);
                    return true;
                }
            }
            default -> { }
        }
        return true;
    }

    private void takeRttSample(TcpConnection c, InboundSegment s, long now) {
        if (c.rttStartNanos >= 0 && SeqNum.ge(s.ack, c.rttSeq)) {
            c.rtt.sample(now - c.rttStartNanos);
            c.rttStartNanos = -1;
        } else if (c.retransmittedSinceAck && c.tsEnabled && s.options.timestamps && s.options.tsEcr != 0) {
            // RFC 7323 §4.1: timestamps disambiguate retransmissions (Karn gives no sample there)
            long ms = TcpSender.tsNow(c, now) - s.options.tsEcr;
            if (ms >= 0 && ms < 3_600_000L) {
                c.rtt.sample(ms * 1_000_000L);
            }
        }
    }

    /** Seventh step: in-order data goes to the ring, out-of-order data ahead of it (RFC 9293 §3.10.7.4). */
    private void receiveText(TcpConnection c, InboundSegment s, int seq, long payloadOffset, int length, long now) {
        int offset = seq - c.rcvNxt;
        // The buffer's room, and never less than the window already advertised: a smaller SO_RCVBUF
        // does not take back what was offered (RFC 9293 §3.8.6.2.2); the storage still holds it.
        int room = Math.min(c.recvRing.room(), Math.max(c.recvRing.writable(), c.rcvAdv - c.rcvNxt));
        if (offset < 0 || offset + length > room) {
            layer.drop(DropReason.TCP_OUT_OF_WINDOW);
            c.ackNow = true;
            return;
        }
        boolean hadHoles = !c.reassembly.isEmpty();
        int n;
        if (offset == 0 && !hadHoles) {
            c.recvRing.writeAt(0, s.memory, payloadOffset, length); // in order, nothing held: no ranges to keep
            n = length;
        } else {
            if (!c.reassembly.add(offset, offset + length)) {
                layer.drop(DropReason.TCP_REASSEMBLY_FULL);
                c.ackNow = true;
                return;
            }
            c.recvRing.writeAt(offset, s.memory, payloadOffset, length);
            if (offset != 0) {
                c.segmentsOutOfOrder++;
                c.ackNow = true; // RFC 5681 §4.2: out-of-order data is acknowledged at once (a duplicate ACK)
                return;
            }
            n = c.reassembly.popContiguous();
        }
        c.recvRing.commit(n);
        c.rcvNxt += n;
        layer.readiness.onReadable(c);
        if (hadHoles) {
            c.ackNow = true; // a hole filled
        } else if (c.quickAcks > 0) {
            c.quickAcks--;
            c.ackNow = true;
        } else if (++c.unackedSegments >= 2) {
            c.ackNow = true; // at least every second full-sized segment (RFC 5681 §4.2)
        } else if (c.delAckDeadline == Long.MAX_VALUE) {
            c.delAckDeadline = now + c.settings.delayedAckNanos;
        }
    }

    /** Eighth step: the FIN is in sequence. */
    private void acceptFin(TcpConnection c, long now) {
        c.rcvNxt++;
        c.rcvFin = true;
        layer.readiness.onReadable(c);
        c.rcvFinPending = false;
        c.ackNow = true;
        switch (c.state) {
            case SYN_RECEIVED, ESTABLISHED -> c.state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (c.finAcked) {
                    enterTimeWait(c, now);
                } else {
                    c.state = TcpState.CLOSING;
                }
            }
            case FIN_WAIT_2 -> enterTimeWait(c, now);
            case TIME_WAIT -> c.closeDeadline = now + c.settings.timeWaitNanos;
            default -> { }
        }
    }

    static void enterTimeWait(TcpConnection c, long now) {
        c.state = TcpState.TIME_WAIT;
        c.rtoDeadline = Long.MAX_VALUE;
        c.persistDeadline = Long.MAX_VALUE;
        c.keepAliveDeadline = Long.MAX_VALUE;
        c.delAckDeadline = Long.MAX_VALUE;
        c.lingerAbortArmed = false;
        c.closeDeadline = now + c.settings.timeWaitNanos;
    }
}
