package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.util.ArrayDeque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two real layers wired back to back (no loss): simultaneous open and close, abortive close, half-close. */
class TcpEndToEndTest {
    static final long A = 0x0000_FFFF_C612_0001L;
    static final long B = 0x0000_FFFF_C612_0002L;

    final FramePool pool = FramePool.allocate(512);
    final FrameCache cache = pool.newCache(64);
    /** In-flight frames: {frame, destination}. Delivered only when the test says so, so segments can cross. */
    final ArrayDeque<long[]> wire = new ArrayDeque<>();
    long now = 1_000_000_000L;

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
    final TcpLayer a = new TcpLayer(pool, cache, new Out(), new SeededRandom(1), settings);
    final TcpLayer b = new TcpLayer(pool, cache, new Out(), new SeededRandom(2), settings);

    /** Delivers everything now on the wire (not what those deliveries cause). */
    void deliverBatch() {
        int n = wire.size();
        for (int i = 0; i < n; i++) {
            long[] p = wire.poll();
            int f = (int) p[0];
            TcpLayer to = p[1] == A ? a : b;
            long from = p[1] == A ? B : A;
            to.receive(now, 0, from, 0, p[1], f, pool.dataOffset(f), pool.dataLength(f));
        }
    }

    void settle() {
        for (int i = 0; i < 1000 && !wire.isEmpty(); i++) {
            deliverBatch();
            a.poll(now);
            b.poll(now);
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

    @Test
    void simultaneousOpenAndSimultaneousClose() {
        TcpConnection ca = a.connect(0, A, 1111, 0, B, 2222, settings, now);
        TcpConnection cb = b.connect(0, B, 2222, 0, A, 1111, settings, now);
        assertEquals(2, wire.size()); // the two SYNs cross
        deliverBatch();
        assertEquals(TcpState.SYN_RECEIVED, ca.state());
        assertEquals(TcpState.SYN_RECEIVED, cb.state());
        settle();
        assertEquals(TcpState.ESTABLISHED, ca.state());
        assertEquals(TcpState.ESTABLISHED, cb.state());
        assertEquals(3, ca.write("abc".getBytes(), 0, 3));
        a.poll(now);
        settle();
        byte[] got = new byte[3];
        assertEquals(3, cb.read(got, 0, 3));
        assertEquals("abc", new String(got));
        // both close at once: the FINs cross, both go through CLOSING to TIME-WAIT
        ca.close(now);
        cb.close(now);
        a.poll(now);
        b.poll(now);
        deliverBatch();
        assertEquals(TcpState.CLOSING, ca.state());
        assertEquals(TcpState.CLOSING, cb.state());
        settle();
        assertEquals(TcpState.TIME_WAIT, ca.state());
        assertEquals(TcpState.TIME_WAIT, cb.state());
        now += settings.timeWaitNanos;
        a.poll(now);
        b.poll(now);
        assertEquals(0, a.connectionCount());
        assertEquals(0, b.connectionCount());
    }

    @Test
    void readinessIsReported() {
        java.util.List<String> events = new java.util.ArrayList<>();
        a.setReadinessListener(new TcpReadinessListener() {
            @Override public void onReadable(TcpConnection c) { events.add("A readable"); }
            @Override public void onWritable(TcpConnection c) { events.add("A writable"); }
            @Override public void onConnected(TcpConnection c) { events.add("A connected " + c.isConnected()); }
        });
        b.setReadinessListener(new TcpReadinessListener() {
            @Override public void onReadable(TcpConnection c) { events.add("B readable"); }
            @Override public void onAcceptable(TcpListener l) { events.add("B acceptable"); }
        });
        TcpListener l = b.listen(0, B, 80, 4, settings);
        TcpConnection ca = a.connect(0, A, 0, 0, B, 80, settings, now);
        settle();
        assertEquals(java.util.List.of("A connected true", "A writable", "B acceptable"), events);
        events.clear();
        TcpConnection cb = l.accept();
        ca.write("x".getBytes(), 0, 1);
        a.poll(now);
        settle();
        assertEquals(java.util.List.of("B readable", "A writable"), events);
        events.clear();
        ca.abort(now);
        settle();
        assertEquals(java.util.List.of("A readable", "A writable", "B readable"), events);
        assertEquals(TcpConnection.Error.RESET, cb.error());
        l.close(now);
    }

    @Test
    void abortiveCloseResetsThePeer() {
        TcpListener l = b.listen(0, B, 80, 4, settings);
        TcpConnection ca = a.connect(0, A, 0, 0, B, 80, settings, now);
        settle();
        TcpConnection cb = l.accept();
        ca.settings.lingerNanos = 0;
        ca.close(now);
        assertEquals(TcpState.CLOSED, ca.state());
        settle();
        assertEquals(TcpState.CLOSED, cb.state());
        assertEquals(TcpConnection.Error.RESET, cb.error());
        assertEquals(TcpConnection.FAILED, cb.read(new byte[1], 0, 1));
        assertEquals(TcpConnection.FAILED, cb.write(new byte[1], 0, 1));
        assertEquals(0, a.connectionCount());
        assertEquals(0, b.connectionCount());
        l.close(now);
    }

    @Test
    void halfCloseKeepsTheOtherDirectionOpen() {
        TcpListener l = b.listen(0, B, 80, 4, settings);
        TcpConnection ca = a.connect(0, A, 0, 0, B, 80, settings, now);
        settle();
        TcpConnection cb = l.accept();
        ca.shutdownOutput();
        a.poll(now);
        settle();
        assertEquals(TcpState.FIN_WAIT_2, ca.state());
        assertEquals(TcpState.CLOSE_WAIT, cb.state());
        assertEquals(TcpConnection.EOF, cb.read(new byte[1], 0, 1));
        assertEquals(TcpConnection.FAILED, ca.write(new byte[1], 0, 1));
        byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 251);
        }
        int written = 0;
        byte[] got = new byte[big.length];
        int read = 0;
        for (int round = 0; round < 10_000 && read < big.length; round++) {
            if (written < big.length) {
                written += Math.max(cb.write(big, written, big.length - written), 0);
            }
            b.poll(now);
            settle();
            int n;
            while ((n = ca.read(got, read, got.length - read)) > 0) {
                read += n;
            }
            now += 1_000_000;
        }
        assertEquals(big.length, read);
        assertTrue(java.util.Arrays.equals(big, got));
        cb.close(now);
        b.poll(now);
        settle();
        assertEquals(TcpConnection.EOF, ca.read(new byte[1], 0, 1));
        assertEquals(TcpState.TIME_WAIT, ca.state());
        assertEquals(TcpState.CLOSED, cb.state());
        ca.close(now);
        now += settings.timeWaitNanos;
        a.poll(now);
        assertEquals(0, a.connectionCount());
        l.close(now);
    }

