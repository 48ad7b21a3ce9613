package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import io.flyover.stack.RawPeer;
import io.flyover.stack.StackConfig;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.udp.UdpSocket;
import io.flyover.stack.wire.Captures;
import io.flyover.stack.wire.IpProtocol;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stack on a real link (a veth) delivers packets to its own addresses inside itself, as Linux routes
 * them through {@code lo}: nothing reaches the wire, no ARP or ND is asked. Loopback addresses arriving
 * from the wire are martians (RFC 1122 section 3.2.1.3 (g), RFC 4291 section 2.5.3), dropped and counted,
 * also on a stack that owns the loopback.
 */
class LocalDeliveryTest {
    private static final long MS = 1_000_000L;

    @ParameterizedTest
    @ValueSource(strings = {"198.18.0.2", "fd00::2"})
    void tcpToOurOwnAddressNeverTouchesTheWire(String own) {
        try (RawPeer peer = new RawPeer().started()) {
            IpAddress a = IpAddress.parse(own);
            TcpListener listener = peer.stack.tcp().listen(a.hi(), a.lo(), 8000, 4, null);
            TcpConnection c = peer.stack.tcp().connect(a.hi(), a.lo(), 0, a.hi(), a.lo(), 8000, null, peer.now);
            settle(peer);
            assertTrue(c.isConnected(), c.toString());
            TcpConnection s = listener.accept();
            assertNotNull(s);
            byte[] up = new byte[100_000];
            new Random(7).nextBytes(up);
            ByteBuffer src = ByteBuffer.wrap(up);
            ByteBuffer dst = ByteBuffer.allocate(up.length);
            for (int i = 0; i < 1_000 && dst.hasRemaining(); i++) {
                c.write(src);
                peer.now += MS / 10;
                settle(peer);
                s.read(dst);
            }
            assertArrayEquals(up, dst.array());
            // The MSS is the interface's (1500 - 40 or - 60): the packets to ourselves are built as for the link.
            assertEquals(a.isV4() ? 1460 : 1440, c.sendMss());
            c.abort(peer.now);
            settle(peer);
            assertEquals(TcpConnection.Error.RESET, s.error());
            listener.close(peer.now);
            assertTrue(peer.sent().isEmpty(), "frames reached the wire");
            assertEquals(0, peer.stack.counters().totalDrops(), peer.stack.counters().toString());
        }
    }

    @Test
    void udpAndPingToOurOwnAddressesStayInside() throws Exception {
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket r = peer.stack.openUdp();
            r.bind(IpAddress.ANY_V6, 6000);
            UdpSocket w = peer.stack.openUdp();
            w.sendTo(MemorySegment.ofArray(new byte[40]), 0, 40, IpAddress.parse("198.18.0.2"), 6000);
            w.sendTo(MemorySegment.ofArray(new byte[4000]), 0, 4000, IpAddress.parse("fd00::2"), 6000); // fragmented
            assertTrue(peer.stack.hasLocalTraffic());
            assertTrue(peer.stack.ping(IpAddress.parse("198.18.0.2"), 1, 1, 16));
            assertTrue(peer.stack.ping(IpAddress.parse("fd00::2"), 1, 2, 16));
            settle(peer);
            byte[] got = new byte[5000];
            assertEquals(40, r.receive(MemorySegment.ofArray(got), 0, got.length));
            assertEquals(IpAddress.parse("198.18.0.2"), r.source());
            assertEquals(4000, r.receive(MemorySegment.ofArray(got), 0, got.length));
            assertEquals(IpAddress.parse("fd00::2"), r.source());
            assertEquals(2, peer.stack.counters().echoRepliesReceived());
            assertTrue(peer.sent().isEmpty(), "frames reached the wire");
            r.close();
            w.close();
        }
    }

    @Test
    void aStackThatDoesNotOwnTheLoopbackNeverSendsToIt() throws Exception {
        try (RawPeer peer = new RawPeer(StackConfig.builder().ipv4Gateway("198.18.0.254").ipv6Gateway("fd00::fe")).started()) {
            UdpSocket w = peer.stack.openUdp();
            w.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("127.0.0.1"), 9);
            w.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.LOOPBACK_V6, 9);
            peer.poll();
            assertTrue(peer.sent().isEmpty(), "a loopback destination went to the gateway");
            assertEquals(2, peer.stack.counters().drops(DropReason.IP_NO_ROUTE));
            w.close();
        }
    }

    @Test
    void aLoopbackSourceNeverLeavesAStackThatOwnsTheLoopback() throws Exception {
        try (RawPeer peer = new RawPeer(StackConfig.builder().loopback()).started()) {
            UdpSocket w = peer.stack.openUdp();
            w.bind(IpAddress.LOOPBACK_V4, 0);
            w.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            w.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.2"), 9); // ours: fine
            UdpSocket r = peer.stack.openUdp();
            r.bind(IpAddress.ANY_V4, 10);
            w.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("127.0.0.8"), 10);
            settle(peer);
            assertTrue(peer.sent().isEmpty());
            assertEquals(1, peer.stack.counters().drops(DropReason.IP_BAD_SOURCE));
            assertEquals(1, r.queuedDatagrams());
            w.close();
            r.close();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void loopbackAddressesFromTheWireAreDroppedAndCounted(boolean ownsLoopback) {
        StackConfig.Builder config = StackConfig.builder();
        if (ownsLoopback) {
            config.loopback();
        }
        try (RawPeer peer = new RawPeer(config).started()) {
            byte[] udp = Captures.hex("1388 1770 000c 0000 01020304"); // 5000 -> 6000, no checksum
            int ours = 0xC612_0002;
            int loop = 0x7F00_0001;
            peer.inject(NetInterfaceTest.ipv4Frame(RawPeer.STACK_MAC, loop, ours, IpProtocol.UDP, 64, udp));
            peer.inject(NetInterfaceTest.ipv4Frame(RawPeer.STACK_MAC, 0xC612_0001, loop, IpProtocol.UDP, 64, udp));
            peer.inject(NetInterfaceTest.ipv4Frame(RawPeer.STACK_MAC, 0xC612_0001, 0x7F12_3456, IpProtocol.UDP, 64, udp));
            peer.inject(NetInterfaceTest.ipv4Frame(RawPeer.STACK_MAC, ours, ours, IpProtocol.UDP, 64, udp)); // our own
            byte[] echo = Captures.hex("80 00 0000 0001 0001 61626364");
            long fd = 0xFD00_0000_0000_0000L;
            peer.inject(NetInterfaceTest.ipv6Frame(RawPeer.STACK_MAC, 0, 1, fd, 2, 64, echo));
            peer.inject(NetInterfaceTest.ipv6Frame(RawPeer.STACK_MAC, fd, 1, 0, 1, 64, echo));
            peer.poll();
            assertEquals(3, peer.stack.counters().drops(DropReason.IP_BAD_SOURCE));
            assertEquals(3, peer.stack.counters().drops(DropReason.IP_BAD_DESTINATION));
            assertEquals(6, peer.stack.counters().rxDropped());
            assertTrue(peer.sent().isEmpty(), "a martian was answered");
        }
    }

    /** Polls at the current time until the stack has nothing left to do now. */
    private static void settle(RawPeer peer) {
        for (int i = 0; i < 1_000; i++) {
            if (peer.poll() > peer.now) {
                return;
            }
        }
    }
}
