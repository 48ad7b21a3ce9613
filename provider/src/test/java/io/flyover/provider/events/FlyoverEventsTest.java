package io.flyover.provider.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.policy.KernelRoute;
import io.flyover.provider.policy.KernelRoutingTable;
import io.flyover.provider.policy.OffloadDecision;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.OffloadPolicy;
import io.flyover.provider.policy.OffloadRules;
import io.flyover.provider.policy.SocketRole;
import io.flyover.stack.DropReason;
import io.flyover.stack.LoopbackHost;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flyover's JFR events recorded with {@link Recording} and read back with {@link RecordingFile}: the
 * connection lifecycle of a real loopback connection, an offload decision from the real policy, and
 * the periodic drops event, which reports growth per reason and never once per packet.
 */
class FlyoverEventsTest {
    @TempDir
    Path dir;

    private List<RecordedEvent> stopAndRead(Recording r, String name) throws Exception {
        r.stop();
        Path file = dir.resolve(name + ".jfr");
        r.dump(file);
        r.close();
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().startsWith("io.flyover.")).toList();
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    @Test
    void connectionLifecycleOfALoopbackConnection() throws Exception {
        IpAddress lo = IpAddress.LOOPBACK_V4;
        Recording r = new Recording();
        r.enable(ConnectionOpenedEvent.class);
        r.enable(ConnectionEstablishedEvent.class);
        r.enable(ConnectionClosedEvent.class);
        r.start();
        long bytesSent;
        int clientPort;
        try (LoopbackHost h = new LoopbackHost()) {
            TcpListener l = h.stack.tcp().listen(0, 0, 8080, 4, null);
            FlyoverEvents.connectionOpened("TCP", new InetSocketAddress(InetAddress.getByName("::"), 8080), null,
                    OffloadPath.OFFLOAD, "lo", "listen");
            TcpConnection c = h.stack.tcp().connect(lo.hi(), lo.lo(), 0, lo.hi(), lo.lo(), 8080, null, h.now);
            FlyoverEvents.connectionOpened(c, "connect", "lo");
            h.settle();
            TcpConnection s = l.accept();
            FlyoverEvents.connectionOpened(s, "accept", "lo");
            FlyoverEvents.connectionEstablished(c, "lo", 12_345);
            c.write(new byte[1000], 0, 1000);
            h.stack.flush();
            h.settle();
            s.read(new byte[2000], 0, 2000);
            c.abort(h.now);
            h.settle();
            FlyoverEvents.connectionClosed(c, "lo", null, 5_000_000);
            FlyoverEvents.connectionClosed(s, "lo", null, 4_000_000);
            bytesSent = c.payloadBytesSent();
            clientPort = c.localPort();
        }
        FlyoverEvents.connectionClosed("TCP", new InetSocketAddress(InetAddress.getByName("198.18.0.1"), 40000),
                new InetSocketAddress(InetAddress.getByName("198.18.0.2"), 80), OffloadPath.KERNEL, null, "closed", 10, 20, 0);
        List<RecordedEvent> events = stopAndRead(r, "lifecycle");

        List<RecordedEvent> opened = named(events, "io.flyover.ConnectionOpened");
        assertEquals(List.of("listen", "connect", "accept"), opened.stream().map(e -> e.getString("openedBy")).toList());
        RecordedEvent connect = opened.get(1);
        assertEquals("TCP", connect.getString("protocol"));
        assertEquals("127.0.0.1", connect.getString("localAddress"));
        assertEquals(clientPort, connect.getInt("localPort"));
        assertEquals("127.0.0.1", connect.getString("remoteAddress"));
        assertEquals(8080, connect.getInt("remotePort"));
        assertEquals("OFFLOAD", connect.getString("path"));
        assertEquals("lo", connect.getString("interfaceName"));
        assertEquals(8080, opened.get(2).getInt("localPort"), "the accepted side's local port is the listener's");
        assertEquals(null, opened.get(0).getString("remoteAddress"), "a listener has no peer");
        assertEquals("::", opened.get(0).getString("localAddress").replace("0:0:0:0:0:0:0:0", "::"));

        RecordedEvent established = named(events, "io.flyover.ConnectionEstablished").getFirst();
        assertEquals(Duration.ofNanos(12_345), established.getDuration("handshake"));

        List<RecordedEvent> closed = named(events, "io.flyover.ConnectionClosed");
        assertEquals(3, closed.size());
        assertEquals("aborted", closed.get(0).getString("reason"), "the client aborted");
        assertEquals(1000, bytesSent);
        assertEquals(1000, closed.get(0).getLong("bytesOut"));
        assertEquals(1000, closed.get(1).getLong("bytesIn"));
        assertEquals("reset by peer", closed.get(1).getString("reason"), "the abort's RST reached the server");
        assertEquals(Duration.ofMillis(5), closed.get(0).getDuration("lifetime"));
        assertEquals("KERNEL", closed.get(2).getString("path"));
        assertEquals("198.18.0.2", closed.get(2).getString("remoteAddress"));
        assertEquals(20, closed.get(2).getLong("bytesOut"));
    }

