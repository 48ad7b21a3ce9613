package io.flyover.stack.device.soft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.sim.SimulatedLan;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each impairment's effect, measured on a fixed seed against the probability or delay configured
 * (tolerances are several standard deviations wide), plus reproducibility and frame accounting.
 */
class ImpairedDeviceTest {
    private static final int N = 20_000;
    private static final long INTERVAL = 10_000; // 10 µs between frames
    private static final long SEED = 0x5EED;

    /** Host 0 streams {@code count} requests to host 1 through {@code onTransmit}/{@code onReceive}; host 1 records. */
    private record Run(SimulatedLan lan, TestHost sender, TestHost receiver) implements AutoCloseable {
        ImpairmentStage tx() { return lan.impaired(0).transmitStage(); }
        List<TestHost.Arrival> arrivals() { return receiver.arrivals(); }
        @Override public void close() { lan.closeAndCheckNoFrameLeaked(); lan.close(); }
    }

    private static Run run(long seed, Impairment onTransmit, Impairment onReceive, int count, long interval, int payload) {
        SimulatedLan lan = SimulatedLan.builder().seed(seed).hosts(2).framesPerHost(4096)
                .impairment(0, onTransmit, Impairment.NONE)
                .impairment(1, Impairment.NONE, onReceive)
                .hostFactory(TestHost::new)
                .build();
        TestHost sender = (TestHost) lan.host(0);
        TestHost receiver = (TestHost) lan.host(1);
        sender.stream(SimulatedLan.macOf(1), count, 0, interval, payload);
        lan.simulator().runFor(count * interval + 2_000_000_000L);
        return new Run(lan, sender, receiver);
    }

    private static void assertNear(double expected, double actual, double tolerance, String what) {
        assertTrue(Math.abs(actual - expected) <= tolerance,
                what + ": expected " + expected + " +- " + tolerance + " but was " + actual);
    }

    @Test
    void lossDropsTheConfiguredFraction() {
        try (Run r = run(SEED, Impairment.builder().loss(0.10).build(), Impairment.NONE, N, INTERVAL, 64)) {
            long lost = r.tx().lost();
            assertNear(0.10 * N, lost, 0.01 * N, "lost"); // sd ~ 42 frames; tolerance ~ 5 sd
            assertEquals(N - lost, r.arrivals().size());
            assertTrue(r.arrivals().stream().allMatch(TestHost.Arrival::intact));
            assertEquals(N - lost, r.arrivals().stream().map(TestHost.Arrival::seq).distinct().count());
        }
    }

    @Test
    void lossOnReceiveWorksTheSameWay() {
        try (Run r = run(SEED, Impairment.NONE, Impairment.builder().loss(0.20).build(), N, INTERVAL, 64)) {
            ImpairmentStage rx = r.lan().impaired(1).receiveStage();
            assertNear(0.20 * N, rx.lost(), 0.015 * N, "lost on receive");
            assertEquals(N, rx.admitted());
            assertEquals(N - rx.lost(), r.arrivals().size());
        }
    }

    @Test
    void duplicationSendsCopiesRightAfterTheOriginal() {
        try (Run r = run(SEED, Impairment.builder().duplicate(0.05).build(), Impairment.NONE, N, INTERVAL, 64)) {
            long duplicated = r.tx().duplicated();
            assertNear(0.05 * N, duplicated, 0.008 * N, "duplicated");
            assertEquals(N + duplicated, r.arrivals().size());
            assertEquals(N, r.arrivals().stream().map(TestHost.Arrival::seq).distinct().count());
            int adjacentPairs = 0;
            List<TestHost.Arrival> a = r.arrivals();
            for (int i = 1; i < a.size(); i++) {
                if (a.get(i).seq() == a.get(i - 1).seq()) {
                    adjacentPairs++;
                }
            }
            assertEquals(duplicated, adjacentPairs, "each copy arrives right after its original");
        }
    }

    @Test
    void corruptionFlipsBitsThatTheReceiverDetects() {
        try (Run r = run(SEED, Impairment.builder().corrupt(0.05).build(), Impairment.NONE, N, INTERVAL, 64)) {
            long corrupted = r.tx().corrupted();
            assertNear(0.05 * N, corrupted, 0.008 * N, "corrupted");
            assertEquals(N, r.arrivals().size(), "host MACs differ in two bits: one flip never misdelivers");
            assertEquals(corrupted, r.arrivals().stream().filter(a -> !a.intact()).count(),
                    "every single-bit flip breaks the CRC32 trailer");
        }
    }

