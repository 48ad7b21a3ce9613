package io.flyover.provider.net;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.differential.Outcome;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code java.net.DatagramSocket} over {@link ChannelDatagramSocketImpl}, against the JDK's own
 * ({@code sun.nio.ch.DatagramSocketAdaptor}).
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class JavaNetDatagramSocketTest {

    private static DatagramPacket packet(int capacity) {
        return new DatagramPacket(new byte[capacity], capacity);
    }

    private static void send(DatagramSocket from, DatagramSocket to, byte... payload) throws Exception {
        from.send(new DatagramPacket(payload, payload.length, to.getLocalSocketAddress()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void aDatagramArrivesWithItsSenderAndLength(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            DatagramSocket a = lo.datagram();
            DatagramSocket b = lo.datagram();
            assertTrue(b.isBound() && !b.isConnected(), arm + ": bound, not connected");
            send(a, b, (byte) 1, (byte) 2, (byte) 3);
            DatagramPacket in = packet(16);
            b.receive(in);
            assertEquals(3, in.getLength(), arm + ": received length");
            assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOf(in.getData(), 3), arm + ": payload");
            assertEquals(a.getLocalSocketAddress(), in.getSocketAddress(), arm + ": sender");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void aPacketReusedForReceiveKeepsItsCapacity(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            DatagramSocket a = lo.datagram();
            DatagramSocket b = lo.datagram();
            send(a, b, (byte) 1);
            send(a, b, new byte[10]);
            DatagramPacket in = packet(16);
            b.receive(in);
            assertEquals(1, in.getLength(), arm + ": the short datagram's length");
            b.receive(in);
            assertEquals(10, in.getLength(), arm + ": a long datagram after a short one into the same packet");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void aDatagramLongerThanThePacketIsTruncated(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            DatagramSocket a = lo.datagram();
            DatagramSocket b = lo.datagram();
            send(a, b, (byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 5, (byte) 6);
            send(a, b, (byte) 9);
            DatagramPacket in = new DatagramPacket(new byte[8], 2, 4);
            b.receive(in);
            assertEquals(4, in.getLength(), arm + ": truncated to the packet's length");
            assertArrayEquals(new byte[] {0, 0, 1, 2, 3, 4, 0, 0}, in.getData(), arm + ": written at the packet's offset");
            DatagramPacket next = packet(8);
            b.receive(next);
            assertEquals(1, next.getLength(), arm + ": the rest of the long datagram was discarded");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void soTimeoutEndsAReceive(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            DatagramSocket b = lo.datagram();
            b.setSoTimeout(50);
            assertEquals(50, b.getSoTimeout(), arm + ": SO_TIMEOUT");
            DatagramPacket in = packet(4);
            assertEquals("Receive timed out", assertThrows(SocketTimeoutException.class, () -> b.receive(in)).getMessage(),
                    arm + ": timeout message");
            assertFalse(b.isClosed(), arm + ": a timeout does not close the socket");
            send(lo.datagram(), b, (byte) 5);
            b.receive(in);
            assertEquals(5, in.getData()[0], arm + ": receive after a timeout");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void aConnectedSocketHearsOnlyItsPeerAndLearnsOfAClosedPort(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            DatagramSocket a = lo.datagram();
            DatagramSocket b = lo.datagram();
            DatagramSocket stranger = lo.datagram();
            b.connect(a.getLocalSocketAddress());
            assertTrue(b.isConnected(), arm + ": isConnected");
            assertEquals(a.getLocalSocketAddress(), b.getRemoteSocketAddress(), arm + ": remote address");
            send(stranger, b, (byte) 66);
            send(a, b, (byte) 1);
            DatagramPacket in = packet(4);
            b.receive(in);
            assertEquals(1, in.getData()[0], arm + ": only the peer's datagram is received");
            expectThrows(arm, "send to another address while connected", IllegalArgumentException.class,
                    () -> b.send(new DatagramPacket(new byte[1], 1, stranger.getLocalSocketAddress())));
            b.send(new DatagramPacket(new byte[] {7}, 1));
            DatagramPacket atA = packet(4);
            a.receive(atA);
            assertEquals(b.getLocalSocketAddress(), atA.getSocketAddress(), arm + ": a packet without address goes to the peer");
        }
        try (NetLoopback lo = new NetLoopback(arm)) {
            DatagramSocket probe = lo.datagram();
            InetSocketAddress nobody = (InetSocketAddress) probe.getLocalSocketAddress();
            probe.close();
            DatagramSocket lonely = lo.datagram();
            lonely.connect(nobody);
            lonely.send(new DatagramPacket(new byte[] {1}, 1));
            lonely.setSoTimeout(5_000);
            expectThrows(arm, "receive after ICMP port unreachable", PortUnreachableException.class,
                    () -> lonely.receive(packet(4)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void closingWhileAnotherThreadReceivesEndsTheReceive(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            DatagramSocket b = lo.datagram();
            CompletableFuture<Outcome> receiver = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().start(() -> receiver.complete(Outcome.ofRun(() -> b.receive(packet(4)))));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Arrays.stream(thread.getStackTrace()).noneMatch(f -> f.getMethodName().equals("receive"))) {
                assertTrue(System.nanoTime() < deadline, arm + ": the receiver never blocked");
                Thread.sleep(1);
            }
            Thread.sleep(50);
            b.close();
            expect(arm, "receive while another thread closes", Outcome.threw(SocketException.class), receiver.get(10, TimeUnit.SECONDS));
            expectThrows(arm, "send after close", SocketException.class,
                    () -> b.send(new DatagramPacket(new byte[1], 1, new InetSocketAddress(NetLoopback.ADDRESS, 9))));
            expect(arm, "local port after close", returned(-1), of(b::getLocalPort));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void optionsOfADatagramSocket(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm); NetLoopback jdk = new NetLoopback(JavaNetArm.JDK)) {
            DatagramSocket s = lo.datagram();
            expect(arm, "SO_REUSEADDR default", returned(false), of(s::getReuseAddress));
            expect(arm, "IP_TOS default", returned(0), of(s::getTrafficClass));
            s.setBroadcast(true);
            expect(arm, "SO_BROADCAST set", returned(true), of(s::getBroadcast));
            s.setTrafficClass(0x10);
            expect(arm, "IP_TOS set", returned(0x10), of(s::getTrafficClass));
            s.setReceiveBufferSize(64 * 1024);
            assertTrue(s.getReceiveBufferSize() > 0, arm + ": SO_RCVBUF");
            s.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 7);
            expect(arm, "IP_MULTICAST_TTL through setOption", returned(7), of(() -> s.getOption(StandardSocketOptions.IP_MULTICAST_TTL)));
            expectThrows(arm, "setTrafficClass(256)", IllegalArgumentException.class, () -> s.setTrafficClass(256));
            expectThrows(arm, "setOption(IP_MULTICAST_TTL, 300)", IllegalArgumentException.class,
                    () -> s.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 300));
            expectThrows(arm, "a TCP option", UnsupportedOperationException.class, () -> s.setOption(StandardSocketOptions.TCP_NODELAY, true));
            assertEquals(jdk.datagram().supportedOptions(), s.supportedOptions(), arm + ": supportedOptions");
        }
    }
}