    @Test
    void offloadDecisionCarriesTheRuleOrRouteThatDecided() throws Exception {
        KernelRoutingTable routes = new KernelRoutingTable(List.of(
                new KernelRoute(InetAddress.getByName("198.18.0.0"), 15, null, 0, "veth0")));
        OffloadPolicy policy = new OffloadPolicy(OffloadRules.parse("kernel tcp_client 198.18.7.0/24", "test rules"),
                () -> routes, name -> name.equals("veth0"), false);
        InetAddress ruled = InetAddress.getByName("198.18.7.9");
        InetAddress routed = InetAddress.getByName("198.18.9.1");
        Recording r = new Recording();
        r.enable(OffloadDecisionEvent.class);
        r.start();
        OffloadDecision byRule = policy.decide(SocketRole.TCP_CLIENT, ruled, 443);
        FlyoverEvents.offloadDecision(SocketRole.TCP_CLIENT, ruled, 443, byRule);
        OffloadDecision byRoute = policy.decide(SocketRole.UDP_CONNECT, routed, 53);
        FlyoverEvents.offloadDecision(SocketRole.UDP_CONNECT, routed, 53, byRoute);
        List<RecordedEvent> events = named(stopAndRead(r, "decision"), "io.flyover.OffloadDecision");
        assertEquals(2, events.size());
        RecordedEvent e = events.get(0);
        assertEquals("tcp_client", e.getString("role"));
        assertEquals("198.18.7.9", e.getString("address"));
        assertEquals(443, e.getInt("port"));
        assertEquals("KERNEL", e.getString("decision"));
        assertEquals(null, e.getString("interfaceName"));
        assertEquals("rule test rules:1", e.getString("decidedBy"));
        assertNotNull(e.getStackTrace(), "a decision records who opened the socket");
        RecordedEvent f = events.get(1);
        assertEquals("udp_connect", f.getString("role"));
        assertEquals("OFFLOAD", f.getString("decision"));
        assertEquals("veth0", f.getString("interfaceName"));
        assertEquals("route leaves through veth0", f.getString("decidedBy"));
    }

    @Test
    void dropsArePeriodicCountsPerReasonNeverPerPacket() throws Exception {
        AtomicLongArray drops = new AtomicLongArray(DropReason.values().length);
        drops.set(DropReason.UDP_NO_SOCKET.ordinal(), 100); // before registration: not reported
        Recording r = new Recording();
        r.enable(DropsEvent.class).withPeriod(Duration.ofMillis(20));
        r.start();
        try (AutoCloseable _ = DropsEvents.register("stack 0 test", drops::get)) {
            // 5,000 frames dropped between two periods (one add, so that no period falls amid them).
            drops.addAndGet(DropReason.TCP_BAD_CHECKSUM.ordinal(), 5_000);
            awaitEvent(r, "TCP_BAD_CHECKSUM", 5_000);
            drops.addAndGet(DropReason.TCP_BAD_CHECKSUM.ordinal(), 7);
            drops.addAndGet(DropReason.IP_BAD_CHECKSUM.ordinal(), 3);
            awaitEvent(r, "IP_BAD_CHECKSUM", 3);
            awaitEvent(r, "TCP_BAD_CHECKSUM", 5_007);
        }
        List<RecordedEvent> events = named(stopAndRead(r, "drops"), "io.flyover.Drops").stream()
                .filter(e -> "stack 0 test".equals(e.getString("stack"))).toList();
        List<RecordedEvent> tcp = events.stream().filter(e -> e.getString("reason").equals("TCP_BAD_CHECKSUM")).toList();
        assertEquals(List.of(5_000L, 7L), tcp.stream().map(e -> e.getLong("count")).toList(), "one event per period with growth");
        assertEquals(List.of(5_000L, 5_007L), tcp.stream().map(e -> e.getLong("total")).toList());
        assertEquals(3, events.stream().filter(e -> e.getString("reason").equals("IP_BAD_CHECKSUM")).mapToLong(e -> e.getLong("count")).sum());
        assertFalse(events.stream().anyMatch(e -> e.getString("reason").equals("UDP_NO_SOCKET")), "drops before registration are not news");
        assertEquals(3, events.size(), "only reasons that grew, once per period: " + events);
    }

    /** Dumps the running recording until it holds a drops event for {@code reason} with this total (30 s at most). */
    private void awaitEvent(Recording r, String reason, long total) throws Exception {
        Path file = dir.resolve("poll.jfr");
        for (int i = 0; i < 600; i++) {
            r.dump(file);
            boolean seen = RecordingFile.readAllEvents(file).stream()
                    .anyMatch(e -> e.getEventType().getName().equals("io.flyover.Drops")
                            && reason.equals(e.getString("reason")) && e.getLong("total") == total);
            if (seen) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no drops event for " + reason + " with total " + total);
    }

    @Test
    void eventTypesAreLabelledAndCategorised() {
        // Registering makes the types known to FlightRecorder without a recording.
        for (Class<? extends jdk.jfr.Event> c : List.of(ConnectionOpenedEvent.class, ConnectionEstablishedEvent.class,
                ConnectionClosedEvent.class, OffloadDecisionEvent.class, DropsEvent.class)) {
            FlightRecorder.register(c);
            EventType t = EventType.getEventType(c);
            assertTrue(t.getName().startsWith("io.flyover."), t.getName());
            assertEquals("Flyover", t.getCategoryNames().getFirst());
            assertEquals(2, t.getCategoryNames().size());
            assertNotNull(t.getLabel());
            assertNotNull(t.getDescription());
            for (var f : t.getFields()) {
                assertNotNull(f.getLabel(), t.getName() + "." + f.getName() + " has a label");
            }
        }
        assertEquals("Connections", EventType.getEventType(ConnectionClosedEvent.class).getCategoryNames().get(1));
        assertEquals(DropReason.values().length, DropReason.values().length);
    }
}
