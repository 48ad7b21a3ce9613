package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.channel.FlyoverServerSocketChannel;
import io.flyover.provider.channel.FlyoverSocketChannel;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SocketChannel and ServerSocketChannel over Flyover between two in-process hosts. */
@Timeout(30)
class FlyoverTcpTest {
    private final TwoHosts hosts = new TwoHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    private ServerSocketChannel listenOnB() throws IOException {
        ServerSocketChannel server = hosts.b.openServerSocketChannel();
        server.bind(new InetSocketAddress(TwoHosts.B4, 0));
        return server;
    }

    @Test
    void blockingConnectAcceptAndEchoOverFlyover() throws Exception {
        try (ServerSocketChannel server = listenOnB(); SocketChannel client = hosts.a.openSocketChannel()) {
            InetSocketAddress serverAddress = (InetSocketAddress) server.getLocalAddress();
            assertTrue(((FlyoverServerSocketChannel) server).isOffloaded());
            assertFalse(((FlyoverServerSocketChannel) server).hasKernelListener(), "198.18.0.2 is no kernel address");

            assertTrue(client.connect(serverAddress));
            assertTrue(client.isConnected());
            assertTrue(((FlyoverSocketChannel) client).isOffloaded());
            assertEquals("veth-a", ((FlyoverSocketChannel) client).offloadInterface());
            assertEquals(serverAddress, client.getRemoteAddress());
            InetSocketAddress local = (InetSocketAddress) client.getLocalAddress();
            assertEquals(TwoHosts.A4, local.getAddress());

            try (SocketChannel accepted = server.accept()) {
                assertTrue(accepted.isConnected());
                assertTrue(accepted.isBlocking());
                assertEquals(local, accepted.getRemoteAddress());
                client.write(ByteBuffer.wrap("ping".getBytes()));
                ByteBuffer in = ByteBuffer.allocate(16);
                while (in.position() < 4) {
                    assertTrue(accepted.read(in) > 0);
                }
                assertEquals("ping", new String(in.array(), 0, 4));
                accepted.write(ByteBuffer.wrap("pong".getBytes()));
                ByteBuffer back = ByteBuffer.allocate(4);
                while (back.hasRemaining()) {
                    client.read(back);
                }
                assertEquals("pong", new String(back.array()));
            }
        }
        assertEquals(1, hosts.a.counters().offloaded(SocketRole.TCP_CLIENT));
        assertEquals(0, hosts.a.counters().kernel(SocketRole.TCP_CLIENT));
        assertEquals(1, hosts.b.counters().offloaded(SocketRole.TCP_SERVER));
        assertEquals(1, hosts.b.counters().accepted(OffloadPath.OFFLOAD));
        assertTrue(hosts.stackA.counters().txFrames() > 0 && hosts.stackB.counters().rxFrames() > 0);
    }

