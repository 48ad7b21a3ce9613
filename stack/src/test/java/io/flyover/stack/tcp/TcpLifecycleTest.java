package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Socket-option and lifecycle behaviour: SO_LINGER, TIME-WAIT reuse, window updates, keep-alive, listener close. */
class TcpLifecycleTest extends TcpTestBase {

    @Test
    void lingerWithTimeoutResetsWhenDataStaysUnacknowledged() {
        TcpConnection c = established();
        c.settings.lingerNanos = 5_000_000_000L;
        c.write("unacked".getBytes(), 0, 7);
        layer.poll(now);
        out.sent.clear();
        c.close(now);
        for (int i = 0; i < 50 && c.state() != TcpState.CLOSED; i++) {
            advance(100_000_000L); // retransmissions come and go, never acknowledged
        }
        assertEquals(TcpState.CLOSED, c.state());
        Seg last = out.sent.get(out.sent.size() - 1);
        assertEquals(RST, last.flags);
        assertEquals(TcpConnection.Error.ABORTED, c.error());
        out.sent.clear();
    }

    @Test
    void lingerWithTimeoutClosesNormallyWhenAcknowledged() {
        TcpConnection c = established();
        c.settings.lingerNanos = 5_000_000_000L;
        c.write("data".getBytes(), 0, 4);
        c.close(now);
        layer.poll(now);
        expect(Seg.of(ACK | PSH | FIN, c.iss + 1, REMOTE_ISN + 1).payload("data"));
        send(Seg.of(ACK | FIN, REMOTE_ISN + 1, c.iss + 6));
        expect(Seg.of(ACK, c.iss + 6, REMOTE_ISN + 2).window(WINDOW - 1));
        assertEquals(TcpState.TIME_WAIT, c.state());
        advance(6_000_000_000L);
        assertEquals(TcpState.TIME_WAIT, c.state()); // linger expiry does not abort a finished close
        expectNothing();
    }

    @Test
    void closeInSynReceivedSendsFinOnceEstablished() {
        TcpConnection c = synReceived();
        c.shutdownOutput();
        layer.poll(now);
        expectNothing();
        send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1));
        expect(Seg.of(ACK | FIN, c.iss + 1, REMOTE_ISN + 1));
        assertEquals(TcpState.FIN_WAIT_1, c.state());
    }

    @Test
    void newSynReopensTimeWait() {
        TcpConnection old = timeWait();
        send(Seg.of(SYN, REMOTE_ISN + 100_000, 0).mss(1460));
        TcpConnection fresh = layer.find(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT);
        assertNotSame(old, fresh);
        assertEquals(TcpState.CLOSED, old.state());
        assertEquals(TcpState.SYN_RECEIVED, fresh.state());
        expect(Seg.of(SYN | ACK, fresh.iss, REMOTE_ISN + 100_001).mss(1460));
    }

    @Test
    void oldSynDoesNotReopenTimeWait() {
        TcpConnection old = timeWait();
        send(Seg.of(SYN, REMOTE_ISN - 5, 0).mss(1460));
        assertEquals(TcpState.TIME_WAIT, old.state());
        expect(Seg.of(ACK, old.iss + 2, REMOTE_ISN + 2).window(WINDOW - 1));
    }

    @Test
    void windowUpdateAfterReadingAFullBuffer() {
        TcpConnection c = established();
        c.quickAcks = 100;
        byte[] chunk = new byte[1024];
        for (int i = 0; i < 4; i++) {
            send(Seg.of(ACK, REMOTE_ISN + 1 + i * 1024, c.iss + 1).payload(chunk));
        }
        assertEquals(0, out.sent.get(out.sent.size() - 1).window);
        out.sent.clear();
        byte[] sink = new byte[4096];
        assertEquals(4096, c.read(sink, 0, sink.length));
        layer.poll(now);
        // RFC 9293 §3.8.6.2.2: the reopened window is announced at once
        expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1 + 4096).window(WINDOW));
    }

    @Test
    void smallReadsDoNotAnnounceSillyWindows() {
        TcpConnection c = established();
        c.quickAcks = 100;
        byte[] chunk = new byte[1024];
        for (int i = 0; i < 4; i++) {
            send(Seg.of(ACK, REMOTE_ISN + 1 + i * 1024, c.iss + 1).payload(chunk));
        }
        out.sent.clear();
        byte[] sink = new byte[10];
        c.read(sink, 0, sink.length);
        layer.poll(now);
        expectNothing();
    }

    @Test
    void keepAliveAnsweredKeepsConnection() {
        settings.keepAlive = true;
        settings.keepAliveIdleNanos = 10_000_000_000L;
        settings.keepAliveIntervalNanos = 1_000_000_000L;
        settings.keepAliveCount = 2;
        TcpConnection c = established();
        for (int round = 0; round < 5; round++) {
            advance(10_000_000_000L);
            expect(Seg.of(ACK, c.iss, REMOTE_ISN + 1));
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1)); // the peer answers the probe
            expectNothing();
        }
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void closingListenerResetsUnacceptedConnections() {
        TcpConnection c = established();
        TcpConnection pending = null;
        // a second connection left in the accept queue
        sendFromPort(REMOTE_PORT + 1, Seg.of(SYN, 7000, 0).mss(1460));
        Seg synAck = out.sent.remove(0);
        sendFromPort(REMOTE_PORT + 1, Seg.of(ACK, 7001, synAck.seq + 1));
        assertEquals(1, listener.pending());
        listener.close(now);
        assertEquals(1, out.sent.size());
        assertEquals(RST, out.sent.get(0).flags);
        out.sent.clear();
        assertEquals(TcpState.ESTABLISHED, c.state()); // accepted connections are not affected
        assertTrue(pending == null);
        // new SYNs are now refused
        sendFromPort(REMOTE_PORT + 2, Seg.of(SYN, 9000, 0));
        assertEquals(RST | ACK, out.sent.remove(0).flags);
    }

    void sendFromPort(int port, Seg s) {
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
}
