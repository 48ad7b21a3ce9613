package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SO_REUSEPORT listeners (Linux semantics): the bind matrix, connections spread over a group by a hash of
 * their 4-tuple and sticky per flow, and a closed member leaving the rest serving while the connections
 * queued on it are reset.
 */
class TcpReusePortTest {
    static final long A = 0x0000_FFFF_C612_0001L;
    static final long B = 0x0000_FFFF_C612_0002L;
    static final int PORT = 8080;

    final FramePool pool = FramePool.allocate(2048);
    final FrameCache cache = pool.newCache(64);
    final ArrayDeque<long[]> wire = new ArrayDeque<>();
    final long now = 1_000_000_000L;

    final class Out implements SegmentOutput {
        @Override
        public boolean sendSegment(long lh, long ll, long rh, long rl, int frame) {
            wire.add(new long[] {frame, rl});
            return true;
        }

        @Override
        public int pathMtu(long rh, long rl) { return 1500; }
    }

    final TcpSettings settings = new TcpSettings();
    final TcpLayer client = new TcpLayer(pool, cache, new Out(), new SeededRandom(1), settings);
    final TcpLayer server = new TcpLayer(pool, cache, new Out(), new SeededRandom(2), settings);

    void settle() {
        for (int i = 0; i < 1000 && !wire.isEmpty(); i++) {
            int n = wire.size();
            for (int k = 0; k < n; k++) {
                long[] p = wire.poll();
                int f = (int) p[0];
                TcpLayer to = p[1] == A ? client : server;
                to.receive(now, 0, p[1] == A ? B : A, 0, p[1], f, pool.dataOffset(f), pool.dataLength(f));
            }
            client.poll(now);
            server.poll(now);
        }
    }

    @AfterEach
    void noLeaks() {
        while (!wire.isEmpty()) {
            cache.release((int) wire.poll()[0]);
        }
        cache.close();
        pool.checkAllReturned();
        pool.close();
    }

    TcpListener listen(boolean reusePort) {
        return server.listen(0, B, PORT, 128, settings, reusePort);
    }

    TcpConnection connect(int sourcePort) {
        return client.connect(0, A, sourcePort, 0, B, PORT, settings, now);
    }

    /** Which listener accepted the connection from each source port. */
    static Map<Integer, TcpListener> drain(TcpListener... group) {
        Map<Integer, TcpListener> byPort = new HashMap<>();
        for (TcpListener l : group) {
            for (TcpConnection c; (c = l.accept()) != null; ) {
                assertEquals(TcpState.ESTABLISHED, c.state());
                assertNull(byPort.put(c.remotePort(), l));
            }
        }
        return byPort;
    }

    @Test
    void sharingTheAddressAndPortNeedsReusePortOnEveryListener() {
        TcpListener plain = listen(false);
        assertThrows(IllegalStateException.class, () -> listen(false));
        assertThrows(IllegalStateException.class, () -> listen(true));
        plain.close(now);

        TcpListener first = listen(true);
        assertThrows(IllegalStateException.class, () -> listen(false));
        TcpListener second = listen(true);
        assertTrue(first.reusePort() && second.reusePort());
        // another address, or the wildcard, is not the same group and never conflicted
        server.listen(0, 0, PORT, 16, settings, false).close(now);
        first.close(now);
        second.close(now);
        listen(false).close(now);
    }

    @Test
    void connectionsAreSpreadOverTheGroupAndEachFlowSticksToItsListener() {
        TcpListener one = listen(true);
        TcpListener two = listen(true);
        int flows = 64;
        TcpConnection[] clients = new TcpConnection[flows];
        for (int i = 0; i < flows; i++) {
            clients[i] = connect(20_000 + i);
        }
        settle();
        for (TcpConnection c : clients) {
            assertEquals(TcpState.ESTABLISHED, c.state());
        }
        Map<Integer, TcpListener> first = drain(one, two);
        assertEquals(flows, first.size());
        long toOne = first.values().stream().filter(l -> l == one).count();
        assertTrue(toOne > 0 && toOne < flows, "both listeners get connections: " + toOne + " of " + flows);

        // the same 4-tuples again (after an abortive close, no TIME-WAIT): every flow reaches the same listener
        for (TcpConnection c : clients) {
            c.abort(now);
        }
        settle();
        for (int i = 0; i < flows; i++) {
            clients[i] = connect(20_000 + i);
        }
        settle();
        Map<Integer, TcpListener> again = drain(one, two);
        assertEquals(first, again);
        for (TcpConnection c : clients) {
            c.abort(now);
        }
        settle();
    }

    @Test
    void closingOneMemberLeavesTheOthersServingAndResetsWhatWasQueuedOnIt() {
        TcpListener one = listen(true);
        TcpListener two = listen(true);
        int flows = 32;
        TcpConnection[] queued = new TcpConnection[flows];
        for (int i = 0; i < flows; i++) {
            queued[i] = connect(30_000 + i);
        }
        settle();
        int onOne = one.pending();
        assertTrue(onOne > 0 && two.pending() > 0, onOne + " / " + two.pending());

        one.close(now); // Linux inet_csk_listen_stop: children not yet accepted are reset
        settle();
        int reset = 0;
        for (TcpConnection c : queued) {
            if (c.state() == TcpState.CLOSED) {
                assertEquals(TcpConnection.Error.RESET, c.error());
                reset++;
            } else {
                assertEquals(TcpState.ESTABLISHED, c.state());
            }
        }
        assertEquals(onOne, reset);
        assertEquals(flows - onOne, two.pending());

        TcpConnection[] later = new TcpConnection[flows];
        for (int i = 0; i < flows; i++) {
            later[i] = connect(40_000 + i);
        }
        settle();
        for (TcpConnection c : later) {
            assertEquals(TcpState.ESTABLISHED, c.state());
        }
        assertEquals(2 * flows - onOne, drain(two).size());
        for (TcpConnection c : queued) {
            c.abort(now);
        }
        for (TcpConnection c : later) {
            c.abort(now);
        }
        settle();
        two.close(now);
    }

    @Test
    void aListenerOnTheAddressWinsOverAWildcardGroup() {
        TcpListener anyOne = server.listen(0, 0, PORT, 16, settings, true);
        TcpListener anyTwo = server.listen(0, 0, PORT, 16, settings, true);
        TcpListener exact = listen(false);
        TcpConnection[] clients = new TcpConnection[8];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = connect(50_000 + i);
        }
        settle();
        assertEquals(clients.length, exact.pending());
        assertEquals(0, anyOne.pending() + anyTwo.pending());
        assertNotNull(exact.accept());
        for (TcpConnection k : clients) {
            k.abort(now);
        }
        settle();
        exact.close(now);
        anyOne.close(now);
        anyTwo.close(now);
    }
}
