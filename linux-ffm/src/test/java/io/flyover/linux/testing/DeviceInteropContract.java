package io.flyover.linux.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.sys.FdPoller;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Ethernet-level exchanges every Linux device must pass against the kernel of a namespace that
 * the test creates: the device plays 198.18.N.2 with hand-built frames, the kernel 198.18.N.1.
 * Subclasses build the topology and open their device kind in {@link #open()}.
 */
public abstract class DeviceInteropContract {
    protected FramePool pool;
    protected Namespace ns;
    protected NetDevice device;

    /** Creates {@link #ns} and {@link #device} over {@link #pool}. */
    protected abstract void open() throws Exception;

    /** The descriptor that becomes readable when the device has frames to receive. */
    protected abstract int pollFd();

    /** A pool for the device; AF_XDP wants one whose region it can register as UMEM. */
    protected FramePool newPool() throws Exception {
        return FramePool.allocate(4096);
    }

    /** Frees memory {@link #newPool()} mapped itself, after the pool's last use. */
    protected void freePoolMemory() {
    }

    @BeforeEach
    void setUpTopology() throws Exception {
        Prerequisites.requireNetworkAdmin();
        pool = newPool();
        try {
            open();
        } catch (Throwable t) {
            tearDownTopology();
            throw t;
        }
    }

    @AfterEach
    void tearDownTopology() {
        if (pool == null) {
            return; // skipped before anything was created
        }
        try {
            StackOnLink.closeAll(null, null, device, ns, pool, null);
        } finally {
            freePoolMemory();
        }
    }

    protected long ourMac() {
        return device.capabilities().mac();
    }

    @Test
    void arpRequestIsAnsweredByTheKernel() {
        try (Wire wire = new Wire(device)) {
            byte[] request = Frames.arp(1, ourMac(), ns.localIp, Frames.BROADCAST, 0, ns.peerIp);
            wire.send(request);
            byte[] reply = wire.await("ARP reply from " + Namespace.dotted(ns.peerIp),
                    f -> Frames.isArp(f, 2) && Arrays.equals(Frames.arpSenderIp(f), ns.peerIp));
            assertEquals(ns.peerMac(), Frames.arpSenderMac(reply), "the kernel answers with its MAC");
            assertEquals(ourMac(), Frames.destination(reply), "unicast back to us");
            assertEquals(ourMac(), Frames.arpTargetMac(reply));
            assertArrayEquals(ns.localIp, Frames.arpTargetIp(reply));
            assertFalse(wire.sawExactly(request), "our own transmission is not received back");
        }
    }

    @Test
    void icmpEchoIsAnsweredByTheKernel() {
        ns.addPermanentNeighbour(ourMac());
        long peerMac = ns.peerMac();
        byte[] payload = "flyover-echo-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        try (Wire wire = new Wire(device)) {
            wire.send(Frames.icmpEcho(8, ourMac(), peerMac, ns.localIp, ns.peerIp, 0x4655, 7, payload));
            byte[] reply = wire.await("ICMP echo reply", f -> Frames.isIcmpEcho(f, 0) && Frames.icmpId(f) == 0x4655);
            assertEquals(peerMac, Frames.source(reply));
            assertEquals(ourMac(), Frames.destination(reply));
            assertArrayEquals(ns.peerIp, Frames.ipSource(reply));
            assertArrayEquals(ns.localIp, Frames.ipDestination(reply));
            assertEquals(7, Frames.icmpSeq(reply));
            assertArrayEquals(payload, Frames.icmpPayload(reply));
            assertTrue(Frames.ipChecksumValid(reply), "the kernel's IPv4 header checksum verifies");
        }
    }

    /**
     * Rounds of echo requests, each round fitting the rings, together passing every ring index
     * through several wrap-arounds (TX, completion, RX, fill; AF_PACKET's blocks; TAP's queue).
     */
    @Test
    void echoRoundsWrapTheRingsWithoutLossOrDuplication() {
        ns.addPermanentNeighbour(ourMac());
        long peerMac = ns.peerMac();
        int rounds = 6;
        int perRound = 250;
        byte[] payload = new byte[56];
        java.util.BitSet replied = new java.util.BitSet();
        int duplicates = 0;
        try (Wire wire = new Wire(device)) {
            int seen = 0;
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < perRound; i++) {
                    int seq = round * perRound + i;
                    payload[0] = (byte) seq;
                    wire.send(Frames.icmpEcho(8, ourMac(), peerMac, ns.localIp, ns.peerIp, 0x5A5A, seq, payload));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                int want = (round + 1) * perRound;
                while (replied.cardinality() < want && System.nanoTime() < deadline) {
                    if (wire.pollOnce() == 0) {
                        Thread.onSpinWait();
                    }
                    for (; seen < wire.received.size(); seen++) {
                        byte[] f = wire.received.get(seen);
                        if (Frames.isIcmpEcho(f, 0) && Frames.icmpId(f) == 0x5A5A) {
                            int seq = Frames.icmpSeq(f);
                            assertEquals((byte) seq, Frames.icmpPayload(f)[0], "payload belongs to its sequence");
                            if (replied.get(seq)) {
                                duplicates++;
                            }
                            replied.set(seq);
                        }
                    }
                }
                assertEquals(want, replied.cardinality(), "replies after round " + round);
            }
        }
        assertEquals(0, duplicates);
        assertEquals(rounds * perRound, replied.nextClearBit(0), "every sequence number answered once");
    }

    /**
     * The data path allocates nothing per frame: rounds of echo requests and their replies driven
     * straight through the device (no test helpers that allocate), measured with the thread's
     * allocation counter once the JIT has compiled the path (C1-compiled FFM downcalls still allocate
     * a few dozen bytes per call; C2 removes that, and C2 is the steady state). Bytes, not time.
     */
    @Test
    void steadyStateTransmitAndReceiveAllocateNothingPerFrame() throws InterruptedException {
        ns.addPermanentNeighbour(ourMac());
        byte[] echo = Frames.icmpEcho(8, ourMac(), ns.peerMac(), ns.localIp, ns.peerIp, 0x6A6A, 1, new byte[64]);
        MemorySegment source = MemorySegment.ofArray(echo);
        FrameBurst out = new FrameBurst(BATCH);
        FrameBurst in = new FrameBurst(64);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (FrameCache cache = pool.newCache(2 * BATCH)) {
            int warmUp = 120;
            assertEquals(warmUp * BATCH, echoRounds(cache, source, echo.length, out, in, warmUp), "warm-up replies");
            // When the JIT finishes is not ours to know (two cores, other builds): measure windows until
            // one is clean. Per-frame garbage would dirty every window; only compilation lag dirties some.
            int window = 10;
            // Until C2 has compiled them, FFM downcalls with errno capture allocate a 40-byte segment per call
            // (JDK 25, C1). The smallest Java object is 16 bytes: an object per frame (or per second frame) shows as
            // 8 bytes a frame or more. Less is per-call garbage of a cold, not yet C2-compiled
            // downcall site (AF_XDP's sendto kick runs once per 32 frames).
            long bound = 8L * window * BATCH;
            long least = Long.MAX_VALUE;
            for (int w = 0; w < 40 && least >= bound; w++) {
                if (w > 0) {
                    Thread.sleep(100); // let a busy machine's compiler threads catch up
                }
                long before = threads.getCurrentThreadAllocatedBytes();
                int replies = echoRounds(cache, source, echo.length, out, in, window);
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertEquals(window * BATCH, replies);
                System.out.println(device.name() + ": window " + w + ": " + allocated + " bytes allocated over "
                        + replies + " echo round trips");
                least = Math.min(least, allocated);
            }
            assertTrue(least < bound, "no object per frame: " + least + " bytes over " + window * BATCH + " frames");
        }
    }

    private static final int BATCH = 128;

    /** {@code rounds} times: a batch of requests out, then receive until as many frames came back. */
    private int echoRounds(FrameCache cache, MemorySegment source, int length, FrameBurst out, FrameBurst in, int rounds) {
        int received = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < BATCH; i++) {
                    int frame = cache.acquire();
                    MemorySegment.copy(source, 0, pool.region(), pool.frameBase(frame) + pool.headroom(), length);
                    pool.setData(frame, pool.headroom(), length);
                    out.add(frame);
                }
                while (!out.isEmpty()) {
                    out.removeFirst(device.transmit(0, out, 0));
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("round " + r + ": device stopped taking frames");
                    }
                }
                int target = received + BATCH;
                while (received < target) {
                    int n = device.receive(0, in, 0);
                    for (int i = 0; i < n; i++) {
                        cache.release(in.get(i));
                    }
                    in.clear();
                    received += n;
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("round " + r + ": " + (target - received) + " replies missing");
                    }
                }
            }
        } finally {
            for (int i = 0; i < out.count(); i++) {
                cache.release(out.get(i));
            }
            out.clear();
        }
        return received;
    }

    @Test
    void kernelPingIsAnsweredThroughTheDevice() throws Exception {
        int count = 3;
        int arpAnswered = 0;
        int echoAnswered = 0;
        try (Wire wire = new Wire(device)) {
            Process ping = ns.start("ping", "-n", "-c", String.valueOf(count), "-i", "0.2", "-W", "5",
                    Namespace.dotted(ns.localIp));
            try {
                int seen = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (ping.isAlive() && System.nanoTime() < deadline) {
                    if (wire.pollOnce() == 0) {
                        Thread.sleep(1);
                    }
                    for (; seen < wire.received.size(); seen++) {
                        byte[] f = wire.received.get(seen);
                        if (Frames.isArp(f, 1) && Arrays.equals(Frames.arpTargetIp(f), ns.localIp)) {
                            wire.send(Frames.arp(2, ourMac(), ns.localIp, Frames.arpSenderMac(f),
                                    Frames.arpSenderMac(f), Frames.arpSenderIp(f)));
                            arpAnswered++;
                        } else if (Frames.isIcmpEcho(f, 8) && Arrays.equals(Frames.ipDestination(f), ns.localIp)) {
                            assertTrue(Frames.ipChecksumValid(f));
                            wire.send(Frames.icmpEcho(0, ourMac(), Frames.source(f), ns.localIp, Frames.ipSource(f),
                                    Frames.icmpId(f), Frames.icmpSeq(f), Frames.icmpPayload(f)));
                            echoAnswered++;
                        }
                    }
                }
                assertTrue(ping.waitFor(5, TimeUnit.SECONDS), "ping finishes");
                String output = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, ping.exitValue(), "ping from the namespace succeeds:\n" + output);
                assertTrue(output.contains(count + " received"), output);
            } finally {
                ping.destroyForcibly();
            }
        }
        assertTrue(arpAnswered >= 1, "the kernel resolved us with ARP");
        assertEquals(count, echoAnswered, "every echo request arrived once");
    }

    @Test
    void thePeerGoingDownAndUpAgainDoesNotBreakTheDevice() throws Exception {
        try (Wire wire = new Wire(device)) {
            ns.exec("ip", "link", "set", ns.peerInterface, "down");
            byte[] request = Frames.arp(1, ourMac(), ns.localIp, Frames.BROADCAST, 0, ns.peerIp);
            for (int i = 0; i < 4; i++) {
                wire.send(request); // taken and dropped, or queued: either way no exception
                wire.pollOnce();
            }
            ns.exec("ip", "link", "set", ns.peerInterface, "up");
            // frames sent while the carrier comes back may be lost: ask until the kernel answers
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int seen = 0;
            boolean answered = false;
            while (!answered && System.nanoTime() < deadline) {
                wire.send(request);
                for (int i = 0; i < 50 && !answered; i++) {
                    wire.pollOnce();
                    for (; seen < wire.received.size(); seen++) {
                        byte[] f = wire.received.get(seen);
                        answered |= Frames.isArp(f, 2) && Arrays.equals(Frames.arpSenderIp(f), ns.peerIp);
                    }
                    Thread.sleep(2);
                }
            }
            assertTrue(answered, "the kernel answers again once its link is back up");
        }
    }

    @Test
    void anIdleDeviceWakesAPollerWhenAFrameArrives() throws Exception {
        Prerequisites.requirePython();
        try (Wire wire = new Wire(device); FdPoller poller = new FdPoller(1)) {
            int index = poller.add(pollFd());
            while (wire.pollOnce() > 0) {
                // drain whatever the kernel said while the link came up
            }
            assertEquals(0, poller.await(0), "nothing to read yet");
            byte[] marker = frameTo(ourMac(), ns.peerMac(), 0x88b5, "f1f0f1f0" + "00".repeat(60));
            ns.sendRawFrames(List.of(marker));
            assertEquals(1, poller.await(10_000), "poll wakes up for the frame");
            assertTrue(poller.readable(index));
            wire.await("the frame that woke the poller", f -> Arrays.equals(f, marker));
        }
    }

    /**
     * Drains what the kernel said while the link came up, then starts a thread waiting in the device for
     * input (completing {@code woke} with the answer) and checks that, with nothing to read, it still waits.
     */
    private Thread startIdleWait(Wire wire, java.util.concurrent.CompletableFuture<Boolean> woke) throws Exception {
        while (wire.pollOnce() > 0) {
            // drained
        }
        Thread waiter = Thread.ofPlatform().daemon().start(() -> woke.complete(device.awaitInput(120_000_000_000L)));
        Thread.sleep(100);
        assertTrue(!woke.isDone(), "nothing to read: the wait goes on");
        return waiter;
    }

    /**
     * The stack thread's interrupt mode: {@code NetDevice.awaitInput} sleeps while the device is idle
     * and returns when a frame may be read (the JUnit timeout fails a wait that a frame does not end).
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void anIdleDeviceEndsItsStackThreadsWaitWhenAFrameArrives() throws Exception {
        Prerequisites.requirePython();
        try (Wire wire = new Wire(device)) {
            java.util.concurrent.CompletableFuture<Boolean> woke = new java.util.concurrent.CompletableFuture<>();
            Thread waiter = startIdleWait(wire, woke);
            byte[] marker = frameTo(ourMac(), ns.peerMac(), 0x88b5, "f1f0f1f0" + "00".repeat(60));
            ns.sendRawFrames(List.of(marker));
            assertTrue(woke.get(30, java.util.concurrent.TimeUnit.SECONDS), "the device can wait, and the frame ended the wait");
            waiter.join();
            wire.await("the frame that ended the wait", f -> Arrays.equals(f, marker));
        }
    }

    /**
     * The other way a stack thread's sleep in the device ends: an application thread armed a timer nearer
     * than the one the stack thread sleeps towards and calls {@code wakeInput}; no frame comes. A wake
     * before a wait makes that wait return at once, so a wake racing the start of a sleep is not lost.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void wakeInputEndsTheStackThreadsWaitWithoutAFrame() throws Exception {
        try (Wire wire = new Wire(device)) {
            java.util.concurrent.CompletableFuture<Boolean> woke = new java.util.concurrent.CompletableFuture<>();
            Thread waiter = startIdleWait(wire, woke);
            device.wakeInput();
            assertTrue(woke.get(30, java.util.concurrent.TimeUnit.SECONDS), "the wake ended the wait");
            waiter.join();

            device.wakeInput();
            java.util.concurrent.CompletableFuture<Boolean> early = new java.util.concurrent.CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> early.complete(device.awaitInput(120_000_000_000L)));
            assertTrue(early.get(30, java.util.concurrent.TimeUnit.SECONDS), "a wake before the wait ends it at once");

            java.util.concurrent.CompletableFuture<Boolean> again = new java.util.concurrent.CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> again.complete(device.awaitInput(120_000_000_000L)));
            Thread.sleep(100);
            assertTrue(!again.isDone(), "a wake is used up by the wait it ended: the next one sleeps");
            device.wakeInput();
            assertTrue(again.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void malformedFramesArriveAsFramesAndTheDeviceKeepsWorking() {
        Prerequisites.requirePython();
        long peerMac = ns.peerMac();
        List<byte[]> hostile = List.of(
                // IPv4 with IHL 15 (60 bytes) but only 20 bytes of header, total length 65535, bad checksum
                frame(peerMac, 0x0800, "4f00ffff00000000400100000000c612" + "0001c612"),
                // version 7 in an IPv4 frame
                frame(peerMac, 0x0800, "75000014000000004001bad0c6120001c6120002"),
                // ARP cut after 6 bytes
                frame(peerMac, 0x0806, "000108000604"),
                // TCP with data offset 1 (< 5) and a wrong checksum
                frame(peerMac, 0x0800, "45000028000100004006" + "0000" + "c6120001c6120002"
                        + "1f900050000000010000000010" + "02ffffdead0000"),
                // Ethernet header only, IPv6 ethertype, nothing after it
                frame(peerMac, 0x86dd, ""),
                // broadcast with an unknown ethertype and a large payload
                frameTo(Frames.BROADCAST, peerMac, 0x88b5, "ab".repeat(1000)));
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(hostile);
            for (byte[] f : hostile) {
                wire.await("hostile frame " + Frames.hex(Arrays.copyOf(f, Math.min(24, f.length))),
                        g -> Arrays.equals(f, g));
            }
            // ... and the device still works
            wire.send(Frames.arp(1, ourMac(), ns.localIp, Frames.BROADCAST, 0, ns.peerIp));
            wire.await("ARP reply after hostile frames",
                    f -> Frames.isArp(f, 2) && Arrays.equals(Frames.arpSenderIp(f), ns.peerIp));
        }
    }

    private byte[] frame(long srcMac, int etherType, String payloadHex) {
        return frameTo(ourMac(), srcMac, etherType, payloadHex);
    }

    private static byte[] frameTo(long dstMac, long srcMac, int etherType, String payloadHex) {
        byte[] payload = java.util.HexFormat.of().parseHex(payloadHex);
        byte[] f = new byte[14 + payload.length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dstMac >>> (8 * (5 - i)));
            f[6 + i] = (byte) (srcMac >>> (8 * (5 - i)));
        }
        f[12] = (byte) (etherType >>> 8);
        f[13] = (byte) etherType;
        System.arraycopy(payload, 0, f, 14, payload.length);
        return f;
    }
}
