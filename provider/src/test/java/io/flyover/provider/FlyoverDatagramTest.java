package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.channel.FlyoverDatagramChannel;
import io.flyover.provider.kernel.JdkSelectorProvider;
import io.flyover.provider.policy.SocketRole;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DatagramChannel over Flyover, its kernel shadow and fallback. */
@Timeout(30)
class FlyoverDatagramTest {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private final TwoHosts hosts = new TwoHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    private static SocketAddressAndText receive(DatagramChannel ch) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(2048);
        var from = ch.receive(b);
        return new SocketAddressAndText((InetSocketAddress) from, new String(b.array(), 0, b.position()));
    }

    record SocketAddressAndText(InetSocketAddress from, String text) {}

    @Test
    void unicastBetweenTwoHostsOverFlyover() throws Exception {
        try (DatagramChannel server = hosts.b.openDatagramChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             DatagramChannel client = hosts.a.openDatagramChannel()) {
            assertTrue(((FlyoverDatagramChannel) server).isOffloaded());
            assertFalse(((FlyoverDatagramChannel) server).hasKernelSocket(), "198.18.0.2 is no kernel address");
            assertEquals(5, client.send(ByteBuffer.wrap("hello".getBytes()), server.getLocalAddress()));
            InetSocketAddress clientLocal = (InetSocketAddress) client.getLocalAddress();
            assertTrue(clientLocal.getPort() > 0, "sending bound the channel");
            SocketAddressAndText got = receive(server);
            assertEquals("hello", got.text());
            assertEquals(TwoHosts.A4, got.from().getAddress());
            assertEquals(clientLocal.getPort(), got.from().getPort());
            server.send(ByteBuffer.wrap("back".getBytes()), got.from());
            assertEquals("back", receive(client).text());
        }
        assertEquals(1, hosts.a.counters().offloaded(SocketRole.UDP_SENDER));
        assertEquals(1, hosts.b.counters().offloaded(SocketRole.UDP_RECEIVER));
    }

    @Test
    void ipv6Datagrams() throws Exception {
        try (DatagramChannel server = hosts.b.openDatagramChannel(StandardProtocolFamily.INET6)
                .bind(new InetSocketAddress(TwoHosts.B6, 0));
             DatagramChannel client = hosts.a.openDatagramChannel(StandardProtocolFamily.INET6)) {
            client.send(ByteBuffer.wrap("six".getBytes()), server.getLocalAddress());
            SocketAddressAndText got = receive(server);
            assertEquals("six", got.text());
            assertEquals(TwoHosts.A6, got.from().getAddress());
        }
    }

    @Test
    void connectedChannelsReadAndWrite() throws Exception {
        try (DatagramChannel server = hosts.b.openDatagramChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             DatagramChannel client = hosts.a.openDatagramChannel()) {
            client.connect(server.getLocalAddress());
            assertTrue(client.isConnected());
            assertEquals(server.getLocalAddress(), client.getRemoteAddress());
            assertEquals(TwoHosts.A4, ((InetSocketAddress) client.getLocalAddress()).getAddress());
            assertEquals(3, client.write(ByteBuffer.wrap("abc".getBytes())));
            SocketAddressAndText got = receive(server);
            assertEquals("abc", got.text());
            server.connect(got.from());
            server.write(ByteBuffer.wrap("xyz".getBytes()));
            ByteBuffer in = ByteBuffer.allocate(10);
            assertEquals(3, client.read(in));
            assertThrows(AlreadyConnectedException.class,
                    () -> client.send(ByteBuffer.allocate(1), new InetSocketAddress(TwoHosts.B4, 9)));
            assertThrows(AlreadyConnectedException.class, () -> client.connect(server.getLocalAddress()));
            client.disconnect();
            assertFalse(client.isConnected());
            assertNull(client.getRemoteAddress());
            assertThrows(NotYetConnectedException.class, () -> client.read(ByteBuffer.allocate(1)));
        }
        assertEquals(1, hosts.a.counters().offloaded(SocketRole.UDP_CONNECT));
    }

    @Test
    void aDatagramLongerThanTheBufferIsTruncated() throws Exception {
        try (DatagramChannel server = hosts.b.openDatagramChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             DatagramChannel client = hosts.a.openDatagramChannel()) {
            client.send(ByteBuffer.wrap("0123456789".getBytes()), server.getLocalAddress());
            client.send(ByteBuffer.wrap("next".getBytes()), server.getLocalAddress());
            ByteBuffer small = ByteBuffer.allocate(4);
            server.receive(small);
            assertEquals("0123", new String(small.array()));
            assertEquals("next", receive(server).text(), "the rest of the first datagram was discarded");
        }
    }

    @Test
    void misuseThrowsWhatTheJdkThrows() throws Exception {
        DatagramChannel ch = hosts.a.openDatagramChannel();
        assertThrows(NotYetConnectedException.class, () -> ch.read(ByteBuffer.allocate(1)));
        assertThrows(NotYetConnectedException.class, () -> ch.write(ByteBuffer.allocate(1)));
        assertThrows(SocketException.class, () -> ch.send(ByteBuffer.allocate(1), new InetSocketAddress(TwoHosts.B4, 0)));
        assertThrows(SocketException.class, () -> ch.connect(new InetSocketAddress(TwoHosts.B4, 0)));
        assertThrows(IllegalArgumentException.class, () -> ch.receive(ByteBuffer.allocate(1).asReadOnlyBuffer()));
        ch.configureBlocking(false);
        assertNull(ch.receive(ByteBuffer.allocate(1)), "nothing queued: null when non-blocking");
        ch.close();
        assertThrows(ClosedChannelException.class, () -> ch.send(ByteBuffer.allocate(1), new InetSocketAddress(TwoHosts.B4, 9)));
        assertThrows(ClosedChannelException.class, () -> ch.bind(null));
    }

    @Test
    void blockingReceiveIsWokenAndInterruptible() throws Exception {
        try (DatagramChannel server = hosts.b.openDatagramChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             DatagramChannel client = hosts.a.openDatagramChannel()) {
            AtomicReference<Object> got = new AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    got.set(receive(server).text());
                } catch (Throwable e) {
                    got.set(e);
                }
            });
            BlockingSemanticsTest.awaitBlocked(t);
            client.send(ByteBuffer.wrap("wake".getBytes()), server.getLocalAddress());
            t.join(10_000);
            assertEquals("wake", got.get());

            Thread u = Thread.ofPlatform().daemon().start(() -> {
                try {
                    got.set(receive(server));
                } catch (Throwable e) {
                    got.set(e);
                }
            });
            BlockingSemanticsTest.awaitBlocked(u);
            u.interrupt();
            u.join(10_000);
            assertInstanceOf(ClosedByInterruptException.class, got.get());
            assertFalse(server.isOpen());
        }
    }

    @Test
    void kernelDestinationsGoThroughTheKernel() throws Exception {
        try (DatagramChannel kernelPeer = JdkSelectorProvider.get().openDatagramChannel().bind(new InetSocketAddress(LOOPBACK, 0));
             DatagramChannel ch = hosts.a.openDatagramChannel()) {
            ch.send(ByteBuffer.wrap("k".getBytes()), kernelPeer.getLocalAddress());
            ByteBuffer b = ByteBuffer.allocate(4);
            InetSocketAddress from = (InetSocketAddress) kernelPeer.receive(b);
            assertEquals(((InetSocketAddress) ch.getLocalAddress()).getPort(), from.getPort(),
                    "the kernel shadow holds the same port as the Flyover sockets");
            kernelPeer.send(ByteBuffer.wrap("r".getBytes()), from);
            assertEquals("r", receive(ch).text(), "a reply to the shadow reaches receive()");
        }
        assertEquals(1, hosts.a.counters().kernel(SocketRole.UDP_SENDER));
    }

    @Test
    void connectingToAKernelAddressMakesTheChannelTheKernels() throws Exception {
        try (DatagramChannel kernelPeer = JdkSelectorProvider.get().openDatagramChannel().bind(new InetSocketAddress(LOOPBACK, 0));
             DatagramChannel ch = hosts.a.openDatagramChannel()) {
            ch.connect(kernelPeer.getLocalAddress());
            assertTrue(((FlyoverDatagramChannel) ch).isKernel());
            ch.write(ByteBuffer.wrap("via".getBytes()));
            ByteBuffer b = ByteBuffer.allocate(4);
            kernelPeer.receive(b);
            assertEquals(3, b.position());
        }
        assertEquals(1, hosts.a.counters().kernel(SocketRole.UDP_CONNECT));
    }

    @Test
    void wildcardReceiverGetsDatagramsFromBothPaths() throws Exception {
        try (DatagramChannel server = hosts.b.openDatagramChannel().bind(null);
             DatagramChannel overFlyover = hosts.a.openDatagramChannel();
             DatagramChannel overKernel = JdkSelectorProvider.get().openDatagramChannel()) {
            assertTrue(((FlyoverDatagramChannel) server).isOffloaded());
            assertTrue(((FlyoverDatagramChannel) server).hasKernelSocket());
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            overFlyover.send(ByteBuffer.wrap("f".getBytes()), new InetSocketAddress(TwoHosts.B4, port));
            overKernel.send(ByteBuffer.wrap("k".getBytes()), new InetSocketAddress(LOOPBACK, port));
            Set<String> got = new HashSet<>();
            got.add(receive(server).text());
            got.add(receive(server).text());
            assertEquals(Set.of("f", "k"), got);
        }
    }

    @Test
    void selectorReportsArrivingDatagrams() throws Exception {
        try (DatagramChannel server = hosts.b.openDatagramChannel().bind(null);
             DatagramChannel client = hosts.a.openDatagramChannel();
             DatagramChannel kernelClient = JdkSelectorProvider.get().openDatagramChannel();
             Selector sel = hosts.b.openSelector()) {
            server.configureBlocking(false);
            SelectionKey key = server.register(sel, SelectionKey.OP_READ);
            assertEquals(0, sel.selectNow());
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            client.send(ByteBuffer.wrap("1".getBytes()), new InetSocketAddress(TwoHosts.B4, port));
            assertEquals(1, sel.select(5_000));
            assertTrue(key.isReadable());
            assertEquals("1", receive(server).text());
            sel.selectedKeys().clear();
            assertEquals(0, sel.selectNow(), "drained: no longer readable");
            kernelClient.send(ByteBuffer.wrap("2".getBytes()), new InetSocketAddress(LOOPBACK, port));
            assertEquals(1, sel.select(5_000), "the kernel shadow's readiness reaches the same key");
            assertEquals("2", receive(server).text());
        }
    }

    @Test
    void datagramSocketAdaptorSendsReceivesAndTimesOut() throws Exception {
        try (DatagramChannel server = hosts.b.openDatagramChannel().bind(new InetSocketAddress(TwoHosts.B4, 0))) {
            DatagramSocket socket = hosts.a.openDatagramChannel().socket();
            try (socket) {
                byte[] msg = "adaptor".getBytes();
                socket.send(new DatagramPacket(msg, msg.length, server.getLocalAddress()));
                SocketAddressAndText got = receive(server);
                assertEquals("adaptor", got.text());
                socket.setSoTimeout(50);
                DatagramPacket p = new DatagramPacket(new byte[16], 16);
                assertThrows(SocketTimeoutException.class, () -> socket.receive(p));
                server.send(ByteBuffer.wrap("r".getBytes()), got.from());
                socket.setSoTimeout(5_000);
                socket.receive(p);
                assertEquals(1, p.getLength());
                assertEquals(server.getLocalAddress(), p.getSocketAddress());
            }
            assertTrue(socket.isClosed());
        }
    }

    @Test
    void multicastMembershipOnAFlyoverInterface() throws Exception {
        NetworkInterface nif = NetworkInterface.networkInterfaces()
                .filter(n -> !n.isVirtual() && !n.getName().equals("lo")).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(nif != null, "needs one named interface to stand for");
        try (TwoHosts named = new TwoHosts("", nif.getName(), nif.getName());
             DatagramChannel receiver = named.b.openDatagramChannel(StandardProtocolFamily.INET)
                     .setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true)
                     .bind(new InetSocketAddress(0));
             DatagramChannel sender = named.a.openDatagramChannel(StandardProtocolFamily.INET)) {
            hosts.close(); // this test's own pair is the named one
            InetAddress group = InetAddress.ofLiteral("239.1.2.3");
            MembershipKey key = receiver.join(group, nif);
            assertTrue(key.isValid());
            assertEquals(key, receiver.join(group, nif), "joining again answers the same key");
            int port = ((InetSocketAddress) receiver.getLocalAddress()).getPort();
            sender.setOption(java.net.StandardSocketOptions.IP_MULTICAST_IF, nif);
            sender.send(ByteBuffer.wrap("group".getBytes()), new InetSocketAddress(group, port));
            assertEquals("group", receive(receiver).text());
            assertEquals(2, named.b.counters().offloaded(SocketRole.UDP_RECEIVER), "the bind and the join");
            assertEquals(1, named.a.counters().offloaded(SocketRole.UDP_SENDER));
            key.drop();
            assertFalse(key.isValid());
            assertThrows(IllegalArgumentException.class, () -> receiver.join(InetAddress.ofLiteral("198.18.0.1"), nif));
        }
    }
}
