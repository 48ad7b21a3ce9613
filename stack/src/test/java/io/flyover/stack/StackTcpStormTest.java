package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.Impairment;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.sim.SimulatedLan;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpReadinessListener;
import io.flyover.stack.tcp.TcpSettings;
import io.flyover.stack.tcp.TcpStats;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A storm of 10,000 connections between two full stacks on a slightly lossy simulated LAN: each is
 * opened, carries one request and its response, and is closed, at most {@link #CONCURRENT} at a time.
 * The server listens on four ports (two on the wildcard address for both families, one on its IPv4 and
 * one on its IPv6 address) with small backlogs, so SYN cookies (RFC 4987) take part; half the
 * connections are closed first by the client, half by the server, so TIME-WAIT sits on either side.
 * The applications are driven by {@link TcpReadinessListener} events, as the provider's selector is.
 * At the end no connection, listener or frame is left. {@code -Dflyover.tcp.stackstorm=N} changes the
 * count; {@code -Dflyover.tcp.stormcapture=DIR} writes each host's pcap there.
 */
class StackTcpStormTest {
    static final int CONNECTIONS = Integer.getInteger("flyover.tcp.stackstorm", 10_000);
    static final int CONCURRENT = 500;
    static final int BACKLOG = 64;
    static final IpAddress[] CLIENT = {IpAddress.parse("198.18.0.1"), IpAddress.parse("fd00::1")};
    static final IpAddress[] SERVER = {IpAddress.parse("198.18.0.2"), IpAddress.parse("fd00::2")};
    /** Ports by family: 80 and 81 are wildcard listeners; 82 listens on IPv4 only, 83 on IPv6 only. */
    static final int[][] PORTS = {{80, 81, 82}, {80, 81, 83}};

    /** One connection's application state, kept in {@link TcpConnection#attachment}. */
    static final class Session {
        /** The connection's number, or -1 on the server until the request's first four bytes name it. */
        int id = -1;
        /** The request (and its echo): the id in four bytes, then 60 to 252 bytes derived from it. */
        byte[] expected = new byte[4];
        byte[] received = new byte[4];
        int got;
        boolean sent;
        boolean closed;

        static Session of(int id) {
            Session s = new Session();
            s.identify(id);
            return s;
        }

        void identify(int id) {
            this.id = id;
            int length = 64 + id % 193;
            expected = new byte[length];
            for (int i = 4; i < length; i++) {
                expected[i] = (byte) (id * 31 + i * 7);
            }
            expected[0] = (byte) (id >>> 24);
            expected[1] = (byte) (id >>> 16);
            expected[2] = (byte) (id >>> 8);
            expected[3] = (byte) id;
            received = Arrays.copyOf(received, length);
        }

        /** HTTP/1.0 style: the server closes first on even connections, the client on odd ones. */
        boolean serverClosesFirst() {
            return id % 2 == 0;
        }
    }

    /** A stack whose application runs the events its readiness listener queued. */
    abstract static class Side implements Pollable, AutoCloseable, TcpReadinessListener {
        final Stack stack;
        final ArrayDeque<TcpConnection> ready = new ArrayDeque<>();
        final ArrayDeque<TcpListener> acceptable = new ArrayDeque<>();
        final byte[] scratch = new byte[512];
        int failed;

        Side(int index, NetDevice device, RandomSource random, TcpSettings settings) {
            stack = new Stack(StackConfig.builder().tcpDefaults(settings).ipv4("198.18.0." + (index + 1), 24)
                    .ipv6("fd00::" + (index + 1), 64).build(), device, random);
            stack.tcp().setReadinessListener(this);
        }

        @Override public void onReadable(TcpConnection c) { ready.add(c); }
        @Override public void onWritable(TcpConnection c) { ready.add(c); }
        @Override public void onConnected(TcpConnection c) { ready.add(c); }
        @Override public void onAcceptable(TcpListener l) { acceptable.add(l); }

        @Override
        public long poll(long now) {
            long next = stack.poll(now);
            return app(now) ? now : next;
        }

        /** Handles queued events; true when the application did anything the stack must act on. */
        abstract boolean app(long now);

        /** Reads what is there into the session; true at end of stream. */
        boolean readInto(Session s, TcpConnection c) {
            while (true) {
                int n;
                if (s.got < s.received.length) {
                    n = c.read(s.received, s.got, s.received.length - s.got);
                } else if (s.id < 0) {
                    return false; // the four bytes naming the connection are in; the caller sizes the rest
                } else {
                    n = c.read(scratch, 0, scratch.length);
                }
                if (n == TcpConnection.EOF) {
                    return true;
                }
                if (n <= 0) {
                    return false;
                }
                if (s.got == s.received.length) {
                    throw new AssertionError("connection " + s.id + ": more bytes than were sent");
                }
                s.got += n;
            }
        }

        void fail(Session s, TcpConnection c) {
            if (!s.closed) {
                s.closed = true;
                failed++;
                System.out.println("connection " + s.id + " failed: " + c.state() + "/" + c.error());
            }
        }

        @Override
        public void close() {
            stack.close();
        }
    }

    /** Opens connections, sends each request, checks the echoed response, closes. */
    static final class Client extends Side {
        int opened;
        int completed;
        int active;

        Client(NetDevice device, RandomSource random, TcpSettings settings) {
            super(0, device, random, settings);
        }

        @Override
        boolean app(long now) {
            boolean progress = false;
            while (active < CONCURRENT && opened < CONNECTIONS) {
                int id = opened++;
                int family = id % 2;
                int port = PORTS[family][(id / 2) % 3];
                TcpConnection c = stack.tcp().connect(CLIENT[family].hi(), CLIENT[family].lo(), 0,
                        SERVER[family].hi(), SERVER[family].lo(), port, null, now);
                c.attachment = Session.of(id);
                active++;
                progress = true;
            }
            TcpConnection c;
            while ((c = ready.poll()) != null) {
                Session s = (Session) c.attachment;
                if (s.closed) {
                    continue;
                }
                if (c.error() != TcpConnection.Error.NONE) {
                    fail(s, c);
                    active--;
                    continue;
                }
                if (!s.sent && c.isConnected()) {
                    assertEquals(s.expected.length, c.write(s.expected, 0, s.expected.length));
                    s.sent = true;
                    progress = true;
                }
                boolean eof = readInto(s, c);
                if (s.got == s.expected.length && (eof || !s.serverClosesFirst())) {
                    if (!Arrays.equals(s.expected, s.received)) {
                        throw new AssertionError("connection " + s.id + ": wrong response");
                    }
                    c.close(now);
                    s.closed = true;
                    completed++;
                    active--;
                    progress = true;
                } else if (eof) {
                    throw new AssertionError("connection " + s.id + ": end of stream after " + s.got + " bytes");
                }
            }
            return progress;
        }
    }

    /** Accepts on every listener, echoes each request, closes first on even connections. */
    static final class Server extends Side {
        final List<TcpListener> listeners = new ArrayList<>();
        int accepted;

        Server(NetDevice device, RandomSource random, TcpSettings settings) {
            super(1, device, random, settings);
            listeners.add(stack.tcp().listen(0, 0, 80, BACKLOG, settings));
            listeners.add(stack.tcp().listen(0, 0, 81, BACKLOG, settings));
            listeners.add(stack.tcp().listen(SERVER[0].hi(), SERVER[0].lo(), 82, BACKLOG, settings));
            listeners.add(stack.tcp().listen(SERVER[1].hi(), SERVER[1].lo(), 83, BACKLOG, settings));
        }

        @Override
        boolean app(long now) {
            boolean progress = false;
            TcpListener l;
            while ((l = acceptable.poll()) != null) {
                TcpConnection c;
                while ((c = l.accept()) != null) {
                    accepted++;
                    ready.add(c); // the request may already be waiting
                }
            }
            TcpConnection c;
            while ((c = ready.poll()) != null) {
                Session s = (Session) c.attachment;
                if (s == null) {
                    c.attachment = s = new Session();
                }
                if (s.closed) {
                    continue;
                }
                if (c.error() != TcpConnection.Error.NONE) {
                    fail(s, c);
                    continue;
                }
                boolean eof = readInto(s, c);
                if (s.id < 0 && s.got == 4) {
                    s.identify(((s.received[0] & 0xFF) << 24) | ((s.received[1] & 0xFF) << 16)
                            | ((s.received[2] & 0xFF) << 8) | (s.received[3] & 0xFF));
                    eof = readInto(s, c);
                }
                if (s.id >= 0 && s.got == s.expected.length && !s.sent) {
                    if (!Arrays.equals(s.expected, s.received)) {
                        throw new AssertionError("connection " + s.id + ": wrong request");
                    }
                    assertEquals(s.expected.length, c.write(s.received, 0, s.got));
                    s.sent = true;
                    progress = true;
                }
                if (s.sent && (s.serverClosesFirst() || eof)) {
                    c.close(now);
                    s.closed = true;
                    progress = true;
                } else if (eof && !s.sent) {
                    throw new AssertionError("connection " + s.id + ": end of stream in the request");
                }
            }
            return progress;
        }

        @Override
        public void close() {
            for (TcpListener l : listeners) {
                l.close(stack.netInterface().now());
            }
            super.close();
        }
    }

    @Test
    void tenThousandConnectionsOpenedUsedAndClosed() {
        TcpSettings settings = new TcpSettings();
        settings.receiveBufferSize = 2048; // small buffers keep 10,000 connections' memory sane
        settings.sendBufferSize = 2048;
        settings.noDelay = true;
        settings.timeWaitNanos = 2_000_000_000L;
        Impairment link = Impairment.builder().loss(0.01).duplicate(0.002).delay(200_000, 100_000)
                .rate(1_000_000_000L).build();
        Client[] client = new Client[1];
        Server[] server = new Server[1];
        SimulatedLan.Builder builder = SimulatedLan.builder().seed(2026).hosts(2).framesPerHost(4096).ringSize(4096);
        String capture = System.getProperty("flyover.tcp.stormcapture"); // a directory for host0/1.pcap
        if (capture != null) {
            builder.capture(java.nio.file.Path.of(capture));
        }
        builder.impairment(link).hostFactory((device, random) -> SimulatedLan.hostIndexOf(device) == 0
                ? (client[0] = new Client(device, random, settings))
                : (server[0] = new Server(device, random, settings)));
        try (SimulatedLan lan = builder.build()) {
            Client a = client[0];
            Server b = server[0];
            lan.simulator().addReport(() -> "client: opened " + a.opened + " completed " + a.completed + " failed "
                    + a.failed + " active " + a.active + " connections " + a.stack.tcp().connectionCount() + " "
                    + a.stack.counters() + "\n  server: accepted " + b.accepted + " failed " + b.failed
                    + " connections " + b.stack.tcp().connectionCount() + " " + b.stack.counters());
            lan.simulator().runUntilOrFail("every connection done and gone",
                    () -> a.completed + a.failed == CONNECTIONS && a.stack.tcp().connectionCount() == 0
                            && b.stack.tcp().connectionCount() == 0, 3_600_000_000_000L);
            long virtualNanos = lan.simulator().nowNanos();
            assertEquals(0, a.failed, "client connections failed");
            assertEquals(0, b.failed, "server connections failed");
            assertEquals(CONNECTIONS, a.completed);
            assertEquals(CONNECTIONS, b.accepted);
            for (TcpListener l : b.listeners) {
                assertEquals(0, l.pending());
            }
            TcpStats cs = a.stack.tcp().stats();
            TcpStats ss = b.stack.tcp().stats();
            assertEquals(CONNECTIONS, cs.activeOpens);
            assertEquals(CONNECTIONS, ss.passiveOpens);
            // Jitter reorders segments: late ones reach closed connections (or a listener, as a bad cookie) and
            // are answered by a RST (RFC 9293 §3.10.7.1), which may end a TIME-WAIT early (§3.10.7.4).
            System.out.println("  client " + a.stack.counters() + "\n  server " + b.stack.counters());
            lan.closeAndCheckNoFrameLeaked();
            System.out.println("stack storm: " + CONNECTIONS + " connections in " + virtualNanos / 1_000_000
                    + " virtual ms, " + (cs.segmentsOut + ss.segmentsOut) + " segments, "
                    + (cs.retransmittedSegments + ss.retransmittedSegments) + " retransmitted, syn cookies sent "
                    + ss.synCookiesSent + " accepted " + ss.synCookiesAccepted + ", resets to stray segments "
                    + (cs.resetsSent + ss.resetsSent));
        }
    }
}
