package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** State tests with the RFC 7323 and RFC 2018 options negotiated. */
class TcpOptionsStateTest extends TcpTestBase {
    static final int PEER_TS = 5000;

    @BeforeEach
    void enableOptions() {
        settings.timestamps = true;
        settings.sack = true;
        settings.windowScaling = true;
        settings.receiveBufferSize = 1 << 20; // needs shift 5
        settings.sendBufferSize = 1 << 16;
    }

    Seg synWithOptions() {
        Seg s = Seg.of(SYN, REMOTE_ISN, 0).mss(1460);
        s.options.windowScale = 7;
        s.options.sackPermitted = true;
        s.options.timestamps = true;
        s.options.tsVal = PEER_TS;
        return s;
    }

    Seg ts(Seg s, int tsVal, int tsEcr) {
        s.options.timestamps = true;
        s.options.tsVal = tsVal;
        s.options.tsEcr = tsEcr;
        return s;
    }

    TcpConnection establishedWithOptions() {
        listen();
        send(synWithOptions());
        TcpConnection c = layer.find(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT);
        assertEquals(1, out.sent.size());
        Seg synAck = out.sent.remove(0);
        assertEquals(SYN | ACK, synAck.flags);
        assertEquals(5, synAck.options.windowScale);
        assertTrue(synAck.options.sackPermitted);
        assertTrue(synAck.options.timestamps);
        assertEquals(PEER_TS, synAck.options.tsEcr);
        assertEquals(65535, synAck.window); // RFC 7323 §2.2: a SYN's window is not scaled
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).window(100), PEER_TS + 1, synAck.options.tsVal));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(100 << 7, c.sndWnd);
        listener.accept();
        out.sent.clear();
        return c;
    }

    @Test
    void negotiatesAllOptions() {
        TcpConnection c = establishedWithOptions();
        assertTrue(c.tsEnabled);
        assertTrue(c.sackEnabled);
        assertEquals(7, c.sndWndShift);
        assertEquals(5, c.rcvWndShift);
    }

    @Test
    void optionsNotOfferedAreNotUsed() {
        listen();
        send(Seg.of(SYN, REMOTE_ISN, 0).mss(1460));
        Seg synAck = out.sent.remove(0);
        assertEquals(-1, synAck.options.windowScale);
        assertEquals(false, synAck.options.sackPermitted);
        assertEquals(false, synAck.options.timestamps);
    }

    @Test
    void ackWindowIsScaled() {
        TcpConnection c = establishedWithOptions();
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc").window(100), PEER_TS + 2, 0));
        Seg ack = out.sent.remove(0);
        assertEquals(((1 << 20) - 3) >> 5, ack.window);
        assertEquals(PEER_TS + 2, ack.options.tsEcr);
    }

    @Test
    void pawsRejectsOldTimestamp() {
        TcpConnection c = establishedWithOptions();
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("new").window(100), PEER_TS + 10, 0));
        out.sent.clear();
        send(ts(Seg.of(ACK, REMOTE_ISN + 4, c.iss + 1).payload("old").window(100), PEER_TS + 5, 0));
        assertEquals(1, layer.dropCount(DropReason.TCP_PAWS_REJECTED));
        assertEquals(1, out.sent.size()); // an ACK in reply (RFC 7323 §5.3 R1)
        assertEquals(ACK, out.sent.get(0).flags);
        assertEquals(REMOTE_ISN + 4, out.sent.get(0).ack);
        out.sent.clear();
        assertEquals(3, c.bytesToRead());
        // a RST is not subject to PAWS
        send(ts(Seg.of(RST, REMOTE_ISN + 4, 0), PEER_TS + 1, 0));
        assertEquals(TcpState.CLOSED, c.state());
    }

    /**
     * PAWS tolerates one tick (TcpInput.PAWS_WINDOW, Linux's TCP_PAWS_WINDOW): a segment sent a moment before
     * the one that set TS.Recent and reordered behind it (here data following a retransmission) is taken;
     * two ticks older is refused as RFC 7323 §5.3 R1 says.
     */
    @Test
    void pawsToleratesASegmentOneTickOlderThanTsRecent() {
        TcpConnection c = establishedWithOptions();
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc").window(100), PEER_TS + 10, 0));
        assertEquals(PEER_TS + 10, out.sent.remove(0).options.tsEcr);
        send(ts(Seg.of(ACK, REMOTE_ISN + 4, c.iss + 1).payload("def").window(100), PEER_TS + 9, 0));
        assertEquals(0, layer.dropCount(DropReason.TCP_PAWS_REJECTED));
        assertEquals(6, c.bytesToRead());
        layer.poll(now);
        send(ts(Seg.of(ACK, REMOTE_ISN + 7, c.iss + 1).payload("ghi").window(100), PEER_TS + 8, 0));
        assertEquals(1, layer.dropCount(DropReason.TCP_PAWS_REJECTED));
        assertEquals(6, c.bytesToRead());
        for (Seg reply : out.sent) {
            assertEquals(PEER_TS + 10, reply.options.tsEcr); // TS.Recent never goes back
        }
        out.sent.clear();
    }

    /**
     * Our ACK was lost and the peer retransmits the segment it acknowledged: the duplicate ends at
     * Last.ACK.sent, so RFC 7323 §4.3 (SEG.SEQ <= Last.ACK.sent, with BSD's and Linux's reading that the
     * segment may end there) takes its TSval, and the ACK in reply echoes the retransmission, not the
     * original sent RTOs earlier: else the sender's RTT sample (RFC 7323 §4.1) spans all its backoffs.
     * Seed 8307 of StackTcpSimulationTest took a 17 s RTT sample, then waited 20 s for its next timeout.
     */
    @Test
    void theRetransmissionOfTheLastAcknowledgedSegmentIsEchoed() {
        TcpConnection c = establishedWithOptions();
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc").window(100), PEER_TS + 2, 0));
        assertEquals(PEER_TS + 2, out.sent.remove(0).options.tsEcr); // this ACK is lost
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc").window(100), PEER_TS + 1000, 0));
        assertEquals(1, out.sent.size());
        assertEquals(REMOTE_ISN + 4, out.sent.get(0).ack);
        assertEquals(PEER_TS + 1000, out.sent.remove(0).options.tsEcr);
        assertEquals(3, c.bytesToRead());
        // An older duplicate, not reaching Last.ACK.sent, moves nothing.
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("ab").window(100), PEER_TS + 2000, 0));
        assertEquals(PEER_TS + 1000, out.sent.remove(0).options.tsEcr);
    }

    /**
     * RFC 7323 §5.3 R3 takes TS.Recent from an acceptable segment only: one that the RST, SYN or ACK checks
     * discard (RFC 5961 §3-§5, blind in-window forgeries among them) must not move it, or a single forged
     * segment with a far-future TSval would make PAWS drop every genuine one from then on.
     */
    @Test
    void aSegmentDiscardedAfterTheSequenceCheckDoesNotMoveTsRecent() {
        TcpConnection c = establishedWithOptions();
        int future = PEER_TS + 1_000_000;
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1 + 5000).window(100), future, 0)); // ACK beyond SND.MAX
        send(ts(Seg.of(RST | ACK, REMOTE_ISN + 50, c.iss + 1), future, 0)); // in-window RST, not at RCV.NXT
        send(ts(Seg.of(SYN | ACK, REMOTE_ISN + 60, c.iss + 1), future, 0)); // in-window SYN
        assertEquals(1, layer.dropCount(DropReason.TCP_BAD_ACK));
        assertEquals(1, layer.dropCount(DropReason.TCP_RST_IGNORED));
        assertEquals(1, layer.dropCount(DropReason.TCP_SYN_IN_WINDOW));
        for (Seg reply : out.sent) {
            assertEquals(PEER_TS + 1, reply.options.tsEcr, reply.toString()); // the challenge ACKs echo the real peer
        }
        out.sent.clear();
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc").window(100), PEER_TS + 2, 0));
        assertEquals(0, layer.dropCount(DropReason.TCP_PAWS_REJECTED));
        assertEquals(3, c.bytesToRead());
        assertEquals(PEER_TS + 2, out.sent.get(0).options.tsEcr);
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void outOfOrderDataIsSacked() {
        TcpConnection c = establishedWithOptions();
        send(ts(Seg.of(ACK, REMOTE_ISN + 11, c.iss + 1).payload("0123456789").window(100), PEER_TS + 2, 0));
        send(ts(Seg.of(ACK, REMOTE_ISN + 31, c.iss + 1).payload("abcdefghij").window(100), PEER_TS + 3, 0));
        assertEquals(2, out.sent.size());
        Seg second = out.sent.get(1);
        assertEquals(REMOTE_ISN + 1, second.ack);
        assertEquals(2, second.options.sackBlocks);
        // the most recent block first (RFC 2018 §4)
        assertEquals(REMOTE_ISN + 31, second.options.sackLeft[0]);
        assertEquals(REMOTE_ISN + 41, second.options.sackRight[0]);
        assertEquals(REMOTE_ISN + 11, second.options.sackLeft[1]);
        assertEquals(REMOTE_ISN + 21, second.options.sackRight[1]);
        out.sent.clear();
    }

    @Test
    void sackedLossIsRetransmittedAlone() {
        TcpConnection c = establishedWithOptions();
        c.setNoDelay(true);
        byte[] data = new byte[5 * 1000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        // use 1000-byte payloads for readable arithmetic (MSS 1012 less 12 bytes of timestamps option)
        c.sendMss = 1012;
        c.cc.init(1012, now);
        c.write(data, 0, data.length);
        layer.poll(now);
        assertEquals(5, out.sent.size());
        out.sent.clear();
        int base = c.iss + 1;
        // segment 0 lost; 1..3 SACKed: three discontiguous... here one block of 3000 bytes > 2 SMSS => lost
        Seg ack = ts(Seg.of(ACK, REMOTE_ISN + 1, base).window(100), PEER_TS + 2, 0);
        ack.options.sackBlocks = 1;
        ack.options.sackLeft[0] = base + 1000;
        ack.options.sackRight[0] = base + 4000;
        send(ack);
        assertEquals(1, out.sent.size(), () -> out.sent.toString());
        Seg rtx = out.sent.remove(0);
        assertEquals(base, rtx.seq);
        assertTrue(Arrays.equals(Arrays.copyOf(data, 1000), rtx.payload));
        assertTrue(c.inRecovery);
        assertTrue(c.sackRecovery);
        // the cumulative ACK after the retransmission ends recovery at the recovery point
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, base + 5000).window(100), PEER_TS + 3, 0));
        assertEquals(0, c.bytesUnacknowledged(), () -> java.util.Arrays.stream(DropReason.values()).filter(r -> layer.dropCount(r) > 0).map(r -> r + "=" + layer.dropCount(r)).toList() + " una=" + (c.sndUna - base) + " max=" + (c.sndMax - base) + " recover=" + (c.recover - base));
        assertEquals(false, c.inRecovery);
        out.sent.clear();
    }

    @Test
    void rackMarksLossByTimeWhenTooFewSacksForRfc6675() {
        settings.minRtoNanos = 1_000_000_000L;
        TcpConnection c = establishedWithOptions();
        for (int i = 0; i < 50; i++) {
            c.rtt.sample(8_000_000L); // SRTT ~ 8 ms (the handshake here measured 0)
        }
        c.setNoDelay(true);
        c.sendMss = 1012;
        c.cc.init(1012, now);
        byte[] data = new byte[3000];
        c.write(data, 0, data.length);
        layer.poll(now);
        assertEquals(3, out.sent.size());
        out.sent.clear();
        int base = c.iss + 1;
        now += 8_000_000L; // RTT 8 ms
        // only the third segment arrives: one SACK block of 1000 bytes, not enough for RFC 6675 IsLost()
        Seg ack = ts(Seg.of(ACK, REMOTE_ISN + 1, base).window(100), PEER_TS + 2, 0);
        ack.options.sackBlocks = 1;
        ack.options.sackLeft[0] = base + 2000;
        ack.options.sackRight[0] = base + 3000;
        send(ack);
        assertEquals(0, out.sent.size(), () -> out.sent.toString());
        assertTrue(!c.inRecovery);
        // RACK: segments 1 and 2 were sent no later than the delivered one; after reo_wnd = min_RTT / 4 they are lost
        advance(2_000_000L - 1);
        assertEquals(0, out.sent.size());
        advance(1);
        assertTrue(c.inRecovery);
        assertEquals(2, out.sent.size(), () -> out.sent.toString());
        assertEquals(base, out.sent.get(0).seq);
        assertEquals(base + 1000, out.sent.get(1).seq);
        out.sent.clear();
    }

    @Test
    void tailLossProbeRetransmitsLastSegmentBeforeRto() {
        settings.minRtoNanos = 1_000_000_000L; // RFC 6298 §2.4's floor, so the RTO comes well after the PTO
        TcpConnection c = establishedWithOptions();
        c.setNoDelay(true);
        c.write("tail".getBytes(), 0, 4);
        layer.poll(now);
        Seg first = out.sent.remove(0);
        assertEquals("tail", new String(first.payload));
        // PTO = 2 SRTT + WCDelAckT (one segment outstanding) (RFC 8985 §7.2); the RTO (1 s) is later
        long pto = Math.max(2 * c.smoothedRttNanos() + 200_000_000L, 1_000_000L);
        advance(pto - 1);
        assertEquals(0, out.sent.size());
        advance(1);
        assertEquals(1, out.sent.size());
        Seg probe = out.sent.remove(0);
        assertEquals(first.seq, probe.seq);
        assertEquals("tail", new String(probe.payload));
        assertEquals(1, layer.stats().tailLossProbes);
        // its ACK settles the probe
        send(ts(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 5).window(100), PEER_TS + 2, 0));
        assertEquals(false, c.tlpOut);
        assertEquals(Long.MAX_VALUE, c.tlpDeadline);
        out.sent.clear();
    }

    @Nested
    class Cubic {
        @Test
        void cubicIsSelectablePerConnection() {
            settings.congestion = TcpSettings.Congestion.CUBIC;
            TcpConnection c = establishedWithOptions();
            assertEquals("cubic", c.congestionControl());
            TcpSettings other = settings.clone();
            other.congestion = TcpSettings.Congestion.NEW_RENO;
            TcpConnection d = layer.connect(LOCAL_HI, LOCAL_LO, 5000, REMOTE_HI, REMOTE_LO, REMOTE_PORT, other, now);
            assertEquals("newreno", d.congestionControl());
            d.abort(now);
            out.sent.clear();
        }
    }
}
