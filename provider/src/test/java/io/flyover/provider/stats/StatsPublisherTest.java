package io.flyover.provider.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.stats.StatsFileLayout.Scope;
import io.flyover.provider.stats.StatsSnapshot.Owner;
import io.flyover.stack.DropReason;
import io.flyover.stack.LoopbackHost;
import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.StackCounters;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.ForwardingNetDevice;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.LoopbackDevice;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpState;
import io.flyover.stack.tcp.TcpStats;
import io.flyover.stack.udp.UdpSocket;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real loopback stack carrying TCP and UDP, its counters published into a statistics file and read
 * back through {@link StatsFileReader} as another process would: the values are the stack's own, socket
 * counters come and go with their sockets, and publishing allocates nothing.
 */
class StatsPublisherTest {
    private static final IpAddress LO = IpAddress.LOOPBACK_V4;

    @TempDir
    Path dir;

    private StatsOptions options(int capacity) {
        return new StatsOptions(true, dir, 0, capacity, 0);
    }

    /** A connection over the loopback stack, with its accepted peer. */
    private record Pair(TcpListener listener, TcpConnection client, TcpConnection server) {}

    private static Pair connect(LoopbackHost h, int port) {
        TcpListener l = h.stack.tcp().listen(0, 0, port, 8, null);
        TcpConnection c = h.stack.tcp().connect(LO.hi(), LO.lo(), 0, LO.hi(), LO.lo(), port, null, h.now);
        h.settle();
        TcpConnection s = l.accept();
        assertNotNull(s, "accepted");
        return new Pair(l, c, s);
    }

    private static long move(LoopbackHost h, Pair p, byte[] chunk, byte[] sink, int rounds) {
        long moved = 0;
        for (int r = 0; r < rounds; r++) {
            p.client.write(chunk, 0, chunk.length);
            h.stack.flush();
            h.now += 10_000;
            h.settle();
            for (int n; (n = p.server.read(sink, 0, sink.length)) > 0; ) {
                moved += n;
            }
        }
        return moved;
    }

