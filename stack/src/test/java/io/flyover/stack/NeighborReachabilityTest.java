package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.net.IpAddress;
import io.flyover.stack.net.NeighborCache;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Neighbour reachability between two stacks (RFC 4861 section 7.3, ARP included): TCP's forward
 * progress confirms the next hop (section 7.3.1), so a connection exchanging data keeps its neighbour
 * REACHABLE and never waits for, nor even sends, a probe.
 */
class NeighborReachabilityTest {
    private static final long MS = 1_000_000L;
    private static final long REACHABLE = 5_000 * MS;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void tcpForwardProgressKeepsBothNeighborsReachableWithoutProbes(boolean v4) {
        StackConfig.Builder config = StackConfig.builder().neighborTimers(REACHABLE, 1_000 * MS, 3);
        StackConfig.Builder config2 = StackConfig.builder().neighborTimers(REACHABLE, 1_000 * MS, 3);
        try (TwoStacks n = new TwoStacks(config, config2)) {
            IpAddress a = v4 ? TwoStacks.A4 : TwoStacks.A6;
            IpAddress b = v4 ? TwoStacks.B4 : TwoStacks.B6;
            TcpListener listener = n.b.tcp().listen(0, 0, 7000, 16, null);
            TcpConnection client = n.a.tcp().connect(a.hi(), a.lo(), 0, b.hi(), b.lo(), 7000, null, n.now);
            n.advance(10 * MS, MS);
            TcpConnection server = listener.accept();
            assertNotNull(server);
            NeighborCache atA = n.a.netInterface().neighbors();
            NeighborCache atB = n.b.netInterface().neighbors();
            long solicitedByA = atA.solicitationsSent();
            long solicitedByB = atB.solicitationsSent();
            // A request and an answer every 2 s for a minute: twelve reachable times.
            byte[] request = new byte[100];
            ByteBuffer reply = ByteBuffer.allocate(100);
            for (int round = 0; round < 30; round++) {
                request[0] = (byte) round;
                assertEquals(100, client.write(ByteBuffer.wrap(request)));
                n.advance(5 * MS, MS);
                ByteBuffer got = ByteBuffer.allocate(100);
                assertEquals(100, server.read(got));
                assertArrayEquals(request, got.array());
                assertEquals(100, server.write(got.flip()));
                n.advance(5 * MS, MS);
                reply.clear();
                assertEquals(100, client.read(reply));
                n.advance(1_990 * MS, 10 * MS);
                assertTrue(atA.isReachable(b.hi(), b.lo(), n.now), "round " + round);
                assertTrue(atB.isReachable(a.hi(), a.lo(), n.now), "round " + round);
            }
            assertEquals(solicitedByA, atA.solicitationsSent());
            assertEquals(solicitedByB, atB.solicitationsSent());
            assertEquals(0, client.retransmissions());
            client.abort(n.now);
            server.abort(n.now);
            listener.close(n.now);
            n.advance(10 * MS, MS);
        }
    }
}