    @Test
    void reorderingHoldsFramesBackSoLaterOnesOvertake() {
        Impairment reorder = Impairment.builder().reorder(0.10, 25_000).build();
        try (Run r = run(SEED, reorder, Impairment.NONE, N, INTERVAL, 64)) {
            long reordered = r.tx().reordered();
            assertNear(0.10 * N, reordered, 0.01 * N, "reordered");
            assertEquals(N, r.arrivals().size());
            int late = 0;
            int highest = -1;
            for (TestHost.Arrival a : r.arrivals()) {
                if (a.seq() < highest) {
                    late++;
                }
                highest = Math.max(highest, a.seq());
            }
            // A held frame arrives after the next two unless those were held too (probability ~1 %).
            assertTrue(late <= reordered && late >= 0.95 * reordered,
                    "late arrivals " + late + " vs reordered " + reordered);
        }
    }

    @Test
    void delayWithJitterStaysInRangeAroundTheMean() {
        long delay = 1_000_000;
        long jitter = 200_000;
        try (Run r = run(SEED, Impairment.builder().delay(delay, jitter).build(), Impairment.NONE, N, INTERVAL, 64)) {
            assertEquals(N, r.arrivals().size());
            assertEquals(N, r.tx().delayed());
            double sum = 0;
            for (TestHost.Arrival a : r.arrivals()) {
                long latency = a.timeNanos() - a.seq() * INTERVAL;
                assertTrue(latency >= delay && latency <= delay + jitter, "latency " + latency);
                sum += latency;
            }
            assertNear(delay + jitter / 2.0, sum / N, 5_000, "mean latency"); // sd of the mean ~ 0.4 µs
        }
    }

    @Test
    void rateLimitSerializesFramesAtTheLinkRate() {
        // 200 frames of exactly 1000 bytes sent at once over 10 Mbit/s: one every 800 µs.
        Impairment rate = Impairment.builder().rate(10_000_000).build();
        try (Run r = run(SEED, rate, Impairment.NONE, 200, 0, 1000 - 23)) {
            assertEquals(200, r.arrivals().size());
            for (int k = 0; k < 200; k++) {
                TestHost.Arrival a = r.arrivals().get(k);
                assertEquals(1000, a.length());
                assertEquals(k, a.seq());
                assertEquals((k + 1) * 800_000L, a.timeNanos(), "frame " + k);
            }
        }
    }

    @Test
    void aFullHoldingQueueOverflowsAndCounts() {
        Impairment limited = Impairment.builder().rate(10_000_000).queueLimit(50).build();
        try (Run r = run(SEED, limited, Impairment.NONE, 200, 0, 1000 - 23)) {
            assertEquals(150, r.tx().overflowed());
            assertEquals(50, r.arrivals().size());
        }
    }

    @Test
    void sameSeedReplaysExactlyAndAnotherSeedDiffers() {
        Impairment all = Impairment.builder().loss(0.05).duplicate(0.05).reorder(0.05, 30_000).corrupt(0.02)
                .delay(50_000, 20_000).rate(1_000_000_000).build();
        List<TestHost.Arrival> first;
        long digest;
        try (Run r = run(42, all, all, 2_000, INTERVAL, 100)) {
            first = List.copyOf(r.arrivals());
            digest = r.lan().bridge().trafficDigest();
        }
        try (Run r = run(42, all, all, 2_000, INTERVAL, 100)) {
            assertEquals(first, r.arrivals(), "same seed: same arrivals, same times");
            assertEquals(digest, r.lan().bridge().trafficDigest());
        }
        try (Run r = run(43, all, all, 2_000, INTERVAL, 100)) {
            assertNotEquals(first, r.arrivals());
            assertNotEquals(digest, r.lan().bridge().trafficDigest());
        }
    }

    @Test
    void theImpairmentCanChangeMidRunLikeALinkGoingDown() {
        SimulatedLan lan = SimulatedLan.builder().seed(8).hosts(2)
                .impairment(Impairment.builder().delay(50_000).build())
                .hostFactory(TestHost::new).build();
        try {
            TestHost receiver = (TestHost) lan.host(1);
            ((TestHost) lan.host(0)).stream(SimulatedLan.macOf(1), 300, 0, 10_000, 64); // until t = 3 ms
            lan.simulator().runFor(1_000_000); // the run includes its deadline: frame 100 leaves at t = 1 ms
            lan.impaired(0).setTransmitImpairment(Impairment.builder().loss(1.0).build()); // down for 1 ms
            lan.simulator().runFor(1_000_000);
            lan.impaired(0).setTransmitImpairment(Impairment.NONE);
            lan.simulator().runFor(10_000_000);
            assertEquals(100, lan.impaired(0).transmitStage().lost(), "frames 101..200 sent while down");
            assertEquals(200, receiver.arrivals().size());
            for (TestHost.Arrival a : receiver.arrivals()) {
                assertTrue(a.seq() <= 100 || a.seq() > 200, "frame " + a.seq());
                long expected = a.seq() * 10_000L + (a.seq() <= 100 ? 50_000 : 0); // no delay once back up
                assertEquals(expected, a.timeNanos(), "frame " + a.seq());
            }
            lan.closeAndCheckNoFrameLeaked();
        } finally {
            lan.close();
        }
    }