    @Test
    void publishedValuesAreTheStacksOwn() throws Exception {
        try (StatsFile file = StatsFile.create(options(4096), () -> 1_000L); LoopbackHost h = new LoopbackHost()) {
            StatsPublisher pub = file.newPublisher(h.stack, "lo", 0);
            Pair p = connect(h, 80);
            SocketStats listener = pub.track(p.listener);
            SocketStats client = pub.track(p.client);
            SocketStats server = pub.track(p.server);
            UdpSocket udp = h.stack.openUdp();
            udp.bind(LO, 9000);
            SocketStats udpStats = pub.track(udp);
            long moved = move(h, p, new byte[4096], new byte[65536], 50);
            MemorySegment d = MemorySegment.ofArray(new byte[100]);
            for (int i = 0; i < 3; i++) {
                udp.sendTo(d, 0, 100, LO.hi(), LO.lo(), 9000);
            }
            h.settle();
            for (int i = 0; i < 5; i++) {
                pub.recordPoll();
            }
            file.process().decided(SocketRole.TCP_CLIENT, OffloadPath.OFFLOAD);
            file.process().decided(SocketRole.TCP_CLIENT, OffloadPath.KERNEL);
            file.process().socketOpened(OffloadPath.OFFLOAD);
            file.process().socketOpened(OffloadPath.OFFLOAD);
            file.process().socketOpened(OffloadPath.KERNEL);
            file.process().socketClosed(OffloadPath.OFFLOAD);
            pub.publish();

            StatsFileReader reader = StatsFileReader.open(file.path());
            assertEquals(ProcessHandle.current().pid(), reader.pid());
            assertEquals(1_000L, reader.heartbeatMillis());
            assertTrue(reader.command().contains("java"), reader.command());
            StatsSnapshot s = reader.snapshot(0);

            StackCounters sc = h.stack.counters();
            TcpStats ts = h.stack.tcp().stats();
            Owner stack = s.owner(Scope.STACK, pub.stackId());
            assertNotNull(stack);
            assertEquals("stack 0 lo", stack.description());
            assertTrue(sc.rxFrames() > 50, "traffic went through the stack");
            assertEquals(sc.rxFrames(), stack.value("rxPackets"));
            assertEquals(sc.rxBytes(), stack.value("rxBytes"));
            assertEquals(sc.txFrames(), stack.value("txPackets"));
            assertEquals(sc.txBytes(), stack.value("txBytes"));
            assertEquals(sc.totalDrops(), stack.value("drops"));
            for (DropReason r : DropReason.values()) {
                assertEquals(sc.drops(r), stack.value("drop." + r.name()), r.name());
                assertEquals(sc.drops(r), pub.publishedDrops(r.ordinal()));
            }
            assertEquals(ts.segmentsOut, stack.value("tcp.segmentsOut"));
            assertEquals(ts.segmentsIn, stack.value("tcp.segmentsIn"));
            assertEquals(ts.activeOpens, stack.value("tcp.activeOpens"));
            assertEquals(1, stack.value("tcp.activeOpens"));
            assertEquals(1, stack.value("tcp.passiveOpens"));
            assertEquals(2, stack.value("tcp.connections"));
            assertEquals(h.pool.frameCount(), stack.value("pool.frames"));
            assertEquals(h.pool.available(), stack.value("pool.framesFree"));
            assertEquals(h.pool.inUse(), stack.value("pool.framesInUse"));
            assertTrue(stack.fields().get("pool.framesFree").gauge());
            assertFalse(stack.fields().get("rxPackets").gauge());

            Owner queue = s.owners(Scope.QUEUE).getFirst();
            assertEquals(pub.stackId(), queue.stackId());
            assertEquals(5, queue.value("polls"));
            assertEquals(1, queue.value("pollsWithInput"), "frames arrived before the first recorded poll only");
            assertEquals(sc.rxFrames(), queue.value("rxPackets"));

            Owner c = s.owner(Scope.SOCKET, client.id());
            Owner sv = s.owner(Scope.SOCKET, server.id());
            assertEquals(moved, c.value("bytesOut"));
            assertEquals(moved, sv.value("bytesIn"));
            assertEquals(p.client.segmentsSent(), c.value("segmentsOut"));
            assertEquals(p.server.segmentsReceived(), sv.value("segmentsIn"));
            assertEquals(TcpState.ESTABLISHED.ordinal(), c.value("state"));
            assertEquals(p.client.congestionWindow(), c.value("cwnd"));
            assertEquals(p.client.smoothedRttNanos(), c.value("rttNanos"));
            assertEquals(p.server.receiveWindow(), sv.value("receiveWindow"));
            assertEquals(pub.stackId(), c.stackId());
            assertTrue(c.description().startsWith("tcp 127.0.0.1:") && c.description().endsWith(" -> 127.0.0.1:80"), c.description());
            assertEquals(8, s.owner(Scope.SOCKET, listener.id()).value("backlog"));
            Owner u = s.owner(Scope.SOCKET, udpStats.id());
            assertEquals("udp 127.0.0.1:9000", u.description());
            assertEquals(3, u.value("datagramsOut"));
            assertEquals(3, u.value("datagramsIn"));
            assertEquals(300, u.value("bytesIn"));
            assertEquals(3, u.value("receiveQueue"));

            assertEquals(1, s.processValue("sockets.offloaded"));
            assertEquals(1, s.processValue("sockets.kernel"));
            assertEquals(1, s.processValue("decided.tcp_client.offload"));
            assertEquals(1, s.processValue("decided.tcp_client.kernel"));
            assertEquals(0, s.processValue("decided.tcp_server.offload"));
        }
    }

    /**
     * A flow rule the device failed to remove (counted by the stack's port steering, since a release runs
     * inside segment input and timers) is published with the stack's counters and shown by flyover-stat.
     */
    @Test
    void flowRulesTheDeviceFailedToRemoveArePublishedAndShown() throws Exception {
        try (StatsFile file = StatsFile.create(options(1024), () -> 1L); FramePool pool = FramePool.allocate(256)) {
            NetDevice refusingRemoval = new ForwardingNetDevice(new LoopbackDevice(pool)) {
                @Override
                public void removeFlowRule(FlowRule rule) {
                    throw new IllegalStateException("the rule stays");
                }
            };
            Stack stack = new Stack(StackConfig.builder().loopback().build(), refusingRemoval, new SeededRandom(5));
            try {
                StatsPublisher pub = file.newPublisher(stack, "lo", 0);
                UdpSocket udp = stack.openUdp();
                udp.bind(LO, 9002);
                udp.close(); // its rule's removal fails
                pub.publish();

                StatsSnapshot s = StatsFileReader.open(file.path()).snapshot(0);
                Owner published = s.owner(Scope.STACK, pub.stackId());
                assertEquals(1, stack.netInterface().portSteering().removalFailures());
                assertEquals(1, published.value("steering.removalFailures"));
                assertFalse(published.fields().get("steering.removalFailures").gauge());
                String text = StatsReport.processText(s, null, 1L);
                assertTrue(text.lines().anyMatch(l -> l.matches("\\s+steering\\.removalFailures\\s+1\\s+-")), text);
            } finally {
                stack.close();
                refusingRemoval.close();
            }
        }
    }

