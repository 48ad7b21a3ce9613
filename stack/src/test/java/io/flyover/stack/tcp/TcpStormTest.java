package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A storm of 10,000 connections opened, used (request/response) and closed between two layers over a
 * slightly lossy link, at most 1,000 at a time, with a small listen backlog so that SYN cookies and
 * TIME-WAIT reuse (RFC 6191) are exercised. Nothing may leak.
 */
class TcpStormTest {
    static final int CONNECTIONS = Integer.getInteger("flyover.tcp.storm", 10_000);
    static final int CONCURRENT = 1_000;
    static final long A = 0x0000_FFFF_C612_0001L;
    static final long B = 0x0000_FFFF_C612_0002L;

    long now = 1_000_000_000L;

    final class End implements SegmentOutput {
        final FramePool pool = FramePool.allocate(4096);
        final FrameCache cache = pool.newCache(64);
        final long addr;
        final TcpLayer layer;
        ImpairedLink link;

        End(long addr, SeededRandom r, TcpSettings s) {
            this.addr = addr;
            this.layer = new TcpLayer(pool, cache, this, r, s);
        }

        @Override
        public boolean sendSegment(long lh, long ll, long rh, long rl, int frame) {
            byte[] b = pool.region().asSlice(pool.dataAddress(frame), pool.dataLength(frame)).toArray(ValueLayout.JAVA_BYTE);
            cache.release(frame);
            link.send(now, b);
            return true;
        }

        @Override
        public int pathMtu(long rh, long rl) { return 1500; }

        void deliver(byte[] b, long from) {
            int f = cache.acquire();
            MemorySegment.copy(MemorySegment.ofArray(b), 0, pool.region(), pool.frameBase(f) + pool.headroom(), b.length);
            layer.receive(now, 0, from, 0, addr, f, pool.headroom(), b.length);
        }
    }

    static final class Client {
        TcpConnection c;
        byte[] request;
        byte[] response = new byte[64];
        int got;
        boolean sent;
        boolean done;
    }

    static final class Server {
        TcpConnection c;
        byte[] request = new byte[64];
        int got;
        boolean replied;
        boolean closed;
    }

    @Test
    void tenThousandConnections() {
        SeededRandom random = new SeededRandom(2026);
        TcpSettings s = new TcpSettings();
        s.receiveBufferSize = 4096;
        s.sendBufferSize = 4096;
        s.timeWaitNanos = 2_000_000_000L;
        s.noDelay = true;
        End a = new End(A, random.split(), s);
        End b = new End(B, random.split(), s);
        a.link = new ImpairedLink(random.split());
        b.link = new ImpairedLink(random.split());
        for (ImpairedLink l : new ImpairedLink[] {a.link, b.link}) {
            l.loss = 0.01;
            l.delayNanos = 2_000_000;
            l.bitsPerSecond = 10_000_000_000L;
            l.queueLimit = 100_000;
        }
        TcpListener listener = b.layer.listen(0, B, 80, 64, s);
        List<Client> clients = new ArrayList<>();
        List<Server> servers = new ArrayList<>();
        int opened = 0;
        int completed = 0;
        int failed = 0;
        byte[] buf = new byte[128];
        long limit = now + 3_600_000_000_000L;
        while (completed + failed < CONNECTIONS) {
            assertTrue(now < limit, "time limit");
            while (clients.size() < CONCURRENT && opened < CONNECTIONS) {
                Client cl = new Client();
                cl.request = new byte[64];
                for (int i = 0; i < 64; i++) {
                    cl.request[i] = (byte) (opened * 31 + i);
                }
                cl.c = a.layer.connect(0, A, 0, 0, B, 80, s, now);
                clients.add(cl);
                opened++;
            }
            byte[] p;
            while ((p = a.link.poll(now)) != null) {
                b.deliver(p, A);
            }
            while ((p = b.link.poll(now)) != null) {
                a.deliver(p, B);
            }
            TcpConnection acc;
            while ((acc = listener.accept()) != null) {
                Server sv = new Server();
                sv.c = acc;
                servers.add(sv);
            }
            for (Iterator<Server> it = servers.iterator(); it.hasNext(); ) {
                Server sv = it.next();
                int n;
                while (sv.got < 64 && (n = sv.c.read(sv.request, sv.got, 64 - sv.got)) > 0) {
                    sv.got += n;
                }
                if (sv.got == 64 && !sv.replied) {
                    assertEquals(64, sv.c.write(sv.request, 0, 64)); // echo
                    sv.c.shutdownOutput();
                    sv.replied = true;
                }
                if (sv.replied && sv.c.read(buf, 0, buf.length) == TcpConnection.EOF) {
                    sv.c.close(now);
                    it.remove();
                } else if (sv.c.state() == TcpState.CLOSED) {
                    it.remove();
                }
            }
            for (Iterator<Client> it = clients.iterator(); it.hasNext(); ) {
                Client cl = it.next();
                if (!cl.sent && cl.c.state() == TcpState.ESTABLISHED) {
                    assertEquals(64, cl.c.write(cl.request, 0, 64));
                    cl.sent = true;
                }
                int n;
                while (cl.got < 64 && (n = cl.c.read(cl.response, cl.got, 64 - cl.got)) > 0) {
                    cl.got += n;
                }
                if (cl.got == 64 && cl.c.read(buf, 0, buf.length) == TcpConnection.EOF) {
                    assertArrayEquals(cl.request, cl.response);
                    cl.c.close(now);
                    completed++;
                    it.remove();
                } else if (cl.c.state() == TcpState.CLOSED) {
                    failed++;
                    it.remove();
                }
            }
            long na = a.layer.poll(now);
            long nb = b.layer.poll(now);
            long next = Math.min(Math.min(na, nb), Math.min(a.link.nextArrival(), b.link.nextArrival()));
            now = Math.max(now + 1, Math.min(next, now + 1_000_000)); // the applications run at least every ms
        }
        // drain: TIME-WAIT and the last FINs
        for (int i = 0; i < 10_000 && (a.layer.connectionCount() + b.layer.connectionCount() > 0 || !a.link.isEmpty()
                || !b.link.isEmpty()); i++) {
            byte[] p;
            while ((p = a.link.poll(now)) != null) {
                b.deliver(p, A);
            }
            while ((p = b.link.poll(now)) != null) {
                a.deliver(p, B);
            }
            long next = Math.min(Math.min(a.layer.poll(now), b.layer.poll(now)), Math.min(a.link.nextArrival(), b.link.nextArrival()));
            now = Math.max(now + 1, next == Long.MAX_VALUE ? now + 1 : next);
        }
        System.out.println("storm: " + completed + " completed, " + failed + " failed, syn cookies sent "
                + b.layer.stats().synCookiesSent + ", accepted " + b.layer.stats().synCookiesAccepted
                + ", virtual seconds " + (now / 1e9));
        assertEquals(CONNECTIONS, completed);
        assertEquals(0, failed);
        assertEquals(0, a.layer.connectionCount());
        assertEquals(0, b.layer.connectionCount());
        listener.close(now);
        a.cache.close();
        b.cache.close();
        a.pool.checkAllReturned();
        b.pool.checkAllReturned();
        a.pool.close();
        b.pool.close();
    }
}
