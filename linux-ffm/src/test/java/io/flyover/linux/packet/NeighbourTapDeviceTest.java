package io.flyover.linux.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ears a flow-steered device (ibverbs RAW_PACKET) is given: its inner device here receives nothing
 * at all, as a queue whose rules match only the stack's TCP/UDP ports; the namespace's kernel resolves
 * the veth's far address, and its ARP request and IPv6 neighbour solicitation still reach the stack on
 * queue 0 through the taps, while an ICMPv6 echo request does not.
 */
@Timeout(60)
class NeighbourTapDeviceTest {
    private static final int ECHO_REQUEST = 128;

    private Namespace ns;
    private FramePool pool;
    private NeighbourTapDevice device;

    @BeforeEach
    void open() throws Exception {
        Prerequisites.requireTools("ping");
        ns = Namespace.withVeth("nt", 79);
        pool = FramePool.allocate(256);
        device = NeighbourTapDevice.wrap(new Deaf(pool), ns.hostLink());
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
            pool.checkAllReturned();
        }
        if (pool != null) {
            pool.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void arpFromTheWireReachesQueueZeroThroughTheTap() throws Exception {
        ns.tryExec("ping", "-c", "1", "-W", "1", "198.18.79.2"); // unanswered: its ARP request is what counts
        int arp = drainCounting(0x0806, -1, 5_000);
        assertTrue(arp >= 1, "the namespace's ARP request was heard");
        FrameBurst other = new FrameBurst(16);
        assertEquals(0, device.receive(1, other, 0), "taps feed queue 0 only");
    }

    @Test
    void neighbourSolicitationsPassAndEchoRequestsDoNot() throws Exception {
        ns.enableIpv6();
        ns.exec("ip", "-6", "neigh", "replace", ns.localIpv6(), "lladdr", "02:00:00:00:00:99", "dev",
                ns.peerInterface, "nud", "permanent"); // no solicitation needed for the echo itself
        ns.tryExec("ping", "-6", "-c", "1", "-W", "1", ns.localIpv6());
        assertEquals(0, drainCounting(0x86DD, ECHO_REQUEST, 1_000), "an echo request is not neighbour discovery");
        ns.exec("ip", "-6", "neigh", "del", ns.localIpv6(), "dev", ns.peerInterface);
        ns.tryExec("ping", "-6", "-c", "1", "-W", "1", ns.localIpv6());
        assertTrue(drainCounting(0x86DD, 135, 5_000) >= 1, "the neighbour solicitation was heard");
    }

    /**
     * Receives from queue 0 for up to {@code millis} (until the first match, unless echo requests are
     * counted, which must not come at all), releasing every frame; counts those of {@code etherType} (and,
     * for IPv6, of ICMPv6 type {@code icmpType} unless it is -1).
     */
    private int drainCounting(int etherType, int icmpType, long millis) throws InterruptedException {
        FrameBurst burst = new FrameBurst(16);
        MemorySegment region = pool.region();
        FrameCache mine = pool.newCache(16);
        int matched = 0;
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end && !(matched > 0 && icmpType != ECHO_REQUEST)) {
            device.receive(0, burst, 0);
            for (int i = 0; i < burst.count(); i++) {
                int f = burst.get(i);
                long at = pool.frameBase(f) + pool.dataOffset(f);
                int type = Short.toUnsignedInt(region.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 12));
                if (type == etherType && (icmpType < 0 || Byte.toUnsignedInt(region.get(ValueLayout.JAVA_BYTE, at + 54)) == icmpType)) {
                    matched++;
                }
                mine.release(f);
            }
            burst.clear();
            Thread.sleep(10);
        }
        mine.close();
        return matched;
    }

    /** A device that never receives: all a flow-steered queue gives when no rule matches. */
    private record Deaf(FramePool pool) implements NetDevice {
        @Override public String name() { return "deaf"; }
        @Override public DeviceCapabilities capabilities() { return new DeviceCapabilities(0x0200_0000_0099L, 1500, 1, 1, java.util.Set.of()); }
        @Override public int receive(int queue, FrameBurst into, long nowNanos) { return 0; }
        @Override public int transmit(int queue, FrameBurst frames, long nowNanos) { return 0; }
        @Override public void close() { }
    }
}
