package io.flyover.provider.stats;

import static io.flyover.provider.stats.MiniJson.array;
import static io.flyover.provider.stats.MiniJson.object;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider wired to its statistics file and JFR events: a TCP exchange over loopback offload is
 * visible to {@code flyover-stat --once --json} (the process, its loopback stack's counters, the
 * connection's own counters) and in a JFR recording (offload decisions, connection opened,
 * established and closed).
 */
class ProviderStatsTest {
    @TempDir
    Path dir;

    private static final int PAYLOAD = 10_000;

    @Test
    void aLoopbackExchangeShowsInFlyoverStatAndInJfr() throws Exception {
        Recording recording = new Recording();
        recording.enable("io.flyover.OffloadDecision");
        recording.enable("io.flyover.ConnectionOpened");
        recording.enable("io.flyover.ConnectionEstablished");
        recording.enable("io.flyover.ConnectionClosed");
        recording.start();
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true",
                "flyover.stats.dir", dir.toString()))) {
            Path file = p.statsFile();
            assertNotNull(file, "statistics are on by default");
            String pid = Long.toString(ProcessHandle.current().pid());
            try (ServerSocketChannel server = p.openServerSocketChannel()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                 SocketChannel client = p.openSocketChannel()) {
                client.connect(server.getLocalAddress());
                try (SocketChannel accepted = server.accept()) {
                    client.write(ByteBuffer.allocate(PAYLOAD));
                    ByteBuffer in = ByteBuffer.allocate(PAYLOAD);
                    while (in.hasRemaining()) {
                        assertTrue(accepted.read(in) >= 0);
                    }
                    assertEquals(2, p.counters().offloaded(io.flyover.provider.policy.SocketRole.TCP_CLIENT)
                            + p.counters().offloaded(io.flyover.provider.policy.SocketRole.TCP_SERVER));

                    // the stack thread publishes every flyover.stats.interval.ms: wait for a snapshot showing the bytes
                    Map<String, Object> snapshot = null;
                    Map<String, Object> sending = null;
                    for (int i = 0; i < 500 && sending == null; i++) {
                        snapshot = object(MiniJson.parse(stat("--dir", file.getParent().toString(), "--json", "--once", pid)));
                        sending = array(snapshot.get("sockets")).stream().map(MiniJson::object)
                                .filter(s -> object(s.get("counters")).get("bytesOut") instanceof Number n && n.longValue() >= PAYLOAD)
                                .findFirst().orElse(null);
                        if (sending == null) {
                            Thread.sleep(20);
                        }
                    }
                    assertNotNull(sending, "the client connection with its bytes: " + snapshot);
                    int clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
                    assertTrue(((String) sending.get("description")).contains(":" + clientPort + " -> "), sending.toString());
                    assertEquals(Long.parseLong(pid), number(snapshot.get("pid")));
                    Map<String, Object> process = object(object(snapshot.get("process")).get("counters"));
                    assertTrue(number(process.get("sockets.offloaded")) >= 3, "listener, client, accepted: " + process);
                    assertTrue(number(process.get("decided.tcp_client.offload")) >= 1, process.toString());
                    assertTrue(array(snapshot.get("stacks")).stream().map(MiniJson::object)
                            .filter(s -> ((String) s.get("description")).endsWith(" lo"))
                            .anyMatch(s -> number(object(s.get("counters")).get("txPackets")) > 0), "the loopback stack: " + snapshot.get("stacks"));
                    assertTrue(array(snapshot.get("sockets")).stream().map(MiniJson::object)
                            .anyMatch(s -> ((String) s.get("description")).startsWith("tcp listen")), "the listener");
                }
            }
        }
        recording.stop();
        Path jfr = dir.resolve("run.jfr");
        recording.dump(jfr);
        recording.close();
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.flyover.OffloadDecision")
                && "tcp_client".equals(e.getString("role")) && "OFFLOAD".equals(e.getString("decision"))), "a client offload decision");
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.flyover.ConnectionOpened")
                && "connect".equals(e.getString("openedBy"))), "connect");
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.flyover.ConnectionOpened")
                && "accept".equals(e.getString("openedBy"))), "accept");
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.flyover.ConnectionEstablished")), "established");
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.flyover.ConnectionClosed")
                && e.getLong("bytesOut") == PAYLOAD), "the client's close with its bytes");
    }

    private static long number(Object o) {
        return ((Number) o).longValue();
    }

    private static String stat(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = FlyoverStat.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertFalse(out.toString(StandardCharsets.UTF_8).isBlank());
        return out.toString(StandardCharsets.UTF_8);
    }
}
