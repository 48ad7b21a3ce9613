package io.flyover.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flyover.linux.packet.PacketDevice;
import io.flyover.linux.tap.TapDevice;
import io.flyover.linux.testing.Frames;
import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.xdp.XdpDevice;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Opt-in figures, not a test of speed (nothing asserts on time): single-frame ICMP echo round trips
 * between a busy-polling device and the namespace's kernel, per device kind. Tagged out of the
 * default run (see the module pom); run with
 * {@code -Dflyover.linux.excludedGroups= -Dtest=RoundTripMeasurement}; prints percentiles.
 */
@Tag("measurement")
class RoundTripMeasurement {
    private static final int WARM_UP = 2_000;
    private static final int SAMPLES = 10_000;

    @BeforeEach
    void prerequisites() {
        Prerequisites.requireNetworkAdmin();
    }

    @Test
    void tap() throws Exception {
        try (FramePool pool = FramePool.allocate(4096)) {
            TapDevice device = new TapDevice("fl-mt0", pool, TapDevice.localMacFor("fl-mt0"));
            try (Namespace ns = Namespace.forTap("mt", "fl-mt0", 50)) {
                measure(device, ns, pool);
            } finally {
                device.close();
            }
            pool.checkAllReturned();
        }
    }

    @Test
    void afPacket() throws Exception {
        try (FramePool pool = FramePool.allocate(4096); Namespace ns = Namespace.withVeth("mp", 51)) {
            try (PacketDevice device = new PacketDevice(ns.hostLink(), pool, 256, 1)) {
                measure(device, ns, pool);
            }
            pool.checkAllReturned();
        }
    }

    @Test
    void afPacketV2() throws Exception {
        try (FramePool pool = FramePool.allocate(4096); Namespace ns = Namespace.withVeth("m2", 53)) {
            try (PacketDevice device = new PacketDevice(ns.hostLink(), pool, PacketDevice.RxRing.V2_FRAMES, 256, 1)) {
                measure(device, ns, pool);
            }
            pool.checkAllReturned();
        }
    }

    @Test
    void afXdp() throws Exception {
        try (FramePool pool = FramePool.allocate(4096); Namespace ns = Namespace.withVeth("mx", 52)) {
            try (XdpDevice device = new XdpDevice(ns.hostLink(), 0, pool, 512, true)) {
                measure(device, ns, pool);
            }
            pool.checkAllReturned();
        }
    }

    private static void measure(NetDevice device, Namespace ns, FramePool pool) {
        long mac = device.capabilities().mac();
        ns.addPermanentNeighbour(mac);
        byte[] echo = Frames.icmpEcho(8, mac, ns.peerMac(), ns.localIp, ns.peerIp, 0x7777, 1, new byte[56]);
        MemorySegment source = MemorySegment.ofArray(echo);
        FrameBurst out = new FrameBurst(1);
        FrameBurst in = new FrameBurst(32);
        long[] rtt = new long[SAMPLES];
        try (FrameCache cache = pool.newCache(64)) {
            for (int i = -WARM_UP; i < SAMPLES; i++) {
                int frame = cache.acquire();
                MemorySegment.copy(source, 0, pool.region(), pool.frameBase(frame) + pool.headroom(), echo.length);
                pool.setData(frame, pool.headroom(), echo.length);
                out.add(frame);
                long start = System.nanoTime();
                while (device.transmit(0, out, start) == 0) {
                    Thread.onSpinWait();
                }
                out.clear();
                int got = 0;
                long deadline = start + 5_000_000_000L;
                while (got == 0 && System.nanoTime() < deadline) {
                    got = device.receive(0, in, 0);
                }
                long end = System.nanoTime();
                assertEquals(1, got, "one reply per request");
                cache.release(in.get(0));
                in.clear();
                if (i >= 0) {
                    rtt[i] = end - start;
                }
            }
        }
        Arrays.sort(rtt);
        String kind = device instanceof PacketDevice p ? " (" + p.rxRing() + ")" : "";
        System.out.printf("%s%s: echo round trip over %d samples: p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us%n",
                device.name(), kind, SAMPLES, rtt[SAMPLES / 2] / 1e3, rtt[SAMPLES * 9 / 10] / 1e3, rtt[SAMPLES * 99 / 100] / 1e3,
                rtt[SAMPLES * 999 / 1000] / 1e3, rtt[SAMPLES - 1] / 1e3);
    }
}
