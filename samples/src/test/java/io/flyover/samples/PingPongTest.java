package io.flyover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.kernel.JdkSelectorProvider;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The demo's pieces, briefly: each runs on both providers, and the table names the paths the counters saw. */
class PingPongTest {
    private static final long SHORT = 100_000_000L; // 0.1 s

    @Test
    void kernelPingPongRecordsEchoedRoundTrips() throws Exception {
        Histogram h = NioPingPong.run(JdkSelectorProvider.get(), 64, 0, SHORT); // run() checks every echo's sequence
        assertTrue(h.getTotalCount() > 0);
        assertTrue(h.getValueAtPercentile(50) <= h.getValueAtPercentile(99));
    }

    @Test
    void flyoverLoopbackCarriesPingPongAndBulkAndCountsThemOffloaded() throws Exception {
        try (FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"))) {
            Histogram h = NioPingPong.run(provider, 64, 0, SHORT);
            NioBulk.Result bulk = NioBulk.run(provider, 64 * 1024, SHORT);
            assertTrue(h.getTotalCount() > 0);
            assertTrue(bulk.bytes() > 0 && bulk.nanos() > 0);
            assertEquals(2, provider.counters().offloaded(SocketRole.TCP_CLIENT));
            assertEquals(0, provider.counters().kernel(SocketRole.TCP_CLIENT));
            assertEquals(2, provider.counters().accepted(OffloadPath.OFFLOAD));
            assertTrue(Demo.sockets(provider).contains("2 client sockets offloaded, 0 to the kernel"), Demo.sockets(provider));
        }
    }

    @Test
    void withoutLoopbackOffloadTheCountersSayKernel() throws Exception {
        try (FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "false"))) {
            NioPingPong.run(provider, 64, 0, SHORT / 10);
            assertEquals(0, provider.counters().offloaded(SocketRole.TCP_CLIENT));
            assertEquals(1, provider.counters().kernel(SocketRole.TCP_CLIENT));
        }
    }

    @Test
    void tableShowsBothPathsThePercentilesAndTheRatios() {
        PingPongResult kernel = result("kernel", 20_000, new NioBulk.Result(1_000_000_000L, 1_000_000_000L), "kernel sockets");
        PingPongResult flyover = result("Flyover", 4_000, new NioBulk.Result(2_000_000_000L, 1_000_000_000L), "offloaded");
        String table = Demo.table(kernel, flyover);
        assertTrue(table.contains("round trip p99.9 (us)"), table);
        assertTrue(table.contains("5.00x"), "20 us against 4 us: " + table);
        assertTrue(table.contains("2.00x"), "16 against 8 Gbit/s: " + table);
        assertTrue(!table.contains("kernel better"), table);
        assertTrue(table.contains("kernel path: kernel sockets") && table.contains("Flyover path: offloaded"), table);
    }

    private static PingPongResult result(String name, long roundTripNanos, NioBulk.Result bulk, String sockets) {
        Histogram h = new Histogram(10, 10_000_000_000L, 3);
        h.recordValueWithCount(roundTripNanos, 1000);
        return new PingPongResult(name, h, bulk, sockets);
    }

}
