package io.flyover.linux.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.sys.ArmableInput;
import io.flyover.linux.sys.Libc;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ears a flow-steered device (ibverbs RAW_PACKET) is given: its inner device here receives nothing
 * at all, as a queue whose rules match only the stack's TCP/UDP ports; the namespace's kernel resolves
 * the veth's far address, and its ARP request and IPv6 neighbour solicitation still reach the stack on
 * queue 0 through the taps, while an ICMPv6 echo request does not. Its interrupt mode: over an inner
 * device that can be armed (here an eventfd standing for a completion channel) a wait ends on a tap's
 * frame or on the inner device's event; over one that cannot, the device cannot wait.
 */
@Timeout(60)
class NeighbourTapDeviceTest {
    private static final int ECHO_REQUEST = 128;
    private static final long FOREVER = 120_000_000_000L;

    private Namespace ns;
    private FramePool pool;
    private NeighbourTapDevice device;

    @BeforeEach
    void open() throws Exception {
        Prerequisites.requireTools("ping");
        ns = Namespace.withVeth("nt", 79);
        pool = FramePool.allocate(256);
        device = NeighbourTapDevice.wrap(new Deaf(pool, Libc.eventfd(0, 0x800 | 0x80000 /* EFD_NONBLOCK | EFD_CLOEXEC */)),
                ns.hostLink());
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
            Libc.close(((Deaf) device.inner()).eventFd);
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

    private CompletableFuture<Boolean> waitInBackground(NetDevice d) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> done.complete(d.awaitInput(FOREVER)));
        return done;
    }

    @Test
    void aWaitEndsWhenATapHearsAFrame() throws Exception {
        Deaf inner = (Deaf) device.inner();
        CompletableFuture<Boolean> waiting = waitInBackground(device);
        ns.tryExec("ping", "-c", "1", "-W", "1", "198.18.79.2"); // its ARP request reaches the tap
        assertTrue(waiting.get(30, TimeUnit.SECONDS));
        assertTrue(inner.armings >= 1, "the inner device was armed before the sleep");
        assertEquals(0, inner.taken, "the inner device announced nothing");
        assertTrue(drainCounting(0x0806, -1, 5_000) >= 1);
    }

    @Test
    void aWaitEndsOnTheInnerDevicesEventWhichIsTaken() throws Exception {
        Deaf inner = (Deaf) device.inner();
        inner.announce(); // a completion after the arming: the channel becomes readable
        assertTrue(waitInBackground(device).get(30, TimeUnit.SECONDS));
        assertEquals(1, inner.taken, "the event was taken after the wait");
        inner.inputWaiting = true;
        assertTrue(device.awaitInput(FOREVER), "input before the arming: no sleep");
        assertEquals(1, inner.taken);
    }

    @Test
    void wakeInputEndsTheWait() throws Exception {
        CompletableFuture<Boolean> waiting = waitInBackground(device);
        Thread.sleep(100);
        device.wakeInput();
        assertTrue(waiting.get(30, TimeUnit.SECONDS));
    }

    @Test
    void overAnInnerDeviceThatCannotBeArmedItCannotWait() throws Exception {
        try (NeighbourTapDevice plain = NeighbourTapDevice.wrap(new Plain(pool), ns.hostLink())) {
            assertFalse(plain.awaitInput(FOREVER), "false: the caller parks instead");
        }
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

    /**
     * A device that never receives: all a flow-steered queue gives when no rule matches. It can be armed,
     * as a verbs queue's completion channel: its event descriptor is an eventfd the test writes.
     */
    private static final class Deaf implements NetDevice, ArmableInput {
        final FramePool pool;
        final int eventFd;
        volatile int armings;
        volatile int taken;
        volatile boolean inputWaiting;
        private final MemorySegment counter = java.lang.foreign.Arena.ofAuto().allocate(8, 8);

        Deaf(FramePool pool, int eventFd) {
            this.pool = pool;
            this.eventFd = eventFd;
        }

        void announce() {
            counter.set(ValueLayout.JAVA_LONG, 0, 1);
            Libc.write(eventFd, counter.address(), 8);
        }

        @Override public int inputEventFd() { return eventFd; }
        @Override public Arming armInput() { armings++; return inputWaiting ? Arming.INPUT_WAITING : Arming.ARMED; }
        @Override public void takeInputEvents() {
            if (Libc.read(eventFd, counter.address(), 8) == 8) {
                taken++;
            }
        }
        @Override public String name() { return "deaf"; }
        @Override public FramePool pool() { return pool; }
        @Override public DeviceCapabilities capabilities() { return new DeviceCapabilities(0x0200_0000_0099L, 1500, 1, 1, java.util.Set.of()); }
        @Override public int receive(int queue, FrameBurst into, long nowNanos) { return 0; }
        @Override public int transmit(int queue, FrameBurst frames, long nowNanos) { return 0; }
        @Override public void close() { }
    }

    /** A deaf device that cannot be armed. */
    private record Plain(FramePool pool) implements NetDevice {
        @Override public String name() { return "plain"; }
        @Override public DeviceCapabilities capabilities() { return new DeviceCapabilities(0x0200_0000_0099L, 1500, 1, 1, java.util.Set.of()); }
        @Override public int receive(int queue, FrameBurst into, long nowNanos) { return 0; }
        @Override public int transmit(int queue, FrameBurst frames, long nowNanos) { return 0; }
        @Override public void close() { }
    }
}
