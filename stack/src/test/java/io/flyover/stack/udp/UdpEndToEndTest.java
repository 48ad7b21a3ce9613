package io.flyover.stack.udp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import io.flyover.stack.StackConfig;
import io.flyover.stack.TwoStacks;
import io.flyover.stack.net.IpAddress;
import java.lang.foreign.MemorySegment;
import java.net.BindException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UdpEndToEndTest {

    static MemorySegment text(String s) {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static String receiveText(UdpSocket s) throws Exception {
        byte[] buf = new byte[2048];
        int n = s.receive(MemorySegment.ofArray(buf), 0, buf.length);
        return n < 0 ? null : new String(buf, 0, n, StandardCharsets.US_ASCII);
    }

    @Test
    void ipv4DatagramThereAndBackResolvingWithArp() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            UdpSocket server = net.b.openUdp();
            server.bind(IpAddress.ANY_V4, 7000);
            UdpSocket client = net.a.openUdp();
            client.bind(IpAddress.ANY_V4, 0);
            assertTrue(client.localPort() >= 49_152);
            assertEquals(5, client.sendTo(text("hello"), 0, 5, TwoStacks.B4, 7000));
            net.run(4);
            assertEquals("hello", receiveText(server));
            assertEquals(TwoStacks.A4, server.source());
            assertEquals(client.localPort(), server.sourcePort());

            server.sendTo(text("world!"), 0, 6, server.source(), server.sourcePort());
            net.run(4);
            assertEquals("world!", receiveText(client));
            assertEquals(TwoStacks.B4, client.source());
            assertEquals(7000, client.sourcePort());
            assertEquals(null, receiveText(client));
            assertEquals(0, net.a.counters().totalDrops() - net.a.counters().drops(DropReason.NEIGHBOR_NOT_FOR_US), net.a.counters().toString());
        }
    }

    @Test
    void ipv6DatagramResolvingWithNeighborDiscovery() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            UdpSocket server = net.b.openUdp();
            server.bind(IpAddress.ANY_V6, 7000);
            UdpSocket client = net.a.openUdp();
            client.connect(TwoStacks.B6, 7000);
            client.send(text("over six"), 0, 8);
            net.run(4);
            assertEquals("over six", receiveText(server));
            assertEquals(TwoStacks.A6, server.source());
            server.sendTo(text("back"), 0, 4, server.source(), server.sourcePort());
            net.run(4);
            assertEquals("back", receiveText(client));
        }
    }

    @Test
    void connectedSocketFiltersOtherSendersAndMostSpecificWins() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            UdpSocket wildcard = net.b.openUdp();
            wildcard.setReuseAddress(true);
            wildcard.bind(IpAddress.ANY_V4, 7000);
            UdpSocket specific = net.b.openUdp();
            specific.setReuseAddress(true);
            specific.bind(TwoStacks.B4, 7000);
            UdpSocket sender = net.a.openUdp();
            sender.sendTo(text("x"), 0, 1, TwoStacks.B4, 7000);
            net.run(4);
            assertEquals("x", receiveText(specific));
            assertEquals(null, receiveText(wildcard));
        }
    }

    @Test
    void portUnreachableIsRateLimitedAndReportedToConnectedSocket() throws Exception {
        try (TwoStacks net = new TwoStacks(StackConfig.builder(), StackConfig.builder().icmpErrorRate(1, 5))) {
            UdpSocket client = net.a.openUdp();
            client.connect(TwoStacks.B4, 9);
            for (int i = 0; i < 20; i++) {
                client.send(text("nobody"), 0, 6);
                net.run(2);
            }
            assertEquals(20, net.b.counters().drops(DropReason.UDP_NO_SOCKET));
            assertEquals(15, net.b.counters().drops(DropReason.ICMP_RATE_LIMITED));
            assertThrows(PortUnreachableException.class, () -> receiveText(client));
            assertEquals(null, receiveText(client));
        }
    }

    @Test
    void largeDatagramsAreFragmentedAndReassembledInBothFamilies() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            for (IpAddress to : new IpAddress[] {TwoStacks.B4, TwoStacks.B6}) {
                UdpSocket server = net.b.openUdp();
                server.bind(to.isV4() ? IpAddress.ANY_V4 : IpAddress.ANY_V6, 7001);
                UdpSocket client = net.a.openUdp();
                byte[] data = pattern(20_000, to.isV4() ? 1 : 2);
                client.sendTo(MemorySegment.ofArray(data), 0, data.length, to, 7001);
                net.run(8);
                byte[] got = new byte[65_536];
                int n = server.receive(MemorySegment.ofArray(got), 0, got.length);
                assertEquals(data.length, n, net.b.counters().toString());
                assertArrayEquals(data, java.util.Arrays.copyOf(got, n));
                server.close();
                client.close();
            }
            assertEquals(0, net.b.counters().drops(DropReason.IP_FRAGMENT_MALFORMED));
        }
    }

    @Test
    void largeEchoIsReassembledAndTheReplyFragmented() {
        try (TwoStacks net = new TwoStacks()) {
            net.run(2);
            assertTrue(net.a.ping(TwoStacks.B4, 1, 1, 56));
            assertTrue(net.a.ping(TwoStacks.B6, 1, 2, 56));
            net.run(6);
            assertEquals(2, net.a.counters().echoRepliesReceived());
        }
    }

    @Test
    void multicastReachesEverySubscribedSocketAndLeaveStopsIt() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            for (IpAddress group : new IpAddress[] {IpAddress.parse("239.1.2.3"), IpAddress.parse("ff15::1234")}) {
                UdpSocket[] subs = new UdpSocket[3];
                for (int i = 0; i < subs.length; i++) {
                    subs[i] = net.b.openUdp();
                    subs[i].setReuseAddress(true);
                    subs[i].bind(group.isV4() ? IpAddress.ANY_V4 : IpAddress.ANY_V6, 5000);
                    subs[i].join(group);
                }
                UdpSocket sender = net.a.openUdp();
                sender.sendTo(text("to all"), 0, 6, group, 5000);
                net.run(4);
                for (UdpSocket s : subs) {
                    assertEquals("to all", receiveText(s));
                }
                subs[0].leave(group);
                sender.sendTo(text("again"), 0, 5, group, 5000);
                net.run(4);
                assertEquals(null, receiveText(subs[0]));
                assertEquals("again", receiveText(subs[1]));
                assertEquals("again", receiveText(subs[2]));
                for (UdpSocket s : subs) {
                    s.close();
                }
                sender.sendTo(text("gone"), 0, 4, group, 5000);
                net.run(4);
                sender.close();
            }
            assertTrue(net.b.counters().drops(DropReason.ETHERNET_NOT_FOR_US) >= 2, net.b.counters().toString());
        }
    }

    @Test
    void ownMulticastLoopsBackToMemberSocketsOfTheSameStackUnlessDisabled() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            IpAddress group = IpAddress.parse("239.9.9.9");
            UdpSocket member = net.a.openUdp();
            member.setReuseAddress(true);
            member.bind(IpAddress.ANY_V4, 6000);
            member.join(group);
            UdpSocket remote = net.b.openUdp();
            remote.setReuseAddress(true);
            remote.bind(IpAddress.ANY_V4, 6000);
            remote.join(group);
            UdpSocket sender = net.a.openUdp();
            sender.sendTo(text("loop"), 0, 4, group, 6000);
            net.run(4);
            assertEquals("loop", receiveText(member));
            assertEquals(TwoStacks.A4, member.source());
            assertEquals(sender.localPort(), member.sourcePort());
            assertEquals("loop", receiveText(remote));
            sender.setMulticastLoop(false);
            sender.sendTo(text("nolo"), 0, 4, group, 6000);
            net.run(4);
            assertEquals(null, receiveText(member));
            assertEquals("nolo", receiveText(remote));
        }
    }

    /** IP_DONTFRAGMENT: a datagram too big for the path is refused whole (EMSGSIZE), its loopback copy too. */
    @Test
    void anOversizedDontFragmentMulticastIsNotLoopedBackEither() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            IpAddress group = IpAddress.parse("239.9.9.8");
            UdpSocket member = net.a.openUdp();
            member.bind(IpAddress.ANY_V4, 6001);
            member.join(group);
            UdpSocket sender = net.a.openUdp();
            sender.setDontFragment(true);
            SocketException e = assertThrows(SocketException.class,
                    () -> sender.sendTo(MemorySegment.ofArray(new byte[3000]), 0, 3000, group, 6001));
            assertEquals("Message too long", e.getMessage());
            net.run(4);
            assertEquals(0, member.queuedDatagrams(), "nothing looped back");
        }
    }

    @Test
    void broadcastNeedsTheBroadcastOption() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            UdpSocket server = net.b.openUdp();
            server.bind(IpAddress.ANY_V4, 7002);
            UdpSocket sender = net.a.openUdp();
            IpAddress subnet = IpAddress.parse("198.18.0.255");
            assertThrows(SocketException.class, () -> sender.sendTo(text("b"), 0, 1, subnet, 7002));
            sender.setBroadcast(true);
            sender.sendTo(text("b1"), 0, 2, subnet, 7002);
            sender.sendTo(text("b2"), 0, 2, IpAddress.parse("255.255.255.255"), 7002);
            net.run(4);
            assertEquals("b1", receiveText(server));
            assertEquals("b2", receiveText(server));
        }
    }

    @Test
    void ephemeralPortsComeFromTheInjectedRandomSource() throws Exception {
        int[][] ports = new int[3][];
        long[] seeds = {5, 5, 6};
        for (int run = 0; run < 3; run++) {
            try (io.flyover.stack.buffer.FramePool pool = io.flyover.stack.buffer.FramePool.allocate(64);
                    io.flyover.stack.InjectDevice device = new io.flyover.stack.InjectDevice(pool, 2)) {
                io.flyover.stack.Stack stack = new io.flyover.stack.Stack(StackConfig.builder().ipv4("198.18.0.9", 24).build(),
                        device, new io.flyover.stack.SeededRandom(seeds[run]));
                ports[run] = new int[5];
                for (int i = 0; i < 5; i++) {
                    UdpSocket s = stack.openUdp();
                    s.bind(IpAddress.ANY_V4, 0);
                    ports[run][i] = s.localPort();
                    assertTrue(ports[run][i] >= 49_152 && ports[run][i] <= 65_535);
                }
                stack.close();
            }
        }
        assertArrayEquals(ports[0], ports[1]); // same seed, same ports: simulations replay
        assertFalse(java.util.Arrays.equals(ports[0], ports[2]));
        assertEquals(5, java.util.Arrays.stream(ports[0]).distinct().count());
    }

    @Test
    void apiMisuseThrowsWhatTheJdkThrows() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            UdpSocket s = net.a.openUdp();
            s.bind(IpAddress.ANY_V4, 6000);
            assertThrows(AlreadyBoundException.class, () -> s.bind(IpAddress.ANY_V4, 6001));
            UdpSocket t = net.a.openUdp();
            assertThrows(BindException.class, () -> t.bind(IpAddress.ANY_V4, 6000));
            assertThrows(java.nio.channels.NotYetConnectedException.class, () -> t.send(text("x"), 0, 1));
            assertThrows(SocketException.class, () -> t.sendTo(MemorySegment.ofArray(new byte[70_000]), 0, 70_000, TwoStacks.B4, 1));
            s.close();
            assertThrows(ClosedChannelException.class, () -> s.sendTo(text("x"), 0, 1, TwoStacks.B4, 1));
            UdpSocket u = net.a.openUdp();
            u.bind(IpAddress.ANY_V4, 6000); // the port is free again
            assertTrue(u.isBound());
            assertFalse(s.isOpen());
        }
    }

    @Test
    void sendAnswersZeroAtThePoolsLowWatermark() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            UdpSocket s = net.a.openUdp();
            java.util.List<Integer> held = new java.util.ArrayList<>();
            while (!net.poolA.belowLowWatermark()) {
                held.add(net.a.acquireFrame());
            }
            assertEquals(0, s.sendTo(text("x"), 0, 1, TwoStacks.B4, 9));
            for (int f : held) {
                net.a.releaseFrame(f);
            }
            assertEquals(1, s.sendTo(text("x"), 0, 1, TwoStacks.B4, 9));
        }
    }

    @Test
    void receiveQueueOverflowIsCountedNotThrown() throws Exception {
        try (TwoStacks net = new TwoStacks(StackConfig.builder(), StackConfig.builder().udpReceiveBuffer(4096))) {
            UdpSocket server = net.b.openUdp();
            server.bind(IpAddress.ANY_V4, 7003);
            UdpSocket sender = net.a.openUdp();
            byte[] data = new byte[1000];
            for (int i = 0; i < 10; i++) {
                sender.sendTo(MemorySegment.ofArray(data), 0, data.length, TwoStacks.B4, 7003);
                net.run(2);
            }
            assertEquals(3, server.queuedDatagrams());
            assertEquals(7, net.b.counters().drops(DropReason.UDP_RECEIVE_QUEUE_FULL));
            byte[] buf = new byte[100];
            assertEquals(1000, server.receive(MemorySegment.ofArray(buf), 0, 100)); // truncated copy, full length
            for (int i = 0; i < 5; i++) {
                sender.sendTo(MemorySegment.ofArray(data), 0, data.length, TwoStacks.B4, 7003);
                net.run(2);
            }
            int n = 0;
            while (server.receive(MemorySegment.ofArray(buf), 0, 100) >= 0) {
                n++;
            }
            assertTrue(n >= 3, "received " + n);
        }
    }
}
