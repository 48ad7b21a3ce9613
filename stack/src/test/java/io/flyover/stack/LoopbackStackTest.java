package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.LoopbackDevice;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpState;
import io.flyover.stack.udp.UdpSocket;
import io.flyover.stack.wire.EtherType;
import java.lang.foreign.MemorySegment;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One stack as the host's loopback: 127.0.0.0/8 and ::1 over a {@link LoopbackDevice}, clients and servers inside it. */
class LoopbackStackTest {
    private static final long MS = 1_000_000L;

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.0.0.2", "::1"})
    void tcpClientAndServerInOneStackConnectTransferBothWaysAndClose(String target) {
        try (LoopbackHost h = new LoopbackHost()) {
            IpAddress server = IpAddress.parse(target);
            long[] src = new long[2];
            assertTrue(h.stack.ipOutput().selectSource(server.hi(), server.lo(), src));
            // As Linux: towards any 127.x.y.z the source is 127.0.0.1; towards ::1 it is ::1.
            IpAddress client = server.isV4() ? IpAddress.LOOPBACK_V4 : IpAddress.LOOPBACK_V6;
            assertEquals(client, new IpAddress(src[0], src[1]));

            TcpListener listener = h.stack.tcp().listen(0, 0, 7000, 16, null);
            TcpConnection c = h.stack.tcp().connect(client.hi(), client.lo(), 0, server.hi(), server.lo(), 7000, null, h.now);
            h.advance(5 * MS, MS);
            assertTrue(c.isConnected(), c.toString());
            TcpConnection s = listener.accept();
            assertNotNull(s);
            assertEquals(server.lo(), s.localAddressLo());
            assertEquals(client.lo(), s.remoteAddressLo());
            assertEquals(c.localPort(), s.remotePort());
            // Segments as large as a pool frame holds: the loopback MTU comes from the frame size.
            int mtu = LoopbackDevice.mtuFor(h.pool);
            int frameBound = h.pool.frameSize() - h.pool.headroom() - 60;
            assertEquals(Math.min(mtu - (server.isV4() ? 40 : 60), frameBound), c.sendMss());

            byte[] up = random(500_000, 1);
            byte[] down = random(300_000, 2);
            ByteBuffer upSrc = ByteBuffer.wrap(up), downSrc = ByteBuffer.wrap(down);
            ByteBuffer upDst = ByteBuffer.allocate(up.length), downDst = ByteBuffer.allocate(down.length);
            for (int i = 0; i < 10_000 && (upDst.hasRemaining() || downDst.hasRemaining()); i++) {
                c.write(upSrc);
                s.write(downSrc);
                h.stack.flush();
                h.advance(MS / 10, MS / 10);
                s.read(upDst);
                c.read(downDst);
            }
            assertArrayEquals(up, upDst.array());
            assertArrayEquals(down, downDst.array());
            assertEquals(0, c.retransmissions());

            c.shutdownOutput();
            h.advance(2 * MS, MS);
            assertEquals(TcpConnection.EOF, s.read(ByteBuffer.allocate(1)));
            s.close(h.now);
            c.close(h.now);
            h.advance(5 * MS, MS);
            assertEquals(TcpState.TIME_WAIT, c.state());
            assertEquals(TcpState.CLOSED, s.state());
            listener.close(h.now);
            h.advance(61_000 * MS, 1_000 * MS); // 2*MSL
            assertEquals(0, h.stack.tcp().connectionCount());

            // Only IP to ourselves went through the device: no ARP, no neighbour discovery, no announcements.
            assertFalse(h.device.sent.isEmpty());
            for (long[] f : h.device.sent) {
                assertEquals(LoopbackDevice.MAC, f[0]);
                assertEquals(server.isV4() ? EtherType.IPV4 : EtherType.IPV6, (int) f[1]);
            }
            assertEquals(0, h.stack.counters().totalDrops(), h.stack.counters().toString());
        }
    }