    @Test
    void ipv6ConnectionOverFlyover() throws Exception {
        try (ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B6, 0));
             SocketChannel client = hosts.a.openSocketChannel()) {
            assertTrue(client.connect(server.getLocalAddress()));
            assertEquals(TwoHosts.A6, ((InetSocketAddress) client.getLocalAddress()).getAddress());
            try (SocketChannel accepted = server.accept()) {
                accepted.write(ByteBuffer.wrap(new byte[] {42}));
                ByteBuffer one = ByteBuffer.allocate(1);
                assertEquals(1, client.read(one));
                assertEquals(42, one.get(0));
            }
        }
    }

    @Test
    void megabytesBothWaysArriveIntact() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(5).nextBytes(data);
        try (ServerSocketChannel server = listenOnB(); SocketChannel client = hosts.a.openSocketChannel()) {
            client.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        client.write(ByteBuffer.wrap(data));
                        client.shutdownOutput();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                MessageDigest received = MessageDigest.getInstance("SHA-256");
                ByteBuffer buf = ByteBuffer.allocateDirect(10_000);
                long total = 0;
                int n;
                while ((n = accepted.read(buf)) >= 0) {
                    buf.flip();
                    received.update(buf);
                    buf.clear();
                    total += n;
                }
                writer.join();
                assertEquals(data.length, total);
                assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), received.digest());
                assertEquals(-1, accepted.read(buf), "end of stream stays");
            }
        }
    }

    @Test
    void scatterAndGather() throws Exception {
        try (ServerSocketChannel server = listenOnB(); SocketChannel client = hosts.a.openSocketChannel()) {
            client.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                ByteBuffer[] out = {ByteBuffer.wrap("abc".getBytes()), ByteBuffer.allocate(0), ByteBuffer.wrap("defgh".getBytes())};
                assertEquals(8, client.write(out, 0, 3));
                ByteBuffer[] in = {ByteBuffer.allocate(2), ByteBuffer.allocate(3), ByteBuffer.allocate(10)};
                long got = 0;
                while (got < 8) {
                    got += accepted.read(in);
                }
                assertEquals("ab", new String(in[0].array()));
                assertEquals("cde", new String(in[1].array()));
                assertEquals("fgh", new String(in[2].array(), 0, 3));
            }
        }
    }

    @Test
    void nonBlockingConnectFinishesLater() throws Exception {
        try (ServerSocketChannel server = listenOnB(); SocketChannel client = hosts.a.openSocketChannel()) {
            client.configureBlocking(false);
            boolean now = client.connect(server.getLocalAddress());
            if (!now) {
                assertTrue(client.isConnectionPending());
                assertThrows(ConnectionPendingException.class, () -> client.connect(server.getLocalAddress()));
                assertThrows(NotYetConnectedException.class, () -> client.read(ByteBuffer.allocate(1)));
                assertNull(client.getLocalAddress(), "the JDK reports the local address once connected");
                while (!client.finishConnect()) {
                    Thread.onSpinWait();
                }
            }
            assertTrue(client.isConnected());
            assertFalse(client.isConnectionPending());
            assertTrue(client.finishConnect(), "finishConnect on a connected channel answers true");
            assertThrows(AlreadyConnectedException.class, () -> client.connect(server.getLocalAddress()));
            assertEquals(0, client.read(ByteBuffer.allocate(4)), "nothing to read yet, non-blocking");
            try (SocketChannel accepted = server.accept()) {
                assertTrue(accepted.isConnected());
            }
        }
    }

    @Test
    void misuseThrowsWhatTheJdkThrows() throws Exception {
        SocketChannel client = hosts.a.openSocketChannel();
        assertThrows(NotYetConnectedException.class, () -> client.read(ByteBuffer.allocate(1)));
        assertThrows(NotYetConnectedException.class, () -> client.write(ByteBuffer.allocate(1)));
        assertThrows(NotYetConnectedException.class, client::shutdownOutput);
        assertThrows(NoConnectionPendingException.class, client::finishConnect);
        assertNull(client.getRemoteAddress());
        assertThrows(IllegalArgumentException.class, () -> client.read(ByteBuffer.allocate(1).asReadOnlyBuffer()));
        client.close();
        assertFalse(client.isOpen());
        assertThrows(ClosedChannelException.class, () -> client.read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> client.connect(new InetSocketAddress(TwoHosts.B4, 9)));
        assertThrows(ClosedChannelException.class, client::getLocalAddress);
        client.close(); // idempotent
    }

    @Test
    void connectToAClosedPortIsRefusedAndClosesTheChannel() throws Exception {
        SocketChannel client = hosts.a.openSocketChannel();
        ConnectException e = assertThrows(ConnectException.class, () -> client.connect(new InetSocketAddress(TwoHosts.B4, 9)));
        assertEquals("Connection refused", e.getMessage());
        assertFalse(client.isOpen());
    }

    @Test
    void peerCloseGivesEndOfStreamAndShutdownOutputBlocksWrites() throws Exception {
        try (ServerSocketChannel server = listenOnB(); SocketChannel client = hosts.a.openSocketChannel()) {
            client.connect(server.getLocalAddress());
            SocketChannel accepted = server.accept();
            accepted.write(ByteBuffer.wrap(new byte[] {1, 2}));
            accepted.close();
            ByteBuffer in = ByteBuffer.allocate(8);
            int n;
            int total = 0;
            while ((n = client.read(in)) > 0) {
                total += n;
            }
            assertEquals(2, total);
            assertEquals(-1, n);
            client.shutdownOutput();
            assertThrows(ClosedChannelException.class, () -> client.write(ByteBuffer.allocate(1)));
            client.shutdownInput();
            assertEquals(-1, client.read(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void abortiveCloseResetsThePeer() throws Exception {
        try (ServerSocketChannel server = listenOnB(); SocketChannel client = hosts.a.openSocketChannel()) {
            client.connect(server.getLocalAddress());
            SocketChannel accepted = server.accept();
            accepted.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
            accepted.close();
            SocketException e = assertThrows(SocketException.class, () -> {
                ByteBuffer in = ByteBuffer.allocate(1);
                while (client.read(in) >= 0) {
                    in.clear();
                }
            });
            assertEquals("Connection reset", e.getMessage());
            assertThrows(SocketException.class, () -> client.read(ByteBuffer.allocate(1)), "the reset is remembered");
        }
    }

    @Test
    void socketOptionsAreKeptAndChecked() throws Exception {
        try (SocketChannel ch = hosts.a.openSocketChannel()) {
            assertEquals(Boolean.FALSE, ch.getOption(java.net.StandardSocketOptions.TCP_NODELAY));
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            assertEquals(Boolean.TRUE, ch.getOption(java.net.StandardSocketOptions.TCP_NODELAY));
            ch.setOption(java.net.StandardSocketOptions.SO_LINGER, 100_000);
            assertEquals(65_535, ch.getOption(java.net.StandardSocketOptions.SO_LINGER));
            assertThrows(IllegalArgumentException.class, () -> ch.setOption(java.net.StandardSocketOptions.IP_TOS, 300));
            assertThrows(IllegalArgumentException.class, () -> ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, -1));
            assertThrows(UnsupportedOperationException.class, () -> ch.setOption(java.net.StandardSocketOptions.IP_MULTICAST_TTL, 1));
            ch.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 30);
            assertEquals(30, ch.getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE));
            assertThrows(SocketException.class, () -> ch.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, 1000));
            assertEquals(hosts.a.openSocketChannel().supportedOptions(), ch.supportedOptions());
            assertEquals(io.flyover.provider.kernel.JdkSelectorProvider.get().openSocketChannel().supportedOptions(),
                    ch.supportedOptions(), "the same options as the JDK's own channel");
        }
    }

    @Test
    void acceptedChannelRefusesSecondBindAndReportsAddresses() throws Exception {
        try (ServerSocketChannel server = listenOnB(); SocketChannel client = hosts.a.openSocketChannel()) {
            client.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                assertInstanceOf(FlyoverSocketChannel.class, accepted);
                assertEquals(server.getLocalAddress(), accepted.getLocalAddress());
                assertThrows(java.nio.channels.AlreadyBoundException.class, () -> accepted.bind(null));
            }
        }
    }
}
