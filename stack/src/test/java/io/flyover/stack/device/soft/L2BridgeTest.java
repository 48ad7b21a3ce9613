package io.flyover.stack.device.soft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class L2BridgeTest {
    private static final long A = 0x0200_0000_000AL;
    private static final long B = 0x0200_0000_000BL;
    private static final long C = 0x0200_0000_000CL;

    private final List<FramePool> pools = new ArrayList<>();
    private final List<FrameCache> caches = new ArrayList<>();
    private L2Bridge bridge;
    private BridgePort pa;
    private BridgePort pb;
    private BridgePort pc;

    @BeforeEach
    void threePorts() {
        bridge = new L2Bridge("br");
        pa = bridge.addPort(pool(64), A);
        pb = bridge.addPort(pool(64), B);
        pc = bridge.addPort(pool(64), C);
    }

    private FramePool pool(int frames) {
        FramePool pool = FramePool.allocate(frames);
        pools.add(pool);
        caches.add(pool.newCache(8));
        return pool;
    }

    private FrameCache cacheOf(BridgePort port) {
        return caches.get(pools.indexOf(port.pool()));
    }

    @AfterEach
    void noFrameLeaked() {
        bridge.close();
        for (FrameCache c : caches) {
            c.close();
        }
        for (FramePool p : pools) {
            p.checkAllReturned();
            p.close();
        }
    }

    private void send(BridgePort from, byte[] bytes, long now) {
        FrameBurst burst = new FrameBurst(4);
        burst.add(TestFrames.frameOf(cacheOf(from), bytes));
        assertEquals(1, from.transmit(0, burst, now));
    }

    /** Receives everything queued on {@code port}, releases it, returns the bytes. */
    private List<byte[]> drain(BridgePort port) {
        List<byte[]> out = new ArrayList<>();
        FrameBurst burst = new FrameBurst(16);
        for (int q = 0; q < port.capabilities().rxQueues(); q++) {
            int n;
            do {
                burst.clear();
                n = port.receive(q, burst, 0);
                for (int i = 0; i < n; i++) {
                    out.add(TestFrames.bytesOf(port.pool(), burst.get(i)));
                    cacheOf(port).release(burst.get(i));
                }
            } while (n > 0);
        }
        return out;
    }

    private static byte[] frame(long dst, long src, int tag) {
        return TestFrames.ethernet(dst, src, 0x88B5, new byte[] {(byte) tag, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    }

    @Test
    void unknownUnicastIsFloodedThenLearnedAddressesAreForwardedToOnePort() {
        byte[] toB = frame(B, A, 1);
        send(pa, toB, 10);
        assertEquals(1, bridge.flooded());
        List<byte[]> atB = drain(pb);
        List<byte[]> atC = drain(pc);
        assertEquals(1, atB.size());
        assertEquals(1, atC.size(), "B not learned yet: C gets a copy too");
        assertArrayEquals(toB, atB.get(0), "bytes copied exactly into the other pool");
        assertTrue(drain(pa).isEmpty(), "never back out of the ingress port");

        send(pb, frame(A, B, 2), 20); // A was learned on port a
        assertEquals(1, bridge.forwarded());
        assertEquals(1, drain(pa).size());
        assertTrue(drain(pc).isEmpty(), "learned unicast goes to one port only");

        send(pa, frame(B, A, 3), 30); // B was learned from its reply
        assertEquals(2, bridge.forwarded());
        assertEquals(1, drain(pb).size());
        assertTrue(drain(pc).isEmpty());
        assertEquals(2, bridge.learnedAddresses());
    }

    @Test
    void broadcastAndMulticastAreFloodedAndGroupSourcesAreNotLearned() {
        send(pa, frame(TestFrames.BROADCAST, A, 1), 0);
        send(pa, frame(0x0100_5E00_0001L, A, 2), 0); // IPv4 multicast MAC
        send(pa, frame(0x3333_0000_0001L, A, 3), 0); // IPv6 multicast MAC
        assertEquals(3, bridge.flooded());
        assertEquals(3, drain(pb).size());
        assertEquals(3, drain(pc).size());
        send(pb, frame(C, 0x0100_5E00_0001L, 4), 0); // group address as source: not learned
        assertEquals(1, bridge.learnedAddresses());
        assertEquals(1, drain(pc).size());
        assertEquals(1, drain(pa).size());
    }

    @Test
    void aFrameForTheIngressPortIsFiltered() {
        send(pa, frame(B, A, 1), 0);
        drain(pb);
        drain(pc);
        send(pa, frame(A, A, 2), 0);
        assertEquals(1, bridge.filtered());
        assertTrue(drain(pa).isEmpty() && drain(pb).isEmpty() && drain(pc).isEmpty());
    }

    @Test
    void learnedEntriesAgeOutAndFollowAStationThatMoves() {
        L2Bridge aging = new L2Bridge("aging", 16, 1_000, ToeplitzHash.MICROSOFT_KEY);
        BridgePort x = aging.addPort(pa.pool(), A);
        BridgePort y = aging.addPort(pb.pool(), B);
        BridgePort z = aging.addPort(pc.pool(), C);
        try {
            send(y, frame(A, B, 1), 0);     // learn B on y
            send(x, frame(B, A, 2), 500);   // forwarded to y
            assertEquals(1, aging.forwarded());
            send(x, frame(B, A, 3), 2_000); // B not seen for 2 µs > ageing 1 µs: flooded
            assertEquals(2, aging.flooded());
            send(z, frame(A, B, 4), 2_100); // B moved to z
            long atY = y.received();
            long atZ = z.received();
            send(x, frame(B, A, 5), 2_200);
            assertEquals(atZ + 1, z.received(), "the frame for B went to its new port");
            assertEquals(atY, y.received(), "and not to the old one");
            assertEquals(3, aging.forwarded(), "t=500 to B, t=2100 to A (learned at 2000), t=2200 to B");
        } finally {
            aging.close();
        }
    }

    @Test
    void aFullReceiveRingDropsAndCounts() {
        L2Bridge small = new L2Bridge("small");
        BridgePort x = small.addPort(pa.pool(), A);
        BridgePort y = small.addPort("y", pb.pool(), B, 1, 4, 1500);
        try {
            for (int i = 0; i < 10; i++) {
                send(x, frame(B, A, i), i);
            }
            assertEquals(4, y.received());
            assertEquals(6, y.ringFullDrops());
            assertEquals(4, y.queued(0));
            assertEquals(0, y.nextEventNanos(), "the oldest queued frame arrived at t=0");
        } finally {
            small.close(); // queued frames go back to pb's pool
        }
    }

    /** Found by the stack simulation (seed 234, a stack with a one-frame receive burst): no frame may be lost. */
    @Test
    void aBurstSmallerThanTheQueueTakesFramesInOrderAndLosesNone() {
        for (int i = 0; i < 5; i++) {
            send(pa, frame(B, A, i), i);
        }
        FrameBurst one = new FrameBurst(1);
        for (int i = 0; i < 5; i++) {
            one.clear();
            assertEquals(1, pb.receive(0, one, 10));
            assertEquals(i, TestFrames.bytesOf(pb.pool(), one.get(0))[14]);
            cacheOf(pb).release(one.get(0));
            assertEquals(4 - i, pb.queued(0));
        }
        one.clear();
        assertEquals(0, pb.receive(0, one, 10));
    }

    @Test
    void anExhaustedPoolDropsAndCounts() {
        L2Bridge tiny = new L2Bridge("tiny");
        BridgePort x = tiny.addPort(pa.pool(), A);
        BridgePort y = tiny.addPort(pool(4), B);
        try {
            for (int i = 0; i < 6; i++) {
                send(x, frame(B, A, i), i);
            }
            assertEquals(4, y.received());
            assertEquals(2, y.noFrameDrops());
        } finally {
            tiny.close();
        }
    }

    @Test
    void runtsAndOversizeFramesAreDroppedAndCounted() {
        send(pa, new byte[10], 0);
        assertEquals(1, bridge.runts());
        send(pa, TestFrames.ethernet(B, A, 0x88B5, new byte[1600]), 0);
        assertEquals(1, pa.oversizeDrops());
        assertTrue(drain(pb).isEmpty() && drain(pc).isEmpty());
        assertEquals(2, pa.transmitted(), "both were taken (and released)");
    }

    @Test
    void rssSpreadsFlowsOverReceiveQueuesAndKeepsEachFlowOnOne() {
        L2Bridge multi = new L2Bridge("multi");
        BridgePort x = multi.addPort(pa.pool(), A);
        BridgePort y = multi.addPort(pb.pool(), B, 4, 64);
        try {
            byte[] src = {(byte) 198, 18, 0, 1};
            byte[] dst = {(byte) 198, 18, 0, 2};
            RssSteering reference = new RssSteering(ToeplitzHash.withMicrosoftKey(), 4);
            Set<Integer> used = new HashSet<>();
            FrameBurst burst = new FrameBurst(64);
            for (int flow = 0; flow < 32; flow++) {
                byte[] bytes = TestFrames.ethernet(B, A, 0x0800,
                        TestFrames.ipv4(src, dst, 6, 50000 + flow, 80, new byte[20], false));
                int expected = RssSteeringTest.queueOf(reference, bytes);
                send(x, bytes, flow);
                send(x, bytes, flow);
                burst.clear();
                assertEquals(2, y.receive(expected, burst, flow), "both frames of flow " + flow + " on queue " + expected);
                for (int i = 0; i < 2; i++) {
                    cacheOf(y).release(burst.get(i));
                }
                for (int q = 0; q < 4; q++) {
                    assertEquals(0, y.queued(q));
                }
                used.add(expected);
            }
            assertEquals(4, used.size());
        } finally {
            multi.close();
        }
    }

    @Test
    void closedPortIsForgottenAndItsQueuedFramesReturned() {
        send(pb, frame(A, B, 1), 0);
        send(pa, frame(B, A, 2), 0);
        assertEquals(1, pb.queued(0));
        pb.close();
        assertEquals(null, bridge.port(1));
        send(pa, frame(B, A, 3), 0);
        assertEquals(2, bridge.flooded(), "B's port is gone: flooded like an unknown address");
        assertNotEquals(0, drain(pc).size());
    }

    @Test
    void theTraceKeepsTheLastFramesOldestFirst() {
        bridge.traceLast(2);
        send(pa, frame(B, A, 1), 10);
        send(pb, frame(A, B, 2), 20);
        send(pc, frame(A, C, 3), 30);
        StringBuilder out = new StringBuilder();
        bridge.appendTrace(out);
        assertEquals("  t=20 from br/p1 len=24 02000000000a02000000000b88b502010203040506070809\n"
                + "  t=30 from br/p2 len=24 02000000000a02000000000c88b503010203040506070809\n", out.toString());
        drain(pa);
        drain(pb);
        drain(pc);
    }

    @Test
    void sameTrafficGivesTheSameDigest() {
        long first = digestOf(1);
        long again = digestOf(1);
        long other = digestOf(2);
        assertEquals(first, again);
        assertNotEquals(first, other);
    }

    private long digestOf(int variant) {
        L2Bridge b = new L2Bridge("d");
        BridgePort x = b.addPort(pa.pool(), A);
        BridgePort y = b.addPort(pb.pool(), B);
        try {
            for (int i = 0; i < 5; i++) {
                send(x, frame(B, A, i * variant), i);
            }
            drain(y);
            return b.trafficDigest();
        } finally {
            b.close();
        }
    }
}