    @Test
    void connectToAClosedLoopbackPortIsRefused() {
        try (LoopbackHost h = new LoopbackHost()) {
            IpAddress lo = IpAddress.LOOPBACK_V4;
            TcpConnection c = h.stack.tcp().connect(lo.hi(), lo.lo(), 0, lo.hi(), lo.lo(), 9, null, h.now);
            h.advance(2 * MS, MS);
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpConnection.Error.REFUSED, c.error());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.45.6.7", "::1"})
    void udpToOurselvesIncludingFragmentedDatagrams(String to) throws Exception {
        try (LoopbackHost h = new LoopbackHost()) {
            IpAddress dst = IpAddress.parse(to);
            UdpSocket receiver = h.stack.openUdp();
            receiver.bind(dst.isV4() ? IpAddress.ANY_V4 : IpAddress.ANY_V6, 6000);
            UdpSocket sender = h.stack.openUdp();
            sender.bind(dst.isV4() ? IpAddress.LOOPBACK_V4 : IpAddress.LOOPBACK_V6, 5000);
            byte[] small = random(100, 3);
            byte[] large = random(20_000, 4); // larger than the loopback MTU: fragmented and reassembled
            assertEquals(small.length, sender.sendTo(MemorySegment.ofArray(small), 0, small.length, dst, 6000));
            assertEquals(large.length, sender.sendTo(MemorySegment.ofArray(large), 0, large.length, dst, 6000));
            assertTrue(h.stack.hasLocalTraffic());
            h.settle();
            assertFalse(h.stack.hasLocalTraffic());

            byte[] got = new byte[30_000];
            MemorySegment into = MemorySegment.ofArray(got);
            assertEquals(small.length, receiver.receive(into, 0, got.length));
            assertArrayEquals(small, java.util.Arrays.copyOf(got, small.length));
            assertEquals(sender.localAddress(), receiver.source());
            assertEquals(5000, receiver.sourcePort());
            assertEquals(large.length, receiver.receive(into, 0, got.length));
            assertArrayEquals(large, java.util.Arrays.copyOf(got, large.length));
            assertEquals(-1, receiver.receive(into, 0, got.length));
            assertEquals(0, h.stack.counters().totalDrops(), h.stack.counters().toString());
            receiver.close();
            sender.close();
        }
    }

    @Test
    void udpToAClosedLoopbackPortReportsPortUnreachableToAConnectedSocket() throws Exception {
        try (LoopbackHost h = new LoopbackHost()) {
            UdpSocket s = h.stack.openUdp();
            s.connect(IpAddress.parse("127.0.0.1"), 9);
            s.send(MemorySegment.ofArray(new byte[8]), 0, 8);
            h.settle();
            assertThrows(PortUnreachableException.class, () -> s.receive(MemorySegment.ofArray(new byte[8]), 0, 8));
            s.close();
        }
    }

    @Test
    void multicastOnTheLoopbackReachesMembersOnceAndOnlyWithMulticastLoop() throws Exception {
        try (LoopbackHost h = new LoopbackHost()) {
            IpAddress group = IpAddress.parse("239.1.2.3");
            UdpSocket member = h.stack.openUdp();
            member.bind(IpAddress.ANY_V4, 7000);
            member.join(group);
            UdpSocket sender = h.stack.openUdp();
            sender.sendTo(MemorySegment.ofArray(new byte[10]), 0, 10, group, 7000);
            h.settle();
            assertEquals(1, member.queuedDatagrams());
            assertEquals(10, member.receive(MemorySegment.ofArray(new byte[10]), 0, 10));
            assertEquals(IpAddress.LOOPBACK_V4, member.source());
            sender.setMulticastLoop(false);
            sender.sendTo(MemorySegment.ofArray(new byte[10]), 0, 10, group, 7000);
            h.settle();
            assertEquals(0, member.queuedDatagrams());
            // No membership report, no multicast frame: a loopback link has nobody else on it.
            assertTrue(h.device.sent.isEmpty());
            member.close();
            sender.close();
        }
    }

    @Test
    void pingAnswersOnTheLoopbackInBothFamilies() {
        try (LoopbackHost h = new LoopbackHost()) {
            assertTrue(h.stack.ping(IpAddress.parse("127.0.0.1"), 1, 1, 56));
            assertTrue(h.stack.ping(IpAddress.parse("127.9.9.9"), 1, 2, 56));
            assertTrue(h.stack.ping(IpAddress.LOOPBACK_V6, 1, 3, 56));
            h.settle();
            assertEquals(3, h.stack.counters().echoRepliesReceived());
        }
    }

    @Test
    void aFullRingRefusesTheRestAndTheStackCountsIt() {
        try (FramePool pool = FramePool.allocate(64)) {
            LoopbackDevice lo = new LoopbackDevice("lo", pool, 4);
            try (Stack stack = new Stack(StackConfig.builder().loopback().build(), lo, new SeededRandom(1))) {
                for (int i = 0; i < 6; i++) {
                    stack.ping(IpAddress.LOOPBACK_V4, 1, i, 8);
                }
                assertEquals(4, lo.queued());
                assertEquals(2, stack.counters().drops(DropReason.TX_RING_FULL));
                stack.poll(0);
                stack.poll(0);
                assertEquals(4, stack.counters().echoRepliesReceived());
            }
            lo.close();
            pool.checkAllReturned();
        }
    }

    @Test
    void closingTheDeviceReturnsQueuedFrames() {
        try (FramePool pool = FramePool.allocate(64)) {
            LoopbackDevice lo = new LoopbackDevice(pool);
            try (Stack stack = new Stack(StackConfig.builder().loopback().build(), lo, new SeededRandom(1))) {
                stack.ping(IpAddress.LOOPBACK_V6, 1, 1, 8);
                assertEquals(1, lo.queued());
                assertTrue(stack.hasLocalTraffic());
            }
            lo.close();
            pool.checkAllReturned();
        }
    }

    @Test
    void theMtuIsWhatAPoolFrameHolds() {
        try (FramePool small = FramePool.allocate(4, 2048, 256); FramePool big = FramePool.allocate(4, 16_384, 256);
             FramePool tiny = FramePool.allocate(4, 512, 128)) {
            assertEquals(2048 - 256 - 18, LoopbackDevice.mtuFor(small));
            assertEquals(16_384 - 256 - 18, new LoopbackDevice(big).capabilities().mtu());
            assertThrows(IllegalArgumentException.class, () -> new LoopbackDevice(tiny));
            assertThrows(IllegalArgumentException.class, () -> new LoopbackDevice("lo", small, 3));
        }
    }

    private static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }
}
