package io.flyover.stack.device.soft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.sim.SimulatedLan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written by {@link PcapTap}, read back by Debian's real {@code tcpdump -r}. */
class PcapTapTest {
    private static final long A = 0x0200_0000_0001L;
    private static final long B = 0x0200_0000_0002L;
    private static final byte[] IP_A = {(byte) 198, 18, 0, 1};
    private static final byte[] IP_B = {(byte) 198, 18, 0, 2};

    @TempDir
    Path dir;

    static List<String> tcpdump(Path file) throws IOException, InterruptedException {
        Path tcpdump = Path.of("/usr/bin/tcpdump");
        if (!Files.isExecutable(tcpdump) && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but tcpdump is not installed (.ci/run installs it)");
        }
        Assumptions.assumeTrue(Files.isExecutable(tcpdump), "skipped: tcpdump is not installed");
        Process p = new ProcessBuilder(tcpdump.toString(), "-r", file.toString(), "-nn", "-tt", "-e",
                "--time-stamp-precision=nano").redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "tcpdump failed: " + err);
        // One line per packet; continuation lines (hex dumps of unknown EtherTypes) start with a tab.
        return out.lines().filter(line -> !line.isEmpty() && !Character.isWhitespace(line.charAt(0))).toList();
    }

    @Test
    void tcpdumpReadsTransmittedAndReceivedFramesWithNanosecondTimes() throws Exception {
        Path file = dir.resolve("tap.pcap");
        try (FramePool poolA = FramePool.allocate(64); FramePool poolB = FramePool.allocate(64);
                L2Bridge bridge = new L2Bridge("br")) {
            PcapTap tap = PcapTap.toFile(bridge.addPort(poolA, A), file);
            BridgePort b = bridge.addPort(poolB, B);
            FrameCache cacheA = poolA.newCache(8);
            FrameCache cacheB = poolB.newCache(8);
            FrameBurst burst = new FrameBurst(4);

            byte[] request = TestFrames.ethernet(B, A, 0x0800,
                    TestFrames.ipv4(IP_A, IP_B, 17, 1234, 5678, "hello".getBytes(StandardCharsets.US_ASCII), false));
            burst.add(TestFrames.frameOf(cacheA, request));
            assertEquals(1, tap.transmit(0, burst, 1_000_000_123L));
            burst.clear();

            assertEquals(1, b.receive(0, burst, 1_500_000_000L));
            cacheB.release(burst.get(0));
            burst.clear();
            byte[] reply = TestFrames.ethernet(A, B, 0x0800,
                    TestFrames.ipv4(IP_B, IP_A, 17, 5678, 1234, "world!".getBytes(StandardCharsets.US_ASCII), false));
            burst.add(TestFrames.frameOf(cacheB, reply));
            assertEquals(1, b.transmit(0, burst, 2_000_000_000L));
            burst.clear();

            assertEquals(1, tap.receive(0, burst, 2_000_000_456L));
            assertArrayEquals(reply, TestFrames.bytesOf(poolA, burst.get(0)));
            cacheA.release(burst.get(0));
            assertEquals(2, tap.recorded());
            tap.close();
            assertNull(tap.error());
            cacheA.close();
            cacheB.close();
            poolA.checkAllReturned();
            poolB.checkAllReturned();
        }

        byte[] header = Arrays.copyOf(Files.readAllBytes(file), 4);
        assertArrayEquals(new byte[] {0x4d, 0x3c, (byte) 0xb2, (byte) 0xa1}, header, "nanosecond magic, little-endian");

        List<String> lines = tcpdump(file);
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("1.000000123 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 47: "
                + "198.18.0.1.1234 > 198.18.0.2.5678: UDP, length 5"), lines.get(0));
        assertTrue(lines.get(1).startsWith("2.000000456 02:00:00:00:00:02 > 02:00:00:00:00:01, ethertype IPv4 (0x0800), length 48: "
                + "198.18.0.2.5678 > 198.18.0.1.1234: UDP, length 6"), lines.get(1));
    }

    @Test
    void aWholeSimulationCapturesEveryFrameOfEveryHost() throws Exception {
        int count = 3_000; // more than the tap's buffer holds at once
        try (SimulatedLan lan = SimulatedLan.builder().seed(3).hosts(2).capture(dir)
                .impairment(Impairment.builder().loss(0.1).build())
                .hostFactory((device, random) -> new TestHost(device, random).echo(true)).build()) {
            ((TestHost) lan.host(0)).stream(SimulatedLan.macOf(1), count, 0, 10_000, 200);
            lan.simulator().runFor(1_000_000_000L);
            long replies = ((TestHost) lan.host(0)).arrivals().size();
            long lostRequests = lan.impaired(0).transmitStage().lost();
            lan.closeAndCheckNoFrameLeaked();

            List<String> host0 = tcpdump(dir.resolve("host0.pcap"));
            List<String> host1 = tcpdump(dir.resolve("host1.pcap"));
            assertEquals(count + replies, host0.size(), "host0: every request sent and every reply received");
            assertEquals((count - lostRequests) * 2, host1.size(), "host1: each request that arrived, and its reply");
            assertTrue(host0.get(0).startsWith("0.000000000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype Unknown (0x88b5), length 223"),
                    host0.get(0));
        }
    }

    @Test
    void recordingAllocatesNothingPerFrame() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long[] written = {0};
        java.nio.channels.WritableByteChannel sink = new java.nio.channels.WritableByteChannel() {
            @Override public int write(java.nio.ByteBuffer src) {
                int n = src.remaining();
                src.position(src.limit());
                written[0] += n;
                return n;
            }
            @Override public boolean isOpen() { return true; }
            @Override public void close() {}
        };
        try (FramePool poolA = FramePool.allocate(256); FramePool poolB = FramePool.allocate(256);
                L2Bridge bridge = new L2Bridge("alloc")) {
            PcapTap tap = new PcapTap(bridge.addPort(poolA, A), sink);
            BridgePort b = bridge.addPort(poolB, B);
            FrameCache cacheA = poolA.newCache(8);
            FrameCache cacheB = poolB.newCache(8);
            FrameBurst burst = new FrameBurst(4);
            byte[] bytes = TestFrames.ethernet(B, A, 0x0800,
                    TestFrames.ipv4(IP_A, IP_B, 17, 1, 2, new byte[300], false));
            int template = TestFrames.frameOf(cacheA, bytes);
            Runnable step = () -> {
                int f = cacheA.acquire();
                poolA.setData(f, poolA.headroom(), bytes.length);
                java.lang.foreign.MemorySegment.copy(poolA.region(), poolA.dataAddress(template), poolA.region(),
                        poolA.dataAddress(f), bytes.length);
                burst.add(f);
                tap.transmit(0, burst, 1);
                burst.clear();
                b.receive(0, burst, 1);
                cacheB.release(burst.get(0));
                burst.clear();
            };
            for (int i = 0; i < 20_000; i++) {
                step.run();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                step.run();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 4_096, "20,000 recorded frames allocated " + allocated + " bytes");
            assertTrue(written[0] > 20_000L * bytes.length, "records were written out: " + written[0]);
            cacheA.release(template);
            tap.close();
            cacheA.close();
            cacheB.close();
            poolA.checkAllReturned();
            poolB.checkAllReturned();
        }
    }
}
