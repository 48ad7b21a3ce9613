package io.flyover.samples.sockperf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The real sockperf client against {@link SockperfServer} over the JDK's default provider on loopback:
 * ping-pong, throughput and under-load, TCP and UDP. The sockperf reports are printed to the test
 * output (target/surefire-reports). Each test has its own server, and the tests run at once: sockperf
 * 3.7 sleeps 2 s before every test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@Execution(ExecutionMode.CONCURRENT)
class SockperfServerTest {
    private static final List<Double> PERCENTILES = List.of(25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999);

    private SockperfServer server;
    private Thread serverThread;
    private String port;

    @BeforeEach
    void start() throws Exception {
        SockperfClient.requireInstalled();
        server = SockperfServer.open(JdkSelectorProvider.get(), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        port = Integer.toString(server.localAddress().getPort());
        serverThread = Thread.ofPlatform().name("sockperf-server").start(server);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            serverThread.join(5_000);
            assertTrue(!serverThread.isAlive(), "the server thread ends after close()");
        }
    }

    @Test
    void tcpPingPong() throws Exception {
        SockperfClient.Report r = SockperfClient.run("ping-pong", "-i", "127.0.0.1", "-p", port, "--tcp", "-t", "1");
        assertValidLatencyReport(r);
        assertEquals(r.validSent(), r.validReceived(), r.toString());
        // Every message sockperf sent reached the server, in order, and each was answered.
        awaitEquals(r.totalSent(), () -> server.counters().messages(), r);
        assertEquals(server.counters().messages(), server.counters().replies(), r.toString());
        assertCleanSequence();
    }

    @Test
    void udpPingPongWithLargerMessages() throws Exception {
        SockperfClient.Report r = SockperfClient.run("ping-pong", "-i", "127.0.0.1", "-p", port, "-t", "1", "-m", "1000");
        assertValidLatencyReport(r);
        assertEquals(r.validSent(), r.validReceived(), r.toString());
        awaitEquals(r.totalSent(), () -> server.counters().messages(), r);
        assertEquals(server.counters().messages(), server.counters().replies(), r.toString());
        assertCleanSequence();
    }

    @Test
    void tcpThroughputOfMessagesThatStraddleReads() throws Exception {
        SockperfClient.Report r = SockperfClient.run("throughput", "-i", "127.0.0.1", "-p", port, "--tcp", "-t", "1", "--mps", "10000", "-m", "3000");
        assertTrue(r.sentInThroughputTest() > 0 && r.messageRate() > 0, r.toString());
        // TCP loses nothing: the server counts exactly what sockperf says it sent, and answers none.
        awaitEquals(r.sentInThroughputTest(), () -> server.counters().messages(), r);
        assertEquals(0, server.counters().replies(), r.toString());
        assertCleanSequence();
    }

    @Test
    void udpThroughput() throws Exception {
        SockperfClient.Report r = SockperfClient.run("throughput", "-i", "127.0.0.1", "-p", port, "-t", "1", "--mps", "5000");
        long sent = r.sentInThroughputTest();
        assertTrue(sent > 0 && r.messageRate() > 0, r.toString());
        awaitEquals(sent, () -> server.counters().messages() + server.counters().sequenceGaps(), r, 3_000);
        SockperfCounters c = server.counters();
        // Loopback UDP neither reorders nor duplicates; it only drops when our receive buffer overflows,
        // which a loaded test machine can cause: tolerate 5 % and account for every message.
        assertEquals(0, c.outOfOrder(), r + "\nserver: " + c);
        assertTrue(c.messages() + c.sequenceGaps() <= sent, r + "\nserver: " + c);
        assertTrue(c.messages() >= sent * 0.95, "the server received " + c.messages() + " of " + sent + " datagrams\n" + r);
        assertEquals(0, c.replies(), r.toString());
        assertEquals(0, c.malformed(), c.toString());
    }

    @Test
    void tcpUnderLoadAnswersOneMessageInAHundred() throws Exception {
        SockperfClient.Report r = SockperfClient.run("under-load", "-i", "127.0.0.1", "-p", port, "--tcp", "-t", "1", "--mps", "5000");
        assertTrue(r.validReceived() > 0, r.toString());
        assertEquals(0, r.dropped(), r.toString());
        assertEquals(0, r.duplicated(), r.toString());
        assertEquals(0, r.outOfOrder(), r.toString());
        awaitEquals(r.totalSent(), () -> server.counters().messages(), r);
        SockperfCounters c = server.counters();
        assertTrue(Math.abs(c.replies() - c.messages() / 100) <= 1, "--reply-every defaults to 100: " + c + "\n" + r);
        assertTrue(r.totalReceived() <= c.replies(), r + "\nserver: " + c);
        assertCleanSequence();
    }

    /** A latency run: nothing lost, duplicated or reordered, and a full, ordered percentile table. */
    private static void assertValidLatencyReport(SockperfClient.Report r) {
        assertTrue(r.validReceived() > 0, r.toString());
        assertEquals(0, r.dropped(), r.toString());
        assertEquals(0, r.duplicated(), r.toString());
        assertEquals(0, r.outOfOrder(), r.toString());
        TreeMap<Double, Double> table = r.percentiles();
        assertEquals(PERCENTILES, List.copyOf(table.keySet()), r.toString());
        double previous = r.observation("MIN");
        assertTrue(previous > 0, r.toString());
        for (Map.Entry<Double, Double> row : table.entrySet()) {
            assertTrue(row.getValue() >= previous, "percentile " + row.getKey() + " below the one before it\n" + r);
            previous = row.getValue();
        }
        assertTrue(r.observation("MAX") >= previous, r.toString());
    }

    private void assertCleanSequence() {
        SockperfCounters c = server.counters();
        assertEquals(0, c.sequenceGaps(), c.toString());
        assertEquals(0, c.outOfOrder(), c.toString());
        assertEquals(0, c.malformed(), c.toString());
        assertEquals(0, c.repliesDropped(), c.toString());
    }

    private static void awaitEquals(long expected, LongSupplier actual, SockperfClient.Report r) throws InterruptedException {
        awaitEquals(expected, actual, r, 5_000);
    }

    /** The server may still be reading the client's last bytes when sockperf has printed its report. */
    private static void awaitEquals(long expected, LongSupplier actual, SockperfClient.Report r, long millis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (actual.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(expected, actual.getAsLong(), r.toString());
    }
}