    @Test
    void socketCountersLeaveWithTheirSocketAndTheirIdsAreReused() throws Exception {
        try (StatsFile file = StatsFile.create(options(4096), () -> 1L); LoopbackHost h = new LoopbackHost()) {
            StatsPublisher pub = file.newPublisher(h.stack, "lo", 0);
            int freeWithStack = file.available();
            Pair p = connect(h, 81);
            SocketStats a = pub.track(p.client);
            SocketStats b = pub.track(p.server);
            assertEquals(freeWithStack - 2 * SocketStats.TCP_NAMES.length, file.available());
            assertEquals(2, pub.trackedSockets());
            pub.publish();
            StatsFileReader reader = StatsFileReader.open(file.path());
            assertEquals(2, reader.snapshot(0).owners(Scope.SOCKET).size());

            a.close();
            a.close(); // idempotent
            pub.publish();
            StatsSnapshot after = reader.snapshot(0);
            assertEquals(1, after.owners(Scope.SOCKET).size());
            assertNull(after.owner(Scope.SOCKET, a.id()));
            assertNotNull(after.owner(Scope.SOCKET, b.id()));
            assertEquals(freeWithStack - SocketStats.TCP_NAMES.length, file.available());

            // The freed counters serve the next socket, under new registration ids (rates do not mix sockets).
            Set<Long> oldRegistrations = new HashSet<>();
            after.owner(Scope.SOCKET, b.id()).fields().values().forEach(f -> oldRegistrations.add(f.registrationId()));
            SocketStats c = pub.track(p.listener);
            assertEquals(freeWithStack - SocketStats.TCP_NAMES.length - SocketStats.LISTENER_NAMES.length, file.available());
            pub.publish();
            Owner listener = reader.snapshot(0).owner(Scope.SOCKET, c.id());
            for (var f : listener.fields().values()) {
                assertFalse(oldRegistrations.contains(f.registrationId()));
            }
            assertTrue(c.id() > b.id(), "socket serials are never reused");

            pub.close();
            assertEquals(0, reader.snapshot(0).owners(Scope.SOCKET).size(), "closing the publisher frees its sockets");
            assertTrue(reader.snapshot(0).owners(Scope.STACK).isEmpty());
            b.close(); // after the publisher: harmless
        }
    }

    @Test
    void aFullFileLeavesNewSocketsWithoutCountersAndCountsThem() throws Exception {
        int capacity = ProcessStats.COUNTERS + StatsPublisher.COUNTERS; // the process and one stack, no room for a socket
        try (StatsFile file = StatsFile.create(options(capacity), () -> 1L); LoopbackHost h = new LoopbackHost()) {
            StatsPublisher pub = file.newPublisher(h.stack, "lo", 0);
            Pair p = connect(h, 82);
            SocketStats s = pub.track(p.client);
            assertSame(SocketStats.NONE, s);
            assertFalse(s.isTracked());
            s.close();
            assertEquals(1, file.process().untrackedSockets());
            assertEquals(0, pub.trackedSockets());
            pub.publish();
            assertEquals(1, StatsFileReader.open(file.path()).snapshot(0).processValue(ProcessStats.UNTRACKED));
        }
    }