    @Test
    void urgentDataBetweenTwoLayers() {
        TcpListener l = b.listen(0, B, 80, 4, settings);
        TcpConnection ca = a.connect(0, A, 0, 0, B, 80, settings, now);
        settle();
        TcpConnection cb = l.accept();
        // SO_OOBINLINE off (the default): the urgent byte never reaches the reader
        ca.write("ab".getBytes(), 0, 2);
        assertEquals(1, ca.writeUrgent((byte) '!'));
        ca.write("cd".getBytes(), 0, 2);
        a.poll(now);
        settle();
        assertEquals("abcd", drain(cb));
        // the same with each write in its own segment
        ca.write("ab".getBytes(), 0, 2);
        a.poll(now);
        deliverBatch();
        assertEquals(1, ca.writeUrgent((byte) '!'));
        a.poll(now);
        deliverBatch();
        ca.write("cd".getBytes(), 0, 2);
        a.poll(now);
        settle();
        assertEquals("abcd", drain(cb));
        // SO_OOBINLINE on: it stays in the stream, and the sender's urgent mode ended with the ACK
        TcpSettings inline = settings.clone();
        inline.oobInline = true;
        cb.updateOptions(inline, now);
        ca.write("ef".getBytes(), 0, 2);
        ca.writeUrgent((byte) '?');
        ca.write("gh".getBytes(), 0, 2);
        a.poll(now);
        settle();
        assertEquals("ef?gh", drain(cb));
        assertFalse(ca.sndUrgent);
        ca.abort(now);
        cb.abort(now);
        l.close(now);
        settle();
    }

    private static String drain(TcpConnection c) {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[64];
        for (int i = 0; i < 8; i++) {
            int n = c.read(buf, 0, buf.length);
            if (n > 0) {
                sb.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
        return sb.toString();
    }
}
