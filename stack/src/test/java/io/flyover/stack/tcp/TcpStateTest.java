package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One crafted segment in, the exact segments out and nothing else; grouped by state (RFC 9293 §3.10.7). */
class TcpStateTest extends TcpTestBase {

    static String read(TcpConnection c) {
        ByteBuffer b = ByteBuffer.allocate(65536);
        c.read(b);
        b.flip();
        return StandardCharsets.US_ASCII.decode(b).toString();
    }

    @Nested
    class Closed {
        @Test
        void synToClosedPortGetsRstAck() {
            send(Seg.of(SYN, REMOTE_ISN, 0));
            expect(Seg.of(RST | ACK, 0, REMOTE_ISN + 1).window(0));
            assertEquals(1, layer.dropCount(DropReason.TCP_NO_SOCKET));
        }

        @Test
        void ackToClosedPortGetsRstWithSeqOfAck() {
            send(Seg.of(ACK, REMOTE_ISN, 1234));
            expect(Seg.of(RST, 1234, 0).window(0));
        }

        @Test
        void dataWithoutAckGetsRstAckCoveringData() {
            send(Seg.of(PSH, REMOTE_ISN, 0).payload("abc"));
            expect(Seg.of(RST | ACK, 0, REMOTE_ISN + 3).window(0));
        }

        @Test
        void rstToClosedPortIsDropped() {
            send(Seg.of(RST, REMOTE_ISN, 0));
            expectNothing();
        }

