package io.flyover.stack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.Pollable;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.Impairment;
import io.flyover.stack.device.soft.TestHost;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedLanTest {
    private static final Impairment LOSSY = Impairment.builder().loss(0.05).duplicate(0.02).reorder(0.05, 40_000)
            .corrupt(0.01).delay(20_000, 10_000).rate(100_000_000).build();

    /** Host 0 sends 500 requests to each of hosts 1 and 2, which echo them; returns what host 0 saw. */
    private static Outcome pingPong(long seed) {
        try (SimulatedLan lan = SimulatedLan.builder().seed(seed).hosts(3).queues(2).impairment(LOSSY)
                .hostFactory((device, random) -> new TestHost(device, random).echo(true)).build()) {
            TestHost client = (TestHost) lan.host(0);
            client.stream(SimulatedLan.macOf(1), 500, 0, 20_000, 80);
            client.stream(SimulatedLan.macOf(2), 500, 5_000, 20_000, 80);
            lan.simulator().runFor(1_000_000_000L);
            Outcome outcome = new Outcome(List.copyOf(client.arrivals()), lan.bridge().trafficDigest(),
                    lan.simulator().steps(), lan.simulator().nowNanos());
            lan.closeAndCheckNoFrameLeaked();
            return outcome;
        }
    }

    private record Outcome(List<TestHost.Arrival> replies, long digest, long steps, long end) {}

    @Test
    void sameSeedSameRunDifferentSeedDifferentRun() {
        Outcome first = pingPong(2024);
        Outcome again = pingPong(2024);
        Outcome other = pingPong(2025);
        assertEquals(first, again);
        assertNotEquals(first.digest(), other.digest());
        assertNotEquals(first.replies(), other.replies());
        long replies = first.replies().stream().filter(a -> a.kind() == TestHost.REPLY).count();
        assertTrue(replies > 800 && replies < 1000, "about 10 % of round trips lost: " + replies);
    }

    @Test
    void hostsGetDistinctAddressesAndTheirOwnPools() throws Exception {
        try (SimulatedLan lan = SimulatedLan.builder().seed(1).hosts(4).hostFactory(TestHost::new).build()) {
            for (int i = 0; i < 4; i++) {
                NetDevice device = lan.device(i);
                assertEquals(SimulatedLan.macOf(i), device.capabilities().mac());
                assertEquals(lan.pool(i), device.pool());
                assertNull(lan.impaired(i), "no impairment configured");
                assertEquals("host" + i, lan.port(i).name());
                assertEquals(i, SimulatedLan.hostIndexOf(device));
            }
            assertNotEquals(lan.pool(0), lan.pool(1));
            assertEquals("198.18.0.4", java.net.InetAddress.getByAddress(SimulatedLan.ipv4Of(3)).getHostAddress());
            assertEquals("fd00:0:0:0:0:0:0:4", java.net.InetAddress.getByAddress(SimulatedLan.ipv6Of(3)).getHostAddress());
            lan.closeAndCheckNoFrameLeaked();
        }
    }

    @Test
    void aLeakedFrameFailsTheCheckWithTheReport() {
        /** Receives frames and keeps them. */
        final class Hoarder implements Pollable {
            final NetDevice device;
            final FrameBurst burst = new FrameBurst(8);
            Hoarder(NetDevice device) { this.device = device; }
            @Override public long poll(long now) {
                device.receive(0, burst, now);
                return Long.MAX_VALUE;
            }
        }
        try (SimulatedLan lan = SimulatedLan.builder().seed(99).hosts(2)
                .hostFactory((device, random) -> device.capabilities().mac() == SimulatedLan.macOf(0)
                        ? new TestHost(device, random) : new Hoarder(device))
                .build()) {
            ((TestHost) lan.host(0)).stream(SimulatedLan.macOf(1), 3, 0, 1_000, 10);
            lan.simulator().runFor(1_000_000);
            SimulationFailure failure = assertThrows(SimulationFailure.class, lan::closeAndCheckNoFrameLeaked);
            assertTrue(failure.getMessage().contains("host1 leaked frames: 3 of 1024"), failure.getMessage());
            assertEquals(99, failure.seed());
            assertTrue(failure.getMessage().contains("last frames on the bridge:\n  t=0 from host0 len=33 020000000002020000000001"
                    + "88b501" + "00000000"), failure.getMessage());
        }
    }
}