    @Test
    void closeDeletesTheFileAndADisabledFileCountsNothing() throws Exception {
        Path path;
        try (StatsFile file = StatsFile.create(options(1024), () -> 1L)) {
            path = file.path();
            assertEquals(dir.resolve(StatsFileLayout.fileName(ProcessHandle.current().pid())), path);
            assertTrue(Files.exists(path));
            assertFalse(Files.exists(Path.of(path + ".new")));
        }
        assertFalse(Files.exists(path), "a clean close deletes the file");

        StatsFile off = StatsFile.open(new StatsOptions(false, dir, 0, 1024, 0));
        assertFalse(off.isEnabled());
        try (LoopbackHost h = new LoopbackHost()) {
            StatsPublisher pub = off.newPublisher(h.stack, "lo", 0);
            Pair p = connect(h, 83);
            assertSame(SocketStats.NONE, pub.track(p.client));
            pub.publish();
            assertEquals(h.stack.counters().drops(DropReason.NO_FRAME), pub.publishedDrops(DropReason.NO_FRAME.ordinal()));
            off.process().socketOpened(OffloadPath.OFFLOAD);
            assertEquals(0, off.process().openSockets(OffloadPath.OFFLOAD));
            pub.close();
        }
        off.close();
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "a disabled instance writes nothing");
        }
    }

    @Test
    void theProcessSharesOneFile() {
        StatsFile first = StatsFile.shared(options(1024));
        try {
            assertTrue(first.isEnabled());
            assertSame(first, StatsFile.shared(new StatsOptions(true, dir.resolve("elsewhere"), 0, 2048, 0)), "the first call's options hold");
            assertFalse(Files.exists(dir.resolve("elsewhere")));
        } finally {
            first.close();
        }
        StatsFile next = StatsFile.shared(options(1024));
        assertTrue(next != first, "a closed shared file is replaced");
        next.close();
    }

    @Test
    void anUnwritableDirectoryDisablesStatisticsInsteadOfFailing() throws Exception {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        StatsFile f = StatsFile.open(new StatsOptions(true, blocker.resolve("flyover"), 0, 1024, 0));
        assertFalse(f.isEnabled());
        f.close();
    }

    @Test
    void publishIfDueKeepsTheInterval() throws Exception {
        try (StatsFile file = StatsFile.create(options(1024), () -> 1L); LoopbackHost h = new LoopbackHost()) {
            StatsPublisher pub = file.newPublisher(h.stack, "lo", 100);
            assertTrue(pub.publishIfDue(-5_000), "the first call publishes");
            assertFalse(pub.publishIfDue(-4_901));
            assertTrue(pub.publishIfDue(-4_900));
            assertFalse(pub.publishIfDue(-4_850));
        }
    }

    @Test
    void socketDescriptionsUseTheShortAddressForms() {
        assertEquals("198.18.0.1:80", AddressText.endpoint(0, IpAddress.v4Lo(0xC612_0001), 80));
        assertEquals("[::]:7000", AddressText.endpoint(0, 0, 7000));
        assertEquals("[::1]:1", AddressText.endpoint(0, 1, 1));
        for (String text : List.of("fd00::2", "fd42:0:1::", "2001:db8::1:0:0:1", "2001:db8:0:1:1:1:1:1", "1:2:3:4:5:6:7:8",
                "fe80::1:2", "2001:0:0:1::1")) {
            IpAddress a = IpAddress.parse(text);
            assertEquals(text, AddressText.ipv6(a.hi(), a.lo()));
        }
    }

    @Test
    void everyTcpStatsFieldIsPublished() {
        Set<String> fields = new HashSet<>();
        for (Field f : TcpStats.class.getDeclaredFields()) {
            if (Modifier.isPublic(f.getModifiers()) && !Modifier.isStatic(f.getModifiers()) && f.getType() == long.class) {
                fields.add(f.getName());
            }
        }
        assertEquals(fields, new HashSet<>(Arrays.asList(TcpStatsFields.NAMES)));
        TcpStats s = new TcpStats();
        // Each getter reads its own field: set field i to i + 1 and read them all back.
        for (int i = 0; i < TcpStatsFields.NAMES.length; i++) {
            try {
                TcpStats.class.getField(TcpStatsFields.NAMES[i]).setLong(s, i + 1);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        for (int i = 0; i < TcpStatsFields.NAMES.length; i++) {
            assertEquals(i + 1, TcpStatsFields.GETTERS[i].applyAsLong(s), TcpStatsFields.NAMES[i]);
        }
    }

    /**
     * The acceptance check for "no allocation on the data path": publishing a stack with live TCP
     * connections and a UDP socket allocates nothing, measured by the thread's allocation counter around
     * each publish (calibrated against the same measurement around nothing).
     */
    @Test
    void publishingAllocatesNothing() throws Exception {
        try (StatsFile file = StatsFile.create(options(4096), () -> 1L); LoopbackHost h = new LoopbackHost()) {
            h.device.recording = false;
            StatsPublisher pub = file.newPublisher(h.stack, "lo", 0);
            Pair p = connect(h, 84);
            pub.track(p.listener);
            pub.track(p.client);
            pub.track(p.server);
            UdpSocket udp = h.stack.openUdp();
            udp.bind(LO, 9001);
            pub.track(udp);
            byte[] chunk = new byte[8192];
            byte[] sink = new byte[65536];
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long published = 0;
            long baseline = 0;
            for (int round = 0; round < 12_000; round++) {
                move(h, p, chunk, sink, 1);
                pub.recordPoll();
                long t0 = mx.getCurrentThreadAllocatedBytes();
                long t1 = mx.getCurrentThreadAllocatedBytes();
                pub.publish();
                long t2 = mx.getCurrentThreadAllocatedBytes();
                if (round >= 2_000) { // after warm-up (JIT, first-use class loading)
                    baseline += t1 - t0;
                    published += t2 - t1;
                }
            }
            System.out.println("publish: " + published + " bytes allocated over 10,000 publishes (measurement itself: "
                    + baseline + ")");
            assertTrue(p.client.payloadBytesSent() > 10_000_000L, "traffic flowed: " + p.client.payloadBytesSent());
            assertEquals(baseline, published, "bytes allocated by 10,000 publishes beyond the measurement's own");
        }
    }
}