    @Test
    void heldFramesAreReturnedOnClose() {
        SimulatedLan lan = SimulatedLan.builder().seed(1).hosts(2)
                .impairment(Impairment.builder().delay(1_000_000_000L).build())
                .hostFactory(TestHost::new).build();
        try {
            ((TestHost) lan.host(0)).stream(SimulatedLan.macOf(1), 10, 0, 1000, 64);
            lan.simulator().runFor(1_000_000);
            assertEquals(10, lan.impaired(0).transmitStage().held());
            assertEquals(1_000_000_000L, lan.impaired(0).nextEventNanos(), "the first held frame is due at 1 s");
            assertEquals(10, lan.pool(0).inUse() - 0, "held frames are out of the pool");
            lan.closeAndCheckNoFrameLeaked();
        } finally {
            lan.close();
        }
    }

    @Test
    void steadyStateAllocatesNothingPerFrame() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (FramePool poolA = FramePool.allocate(512); FramePool poolB = FramePool.allocate(512);
                L2Bridge bridge = new L2Bridge("alloc")) {
            BridgePort a = bridge.addPort(poolA, 0x0200_0000_0001L);
            BridgePort b = bridge.addPort(poolB, 0x0200_0000_0002L, 2, 256);
            Impairment all = Impairment.builder().loss(0.1).duplicate(0.1).reorder(0.1, 3_000).corrupt(0.1)
                    .delay(2_000, 1_000).rate(10_000_000_000L).build();
            ImpairedDevice dev = new ImpairedDevice(a, all, all, new SeededRandom(7));
            ImpairedDevice devB = new ImpairedDevice(b, all, all, new SeededRandom(8));
            FrameCache cacheA = poolA.newCache(64);
            FrameCache cacheB = poolB.newCache(64);
            FrameBurst tx = new FrameBurst(8);
            FrameBurst rx = new FrameBurst(64);
            byte[] template = TestFrames.ethernet(0x0200_0000_0002L, 0x0200_0000_0001L, 0x0800,
                    TestFrames.ipv4(new byte[] {(byte) 198, 18, 0, 1}, new byte[] {(byte) 198, 18, 0, 2}, 17, 1000, 2000,
                            new byte[100], false));
            int seed = TestFrames.frameOf(cacheA, template); // content source for every frame
            long[] now = {0};
            Runnable step = () -> {
                for (int i = 0; i < 4; i++) {
                    int f = cacheA.acquire();
                    poolA.setData(f, poolA.headroom(), template.length);
                    java.lang.foreign.MemorySegment.copy(poolA.region(), poolA.dataAddress(seed), poolA.region(),
                            poolA.dataAddress(f), template.length);
                    tx.add(f);
                }
                int accepted = dev.transmit(0, tx, now[0]);
                tx.removeFirst(accepted);
                for (int q = 0; q < 2; q++) {
                    rx.clear();
                    int n = devB.receive(q, rx, now[0]);
                    for (int i = 0; i < n; i++) {
                        cacheB.release(rx.get(i));
                    }
                }
                rx.clear();
                now[0] += 1_000;
            };
            for (int i = 0; i < 50_000; i++) {
                step.run();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50_000; i++) {
                step.run();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 4_096, "200,000 frames through bridge and impairment allocated " + allocated + " bytes");
            assertTrue(devB.receiveStage().released() > 100_000);
            cacheA.release(seed);
            dev.close();
            devB.close();
            cacheA.close();
            cacheB.close();
            poolA.checkAllReturned();
            poolB.checkAllReturned();
        }
    }

    @Test
    void differentStreamsUseDifferentSeedsPerHost() {
        Set<Long> digests = new HashSet<>();
        for (long seed = 100; seed < 105; seed++) {
            try (Run r = run(seed, Impairment.builder().loss(0.3).build(), Impairment.NONE, 200, INTERVAL, 32)) {
                digests.add(r.lan().bridge().trafficDigest());
            }
        }
        assertEquals(5, digests.size());
    }
}
