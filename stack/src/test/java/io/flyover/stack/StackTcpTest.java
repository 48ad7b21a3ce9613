package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpSettings;
import io.flyover.stack.tcp.TcpState;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** TCP wired into {@link Stack}: two stacks over a veth pair, through Ethernet, ARP/ND and IP. */
class StackTcpTest {
    private static final long MS = 1_000_000L;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void connectTransferBothWaysAndCloseOverIpv4AndIpv6(boolean v4) {
        try (TwoStacks n = new TwoStacks()) {
            IpAddress a = v4 ? TwoStacks.A4 : TwoStacks.A6;
            IpAddress b = v4 ? TwoStacks.B4 : TwoStacks.B6;
            TcpListener listener = n.b.tcp().listen(0, 0, 7000, 16, null);
            TcpConnection client = n.a.tcp().connect(a.hi(), a.lo(), 0, b.hi(), b.lo(), 7000, null, n.now);
            n.advance(10 * MS, MS);
            assertTrue(client.isConnected(), client.toString());
            TcpConnection server = listener.accept();
            assertNotNull(server);
            assertEquals(a.lo(), server.remoteAddressLo());
            assertEquals(client.localPort(), server.remotePort());

            byte[] up = random(300_000, 1);
            byte[] down = random(200_000, 2);
            ByteBuffer upSrc = ByteBuffer.wrap(up), downSrc = ByteBuffer.wrap(down);
            ByteBuffer upDst = ByteBuffer.allocate(up.length), downDst = ByteBuffer.allocate(down.length);
            for (int i = 0; i < 10_000 && (upDst.hasRemaining() || downDst.hasRemaining()); i++) {
                client.write(upSrc);
                server.write(downSrc);
                n.advance(MS / 10, MS / 10);
                server.read(upDst);
                client.read(downDst);
            }
            assertArrayEquals(up, upDst.array());
            assertArrayEquals(down, downDst.array());
            // Full-size segments: the MSS came from the interface MTU.
            assertEquals(v4 ? 1460 : 1440, client.sendMss());

            client.shutdownOutput();
            n.advance(10 * MS, MS);
            assertEquals(TcpConnection.EOF, server.read(ByteBuffer.allocate(1)));
            server.close(n.now);
            client.close(n.now);
            n.advance(10 * MS, MS);
            assertEquals(TcpState.TIME_WAIT, client.state());
            assertEquals(TcpState.CLOSED, server.state());
            listener.close(n.now);
            n.advance(61_000 * MS, 1_000 * MS); // 2*MSL passes
            assertEquals(0, n.a.tcp().connectionCount());
            assertEquals(0, n.b.tcp().connectionCount());
        }
    }

    @Test
    void connectToAClosedPortIsRefusedByReset() {
        try (TwoStacks n = new TwoStacks()) {
            TcpConnection c = n.a.tcp().connect(TwoStacks.A4.hi(), TwoStacks.A4.lo(), 0, TwoStacks.B4.hi(),
                    TwoStacks.B4.lo(), 9, null, n.now);
            n.advance(5 * MS, MS);
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpConnection.Error.REFUSED, c.error());
            assertEquals(0, n.a.tcp().connectionCount());
            // The SYN that found no socket is one dropped frame at B (answered by RST), never "consumed".
            StackCounters b = n.b.counters();
            assertEquals(1, b.drops(DropReason.TCP_NO_SOCKET));
            assertEquals(b.rxFrames(), b.rxConsumed() + b.rxDropped(), b.toString());
            assertEquals(1, b.rxDropped() - b.drops(DropReason.NEIGHBOR_NOT_FOR_US) - b.drops(DropReason.ETHERNET_NOT_FOR_US),
                    b.toString());
        }
    }

    @Test
    void keepAliveAndLingerChangeOnALiveConnection() {
        try (TwoStacks n = new TwoStacks()) {
            TcpListener listener = n.b.tcp().listen(0, 0, 7000, 16, null);
            TcpConnection client = n.a.tcp().connect(TwoStacks.A4.hi(), TwoStacks.A4.lo(), 0, TwoStacks.B4.hi(),
                    TwoStacks.B4.lo(), 7000, null, n.now);
            n.advance(10 * MS, MS);
            TcpConnection server = listener.accept();
            n.advance(5_000 * MS, 100 * MS);
            assertEquals(0, n.a.tcp().stats().keepAliveProbes, "keep-alive is off by default");

            // RFC 1122 §4.2.3.6: SO_KEEPALIVE switched on after the handshake probes once idle 1 s.
            TcpSettings live = new TcpSettings();
            live.keepAlive = true;
            live.keepAliveIdleNanos = 1_000 * MS;
            live.keepAliveIntervalNanos = 1_000 * MS;
            live.keepAliveCount = 3;
            client.updateOptions(live, n.now);
            n.advance(500 * MS, 100 * MS);
            assertEquals(0, n.a.tcp().stats().keepAliveProbes, "not before the idle time");
            n.advance(1_000 * MS, 100 * MS);
            assertTrue(n.a.tcp().stats().keepAliveProbes > 0, "probed once idle");
            assertEquals(TcpState.ESTABLISHED, client.state(), "the peer answered the probes");

            // SO_LINGER 0 set on the live socket makes close abortive (RFC 9293 §3.10.4 ABORT).
            live.lingerNanos = 0;
            client.updateOptions(live, n.now);
            client.close(n.now);
            n.advance(5 * MS, MS);
            assertEquals(TcpState.CLOSED, server.state());
            assertEquals(TcpConnection.Error.RESET, server.error());
        }
    }

    @Test
    void theSmallerMtuOfAPeerLimitsTheMss() {
        try (TwoStacks n = new TwoStacks(StackConfig.builder(), StackConfig.builder().mtu(1280))) {
            TcpListener listener = n.b.tcp().listen(0, 0, 7000, 16, null);
            TcpConnection client = n.a.tcp().connect(TwoStacks.A6.hi(), TwoStacks.A6.lo(), 0, TwoStacks.B6.hi(),
                    TwoStacks.B6.lo(), 7000, null, n.now);
            n.advance(10 * MS, MS);
            assertTrue(client.isConnected());
            assertEquals(1280 - 60, client.sendMss());
            TcpConnection server = listener.accept();
            client.abort(n.now);
            n.advance(5 * MS, MS);
            assertEquals(TcpState.CLOSED, server.state());
            assertEquals(TcpConnection.Error.RESET, server.error());
        }
    }

    private static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }
}