        @Test
        void closedAfterAbortAnswersRst() {
            TcpConnection c = established();
            c.abort(now);
            expect(Seg.of(RST, c.iss + 1, 0).window(0));
            assertEquals(TcpState.CLOSED, c.state());
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1));
            expect(Seg.of(RST, c.iss + 1, 0).window(0));
            assertEquals(0, layer.connectionCount());
        }
    }

    @Nested
    class Listen {
        @Test
        void synGetsSynAck() {
            TcpConnection c = synReceived();
            assertEquals(TcpState.SYN_RECEIVED, c.state());
        }

        @Test
        void rstIsIgnored() {
            listen();
            send(Seg.of(RST, REMOTE_ISN, 0));
            expectNothing();
            assertEquals(1, layer.dropCount(DropReason.TCP_RST_IGNORED));
        }

        @Test
        void ackIsAnsweredWithRst() {
            listen();
            listener.setSynCookies(false);
            send(Seg.of(ACK, REMOTE_ISN, 777));
            expect(Seg.of(RST, 777, 0).window(0));
        }

        @Test
        void segmentWithoutSynOrAckIsDropped() {
            listen();
            send(Seg.of(0, REMOTE_ISN, 0));
            expectNothing();
        }

        @Test
        void synWithFinIsDroppedAsBadFlags() {
            listen();
            send(Seg.of(SYN | FIN, REMOTE_ISN, 0));
            expectNothing();
            assertEquals(1, layer.dropCount(DropReason.TCP_BAD_FLAGS));
        }

        @Test
        void fullBacklogWithoutCookiesDropsSyn() {
            listener = layer.listen(0, 0, LOCAL_PORT, 1, settings);
            listener.setSynCookies(false);
            send(Seg.of(SYN, REMOTE_ISN, 0).mss(1460));
            out.sent.clear();
            // a second client
            sendFrom(REMOTE_PORT + 1, Seg.of(SYN, 5000, 0).mss(1460));
            expectNothing();
            assertEquals(1, layer.dropCount(DropReason.TCP_LISTEN_OVERFLOW));
        }

        @Test
        void fullBacklogAnswersWithSynCookieAndCookieAckEstablishes() {
            listener = layer.listen(0, 0, LOCAL_PORT, 1, settings);
            send(Seg.of(SYN, REMOTE_ISN, 0).mss(1460));
            TcpConnection first = layer.find(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT);
            send(Seg.of(ACK, REMOTE_ISN + 1, first.iss + 1));
            out.sent.clear();
            sendFrom(REMOTE_PORT + 1, Seg.of(SYN, 5000, 0).mss(1460));
            assertEquals(1, out.sent.size());
            Seg synAck = out.sent.get(0);
            out.sent.clear();
            assertEquals(SYN | ACK, synAck.flags);
            assertEquals(5001, synAck.ack);
            assertEquals(1460, synAck.options.mss);
            assertEquals(1, layer.stats().synCookiesSent);
            assertEquals(1, layer.connectionCount());
            listener.accept();
            // forged cookie
            sendFrom(REMOTE_PORT + 1, Seg.of(ACK, 5001, synAck.seq + 2));
            assertEquals(1, layer.dropCount(DropReason.TCP_BAD_SYN_COOKIE));
            out.sent.clear();
            sendFrom(REMOTE_PORT + 1, Seg.of(ACK, 5001, synAck.seq + 1));
            expectNothing();
            assertEquals(1, layer.stats().synCookiesAccepted);
            TcpConnection second = listener.accept();
            assertEquals(TcpState.ESTABLISHED, second.state());
            assertEquals(1460, second.sendMss());
        }
    }

    void sendFrom(int port, Seg s) {
        int frame = cache.acquire();
        io.flyover.stack.wire.TcpHeaderValue h = new io.flyover.stack.wire.TcpHeaderValue();
        h.srcPort = port;
        h.dstPort = LOCAL_PORT;
        h.seq = s.seq;
        h.ack = s.ack;
        h.flags = s.flags;
        h.window = s.window;
        h.options.copyFrom(s.options);
        int at = pool.headroom();
        int hl = h.writeTo(pool.region(), pool.frameBase(frame) + at);
        layer.receive(now, REMOTE_HI, REMOTE_LO, LOCAL_HI, LOCAL_LO, frame, at, hl);
    }

    @Nested
    class SynSent {
        @Test
        void synAckEstablishesAndAcks() {
            TcpConnection c = synSent();
            send(Seg.of(SYN | ACK, REMOTE_ISN, c.iss + 1).mss(1400));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1));
            assertEquals(TcpState.ESTABLISHED, c.state());
            assertEquals(1400, c.sendMss());
        }

        @Test
        void rstWithAcceptableAckRefuses() {
            TcpConnection c = synSent();
            send(Seg.of(RST | ACK, 0, c.iss + 1));
            expectNothing();
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpConnection.Error.REFUSED, c.error());
        }

        @Test
        void rstWithoutAckIsIgnored() {
            TcpConnection c = synSent();
            send(Seg.of(RST, 0, 0));
            expectNothing();
            assertEquals(TcpState.SYN_SENT, c.state());
        }

        @Test
        void badAckGetsRst() {
            TcpConnection c = synSent();
            send(Seg.of(SYN | ACK, REMOTE_ISN, c.iss + 100));
            expect(Seg.of(RST, c.iss + 100, 0).window(0));
            assertEquals(TcpState.SYN_SENT, c.state());
        }

        @Test
        void simultaneousOpen() {
            TcpConnection c = synSent();
            send(Seg.of(SYN, REMOTE_ISN, 0).mss(1460));
            expect(Seg.of(SYN | ACK, c.iss, REMOTE_ISN + 1).mss(1460));
            assertEquals(TcpState.SYN_RECEIVED, c.state());
            send(Seg.of(SYN | ACK, REMOTE_ISN, c.iss + 1).mss(1460));
            // Their SYN-ACK: the SYN is a duplicate (trimmed), the ACK completes our side.
            assertEquals(TcpState.ESTABLISHED, c.state());
        }

        @Test
        void synIsRetransmittedWithBackoffThenTimesOut() {
            TcpConnection c = synSent();
            advance(1_000_000_000L);
            expect(Seg.of(SYN, c.iss, 0).mss(1460));
            advance(1_000_000_000L);
            expectNothing();
            advance(1_000_000_000L);
            expect(Seg.of(SYN, c.iss, 0).mss(1460));
            for (int i = 0; i < 10; i++) {
                advance(120_000_000_000L);
            }
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpConnection.Error.TIMED_OUT, c.error());
            out.sent.clear();
        }

        @Test
        void hardIcmpErrorFailsConnect() {
            TcpConnection c = synSent();
            layer.destinationUnreachable(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT, c.iss, false);
            assertEquals(TcpState.SYN_SENT, c.state()); // soft: the timers decide
            layer.destinationUnreachable(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT, c.iss, true);
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpConnection.Error.UNREACHABLE, c.error());
            expectNothing();
        }

        @Test
        void plainAckIsAnsweredWithRst() {
            TcpConnection c = synSent();
            send(Seg.of(ACK, REMOTE_ISN, c.iss + 5));
            expect(Seg.of(RST, c.iss + 5, 0).window(0));
        }
    }

    @Nested
    class SynReceived {
        @Test
        void ackEstablishes() {
            established();
        }

        @Test
        void retransmittedSynGetsSynAckAgain() {
            TcpConnection c = synReceived();
            send(Seg.of(SYN, REMOTE_ISN, 0).mss(1460));
            expect(Seg.of(SYN | ACK, c.iss, REMOTE_ISN + 1).mss(1460));
        }

        @Test
        void synAckRetransmittedOnTimeout() {
            TcpConnection c = synReceived();
            advance(1_000_000_000L);
            expect(Seg.of(SYN | ACK, c.iss, REMOTE_ISN + 1).mss(1460));
            assertEquals(1, c.retransmissions()); // a SYN sent again is a retransmission too
            assertEquals(1, c.consecutiveTimeouts());
            send(Seg.of(SYN, REMOTE_ISN, 0).mss(1460)); // the peer's SYN again: the SYN-ACK again
            expect(Seg.of(SYN | ACK, c.iss, REMOTE_ISN + 1).mss(1460));
            assertEquals(2, c.retransmissions());
            assertEquals(layer.stats().retransmittedSegments, c.retransmissions());
        }

        @Test
        void badAckGetsRst() {
            TcpConnection c = synReceived();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 10));
            expect(Seg.of(RST, c.iss + 10, 0).window(0));
            assertEquals(TcpState.SYN_RECEIVED, c.state());
        }

        @Test
        void rstReturnsToListen() {
            TcpConnection c = synReceived();
            send(Seg.of(RST, REMOTE_ISN + 1, 0));
            expectNothing();
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(0, layer.connectionCount());
            assertNull(listener.accept());
        }

        @Test
        void ackWithDataEstablishesAndDelivers() {
            TcpConnection c = synReceived();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("hello"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 6).window(WINDOW - 5));
            assertEquals("hello", read(listener.accept()));
        }
    }

    @Nested
    class Established {
        @Test
        void dataIsAcked() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("abcdef"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 7).window(WINDOW - 6));
            assertEquals("abcdef", read(c));
        }

        @Test
        void writeSendsDataAndAckFreesIt() {
            TcpConnection c = established();
            c.write("ping".getBytes(), 0, 4);
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("ping"));
            assertEquals(4, c.bytesUnacknowledged());
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 5));
            expectNothing();
            assertEquals(0, c.bytesUnacknowledged());
        }

        @Test
        void nagleHoldsSecondSmallSegmentUntilAck() {
            TcpConnection c = established();
            c.write("a".getBytes(), 0, 1);
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("a"));
            c.write("b".getBytes(), 0, 1);
            layer.poll(now);
            expectNothing();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 2));
            expect(Seg.of(ACK | PSH, c.iss + 2, REMOTE_ISN + 1).payload("b"));
        }

        @Test
        void noDelaySendsAtOnce() {
            TcpConnection c = established();
            c.setNoDelay(true);
            c.write("a".getBytes(), 0, 1);
            layer.poll(now);
            c.write("b".getBytes(), 0, 1);
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("a"),
                    Seg.of(ACK | PSH, c.iss + 2, REMOTE_ISN + 1).payload("b"));
        }

        @Test
        void outOfOrderDataIsHeldAndAckedDuplicate() {
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 4, c.iss + 1).payload("def"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1));
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 7).window(WINDOW - 6));
            assertEquals("abcdef", read(c));
        }

        @Test
        void segmentOutsideWindowGetsAckAndIsDropped() {
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 1 + WINDOW + 10, c.iss + 1).payload("x"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1));
            assertEquals(1, layer.dropCount(DropReason.TCP_OUT_OF_WINDOW));
        }

        @Test
        void oldDuplicateGetsAck() {
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc"));
            out.sent.clear();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 4).window(WINDOW - 3));
            assertEquals("abc", read(c));
        }

        @Test
        void exactRstResets() {
            TcpConnection c = established();
            send(Seg.of(RST, REMOTE_ISN + 1, 0));
            expectNothing();
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpConnection.Error.RESET, c.error());
            assertEquals(TcpConnection.FAILED, c.read(ByteBuffer.allocate(1)));
        }

        @Test
        void inWindowRstGetsChallengeAck() {
            TcpConnection c = established();
            send(Seg.of(RST, REMOTE_ISN + 100, 0));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1));
            assertEquals(TcpState.ESTABLISHED, c.state());
            assertEquals(1, layer.stats().challengeAcks);
        }

        @Test
        void outOfWindowRstIsSilentlyDropped() {
            TcpConnection c = established();
            send(Seg.of(RST, REMOTE_ISN + 100_000, 0));
            expectNothing();
            assertEquals(TcpState.ESTABLISHED, c.state());
        }

        @Test
        void synInWindowGetsChallengeAck() {
            TcpConnection c = established();
            send(Seg.of(SYN, REMOTE_ISN + 5, 0));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1));
            assertEquals(TcpState.ESTABLISHED, c.state());
        }

        @Test
        void ackOfUnsentDataGetsAckAndIsDropped() {
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1000).payload("zz"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1));
            assertEquals(1, layer.dropCount(DropReason.TCP_BAD_ACK));
            assertEquals(0, c.bytesToRead());
        }

        @Test
        void segmentWithoutAckIsDropped() {
            TcpConnection c = established();
            send(Seg.of(PSH, REMOTE_ISN + 1, 0).payload("zz"));
            expectNothing();
            assertEquals(0, c.bytesToRead());
        }

        @Test
        void finMovesToCloseWait() {
            closeWait();
        }

        @Test
        void closeSendsFin() {
            finWait1();
        }

        @Test
        void dataIsRetransmittedOnTimeout() {
            TcpConnection c = established();
            c.write("data".getBytes(), 0, 4);
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("data"));
            // The handshake measured RTT 0, so RTO is the 200 ms floor (RFC 6298 §2.4), doubling on expiry (§5.5).
            advance(199_000_000L);
            expectNothing();
            advance(1_000_000L);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("data"));
            advance(399_000_000L);
            expectNothing();
            advance(1_000_000L);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("data"));
        }

        /**
         * retransmissions() is the connection's total of retransmitted segments (as tcpi_total_retrans);
         * consecutiveTimeouts() the timeouts since the last new acknowledgement (the R2 count of RFC 9293
         * §3.8.3), which an ACK resets.
         */
        @Test
        void retransmissionsAreCountedInTotalAndTimeoutsSinceTheLastAck() {
            TcpConnection c = established();
            c.setNoDelay(true);
            c.write(new byte[4000], 0, 4000);
            layer.poll(now);
            assertEquals(3, out.sent.size());
            out.sent.clear();
            // Every data segment from now on carries bytes sent before: each is a retransmission.
            advance(200_000_000L);
            advance(400_000_000L);
            long resent = out.sent.stream().filter(s -> s.payload.length > 0).count();
            assertTrue(resent >= 2, out.sent.toString()); // the tail loss probe and two timeouts
            assertEquals(2, c.consecutiveTimeouts());
            assertEquals(resent, c.retransmissions());
            out.sent.clear();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1 + 1460));
            assertEquals(0, c.consecutiveTimeouts()); // new data acknowledged
            for (int i = 0; i < 3; i++) {
                send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1 + 1460));
            }
            resent += out.sent.stream().filter(s -> s.payload.length > 0).count();
            assertTrue(resent > 2);
            assertEquals(0, c.consecutiveTimeouts());
            assertEquals(resent, c.retransmissions()); // a total: the ACK reset nothing
            assertEquals(layer.stats().retransmittedSegments, c.retransmissions());
        }

        @Test
        void threeDuplicateAcksTriggerFastRetransmit() {
            TcpConnection c = established();
            c.setNoDelay(true);
            byte[] data = new byte[4000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) i;
            }
            c.write(data, 0, data.length);
            layer.poll(now);
            assertEquals(3, out.sent.size()); // 1460 + 1460 + 1080
            out.sent.clear();
            for (int i = 0; i < 3; i++) {
                send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1));
            }
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1).payload(java.util.Arrays.copyOf(data, 1460)));
            assertEquals(1, layer.stats().fastRetransmits);
        }

        @Test
        void zeroWindowIsProbed() {
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).window(0));
            c.write("q".getBytes(), 0, 1);
            layer.poll(now);
            expectNothing();
            advance(200_000_000L);
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1).payload("q"));
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).window(100));
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("q"));
        }

        @Test
        void delayedAckFiresAfterTimeoutOnceQuickAcksAreUsed() {
            TcpConnection c = established();
            c.quickAcks = 0;
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("x"));
            expectNothing();
            advance(40_000_000L);
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 2).window(WINDOW - 1));
        }

        @Test
        void lingerZeroCloseSendsRst() {
            TcpConnection c = established();
            c.settings.lingerNanos = 0;
            c.close(now);
            expect(Seg.of(RST, c.iss + 1, 0).window(0));
            assertEquals(TcpState.CLOSED, c.state());
        }

        @Test
        void closeWithUnreadDataSendsRst() {
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("unread"));
            out.sent.clear();
            c.close(now);
            expect(Seg.of(RST, c.iss + 1, 0).window(0));
        }

        @Test
        void pathMtuLowersMss() {
            TcpConnection c = established();
            c.write(new byte[100], 0, 100);
            layer.poll(now);
            out.sent.clear();
            // RFC 5927 §4.1: an ICMP quoting a sequence number we never sent is ignored
            layer.pathMtuChanged(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT, c.iss + 5000, 1000);
            assertEquals(1460, c.sendMss());
            assertEquals(1, layer.dropCount(DropReason.TCP_ICMP_IGNORED));
            layer.pathMtuChanged(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT, c.iss + 1, 1000);
            assertEquals(1000 - 40, c.sendMss());
        }

        @Test
        void pathMtuIsBoundedByTheMinimumMtu() {
            TcpConnection c = established();
            layer.pathMtuChanged(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT, c.iss + 1, 68);
            assertEquals(576 - 40, c.sendMss());
        }

        @Test
        void keepAliveProbesThenTimesOut() {
            settings.keepAlive = true;
            settings.keepAliveIdleNanos = 10_000_000_000L;
            settings.keepAliveIntervalNanos = 1_000_000_000L;
            settings.keepAliveCount = 2;
            TcpConnection c = established();
            advance(10_000_000_000L);
            expect(Seg.of(ACK, c.iss, REMOTE_ISN + 1));
            advance(1_000_000_000L);
            expect(Seg.of(ACK, c.iss, REMOTE_ISN + 1));
            advance(1_000_000_000L);
            expect(Seg.of(RST, c.iss + 1, 0).window(0));
            assertEquals(TcpConnection.Error.TIMED_OUT, c.error());
        }

        /**
         * RFC 1122 §4.2.3.6: keep-alive probes an idle connection only. With data unacknowledged the
         * retransmission timer watches the peer (and gives up after its own count), whatever the keep-alive
         * interval; no probe goes out between backed-off retransmissions.
         */
        @Test
        void noKeepAliveProbeWhileDataIsOutstanding() {
            settings.keepAlive = true;
            settings.keepAliveIdleNanos = 1_000_000_000L;
            settings.keepAliveIntervalNanos = 1_000_000_000L;
            settings.keepAliveCount = 2;
            TcpConnection c = established();
            c.write(new byte[100], 0, 100);
            layer.poll(now);
            out.sent.clear();
            for (int i = 0; i < 600; i++) {
                advance(100_000_000L); // a silent peer for a minute: retransmissions back off past 1 s
            }
            assertEquals(0, layer.stats().keepAliveProbes);
            for (Seg s : out.sent) {
                assertEquals(100, s.payload.length, s.toString()); // retransmissions only
            }
            assertEquals(TcpState.ESTABLISHED, c.state());
            assertEquals(TcpConnection.Error.NONE, c.error());
        }

        /** The same behind a zero window: the persist timer probes the window; keep-alive stays quiet. */
        @Test
        void noKeepAliveProbeWhileDataWaitsForAZeroWindow() {
            settings.keepAlive = true;
            settings.keepAliveIdleNanos = 1_000_000_000L;
            settings.keepAliveIntervalNanos = 1_000_000_000L;
            settings.keepAliveCount = 2;
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).window(0));
            c.write(new byte[100], 0, 100);
            for (int i = 0; i < 600; i++) {
                advance(100_000_000L);
                int probes = out.sent.size();
                out.sent.clear();
                for (int p = 0; p < probes; p++) {
                    // each window probe is answered, with the window still closed
                    send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).window(0));
                }
                out.sent.clear();
            }
            assertEquals(0, layer.stats().keepAliveProbes);
            assertTrue(layer.stats().zeroWindowProbes > 0);
            assertEquals(TcpState.ESTABLISHED, c.state());
        }

        /** Once the data is acknowledged and the connection idle again, keep-alive resumes. */
        @Test
        void keepAliveResumesWhenTheConnectionIsIdleAgain() {
            settings.keepAlive = true;
            settings.keepAliveIdleNanos = 1_000_000_000L;
            settings.keepAliveIntervalNanos = 1_000_000_000L;
            settings.keepAliveCount = 2;
            TcpConnection c = established();
            c.write(new byte[100], 0, 100);
            layer.poll(now);
            for (int i = 0; i < 50; i++) {
                advance(100_000_000L);
            }
            out.sent.clear();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 101));
            expectNothing();
            advance(1_000_000_000L);
            expect(Seg.of(ACK, c.iss + 100, REMOTE_ISN + 1));
            assertEquals(1, layer.stats().keepAliveProbes);
        }
    }

    @Nested
    class FinWait1 {
        @Test
        void ackOfFinMovesToFinWait2() {
            finWait2();
        }

        @Test
        void finWithoutAckOfOursMovesToClosing() {
            closing();
        }

        @Test
        void finAndAckMoveToTimeWait() {
            TcpConnection c = finWait1();
            send(Seg.of(FIN | ACK, REMOTE_ISN + 1, c.iss + 2));
            expect(Seg.of(ACK, c.iss + 2, REMOTE_ISN + 2).window(WINDOW - 1));
            assertEquals(TcpState.TIME_WAIT, c.state());
        }

        @Test
        void finIsRetransmitted() {
            TcpConnection c = finWait1();
            advance(200_000_000L); // RTO floor: the handshake measured a zero RTT
            expect(Seg.of(FIN | ACK, c.iss + 1, REMOTE_ISN + 1));
        }

        @Test
        void dataStillAcceptedAfterShutdownOutput() {
            TcpConnection c = established();
            c.shutdownOutput();
            layer.poll(now);
            expect(Seg.of(FIN | ACK, c.iss + 1, REMOTE_ISN + 1));
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("more"));
            expect(Seg.of(ACK, c.iss + 2, REMOTE_ISN + 5).window(WINDOW - 4));
            assertEquals("more", read(c));
        }
    }

    @Nested
    class FinWait2 {
        @Test
        void newDataAfterCloseIsReset() {
            TcpConnection c = finWait2();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 2).payload("late"));
            expect(Seg.of(RST, c.iss + 2, 0).window(0));
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(1, layer.dropCount(DropReason.TCP_DATA_AFTER_CLOSE));
        }

        @Test
        void dataAfterShutdownOutputOnlyIsDelivered() {
            TcpConnection c = established();
            c.shutdownOutput();
            layer.poll(now);
            out.sent.clear();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 2));
            assertEquals(TcpState.FIN_WAIT_2, c.state());
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 2).payload("more"));
            expect(Seg.of(ACK, c.iss + 2, REMOTE_ISN + 5).window(WINDOW - 4));
            assertEquals("more", read(c));
        }

        @Test
        void finMovesToTimeWait() {
            timeWait();
        }

        @Test
        void orphanTimesOut() {
            TcpConnection c = finWait2();
            advance(60_000_000_000L);
            assertEquals(TcpState.CLOSED, c.state());
            expectNothing();
            assertEquals(0, layer.connectionCount());
        }
    }

    @Nested
    class CloseWait {
        @Test
        void closeSendsFinAndMovesToLastAck() {
            lastAck();
        }

        @Test
        void canStillSend() {
            TcpConnection c = closeWait();
            c.write("bye".getBytes(), 0, 3);
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 2).payload("bye").window(WINDOW - 1));
            assertEquals(TcpConnection.EOF, c.read(ByteBuffer.allocate(4)));
        }

        @Test
        void rstResets() {
            TcpConnection c = closeWait();
            send(Seg.of(RST, REMOTE_ISN + 2, 0));
            assertEquals(TcpConnection.Error.RESET, c.error());
        }
    }

    @Nested
    class Closing {
        @Test
        void ackOfFinMovesToTimeWait() {
            TcpConnection c = closing();
            send(Seg.of(ACK, REMOTE_ISN + 2, c.iss + 2));
            expectNothing();
            assertEquals(TcpState.TIME_WAIT, c.state());
        }

        @Test
        void rstCloses() {
            TcpConnection c = closing();
            send(Seg.of(RST, REMOTE_ISN + 2, 0));
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpConnection.Error.NONE, c.error());
        }
    }

    @Nested
    class LastAck {
        @Test
        void ackOfFinCloses() {
            TcpConnection c = lastAck();
            send(Seg.of(ACK, REMOTE_ISN + 2, c.iss + 2));
            expectNothing();
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(0, layer.connectionCount());
        }

        @Test
        void finIsRetransmitted() {
            TcpConnection c = lastAck();
            advance(200_000_000L);
            expect(Seg.of(FIN | ACK, c.iss + 1, REMOTE_ISN + 2).window(WINDOW - 1));
        }
    }

    @Nested
    class TimeWait {
        @Test
        void expiresAfterTwoMsl() {
            TcpConnection c = timeWait();
            advance(59_000_000_000L);
            assertEquals(TcpState.TIME_WAIT, c.state());
            advance(1_000_000_000L);
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(0, layer.connectionCount());
            expectNothing();
        }

        @Test
        void retransmittedFinIsAcked() {
            TcpConnection c = timeWait();
            send(Seg.of(FIN | ACK, REMOTE_ISN + 1, c.iss + 2));
            expect(Seg.of(ACK, c.iss + 2, REMOTE_ISN + 2).window(WINDOW - 1));
            assertEquals(TcpState.TIME_WAIT, c.state());
        }

        @Test
        void synGetsChallengeAck() {
            TcpConnection c = timeWait();
            send(Seg.of(SYN, REMOTE_ISN + 2, 0));
            expect(Seg.of(ACK, c.iss + 2, REMOTE_ISN + 2).window(WINDOW - 1));
        }

        @Test
        void rstCloses() {
            TcpConnection c = timeWait();
            send(Seg.of(RST, REMOTE_ISN + 2, 0));
            assertEquals(TcpState.CLOSED, c.state());
            assertFalse(c.isReadable() && c.error() != TcpConnection.Error.NONE);
            assertTrue(c.rcvFin);
        }
    }
}
