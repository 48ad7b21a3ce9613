package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.channel.FlyoverServerSocketChannel;
import io.flyover.provider.channel.FlyoverSocketChannel;
import io.flyover.provider.kernel.JdkSelectorProvider;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sockets the policy does not offload are the kernel's, through the JDK's default provider; a
 * wildcard listener serves both paths (a Flyover listener plus a kernel shadow).
 */
@Timeout(30)
class KernelFallbackTest {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private final SelectorProvider jdk = JdkSelectorProvider.get();
    private final TwoHosts hosts = new TwoHosts("kernel tcp_client 198.18.0.99:*");

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void clientToAKernelServerGoesThroughTheKernel() throws Exception {
        try (ServerSocketChannel kernelServer = jdk.openServerSocketChannel().bind(new InetSocketAddress(LOOPBACK, 0));
             SocketChannel client = hosts.a.openSocketChannel()) {
            assertTrue(client.connect(kernelServer.getLocalAddress()));
            FlyoverSocketChannel f = (FlyoverSocketChannel) client;
            assertTrue(f.isKernel());
            assertFalse(f.isOffloaded());
            try (SocketChannel accepted = kernelServer.accept()) {
                assertEquals(client.getLocalAddress(), accepted.getRemoteAddress());
                client.write(ByteBuffer.wrap("via kernel".getBytes()));
                ByteBuffer in = ByteBuffer.allocate(10);
                while (in.hasRemaining()) {
                    accepted.read(in);
                }
                assertEquals("via kernel", new String(in.array()));
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                assertEquals(Boolean.TRUE, client.getOption(StandardSocketOptions.TCP_NODELAY));
            }
        }
        assertEquals(1, hosts.a.counters().kernel(SocketRole.TCP_CLIENT));
        assertEquals(0, hosts.a.counters().offloaded(SocketRole.TCP_CLIENT));
    }

    @Test
    void optionsSetBeforeConnectReachTheKernelSocket() throws Exception {
        try (ServerSocketChannel kernelServer = jdk.openServerSocketChannel().bind(new InetSocketAddress(LOOPBACK, 0));
             SocketChannel client = hosts.a.openSocketChannel()) {
            client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            client.setOption(StandardSocketOptions.SO_SNDBUF, 65_536);
            client.connect(kernelServer.getLocalAddress());
            assertEquals(Boolean.TRUE, client.getOption(StandardSocketOptions.SO_KEEPALIVE));
            kernelServer.accept().close();
        }
    }

    @Test
    void aKernelRuleSendsAnOtherwiseOffloadedDestinationToTheKernel() throws Exception {
        // 198.18.0.99 is routed through veth-a, but the rule says kernel. Whatever the host's kernel makes
        // of that address (no route, a refusal, a timeout, even a proxy answering), the socket is the kernel's.
        try (SocketChannel client = hosts.a.openSocketChannel()) {
            try {
                client.socket().connect(new InetSocketAddress("198.18.0.99", 9), 200);
            } catch (java.io.IOException expected) {
                // the kernel's answer, not ours
            }
            assertEquals(1, hosts.a.counters().kernel(SocketRole.TCP_CLIENT));
            assertEquals(0, hosts.a.counters().offloaded(SocketRole.TCP_CLIENT));
            assertTrue(!client.isOpen() || ((FlyoverSocketChannel) client).isKernel());
        }
    }

    @Test
    void kernelRefusalIsAConnectException() throws Exception {
        int freePort;
        try (ServerSocketChannel s = jdk.openServerSocketChannel().bind(new InetSocketAddress(LOOPBACK, 0))) {
            freePort = ((InetSocketAddress) s.getLocalAddress()).getPort();
        }
        SocketChannel client = hosts.a.openSocketChannel();
        assertThrows(ConnectException.class, () -> client.connect(new InetSocketAddress(LOOPBACK, freePort)));
        assertFalse(client.isOpen());
    }

    @Test
    void serverOnALoopbackAddressIsTheKernels() throws Exception {
        try (ServerSocketChannel server = hosts.a.openServerSocketChannel().bind(new InetSocketAddress(LOOPBACK, 0));
             SocketChannel kernelClient = jdk.openSocketChannel()) {
            FlyoverServerSocketChannel f = (FlyoverServerSocketChannel) server;
            assertFalse(f.isOffloaded());
            assertTrue(f.hasKernelListener());
            kernelClient.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                assertTrue(((FlyoverSocketChannel) accepted).isKernel());
                assertEquals(kernelClient.getLocalAddress(), accepted.getRemoteAddress());
                accepted.write(ByteBuffer.wrap(new byte[] {9}));
                ByteBuffer one = ByteBuffer.allocate(1);
                assertEquals(1, kernelClient.read(one));
            }
        }
        assertEquals(1, hosts.a.counters().kernel(SocketRole.TCP_SERVER));
        assertEquals(1, hosts.a.counters().accepted(OffloadPath.KERNEL));
    }

    @Test
    void wildcardServerAcceptsFromFlyoverAndFromTheKernel() throws Exception {
        try (ServerSocketChannel server = hosts.a.openServerSocketChannel().bind(null)) {
            FlyoverServerSocketChannel f = (FlyoverServerSocketChannel) server;
            assertTrue(f.isOffloaded());
            assertTrue(f.hasKernelListener());
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            try (SocketChannel overFlyover = hosts.b.openSocketChannel();
                 SocketChannel overKernel = jdk.openSocketChannel()) {
                overFlyover.connect(new InetSocketAddress(TwoHosts.A4, port));
                overKernel.connect(new InetSocketAddress(LOOPBACK, port));
                Set<Boolean> paths = new HashSet<>();
                for (int i = 0; i < 2; i++) {
                    SocketChannel accepted = server.accept();
                    paths.add(((FlyoverSocketChannel) accepted).isOffloaded());
                    accepted.close();
                }
                assertEquals(Set.of(true, false), paths);
            }
        }
        assertEquals(1, hosts.a.counters().accepted(OffloadPath.OFFLOAD));
        assertEquals(1, hosts.a.counters().accepted(OffloadPath.KERNEL));
    }

    @Test
    void socketAdaptorStreamsWorkOnBothPaths() throws Exception {
        try (ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             ServerSocketChannel kernelServer = jdk.openServerSocketChannel().bind(new InetSocketAddress(LOOPBACK, 0))) {
            for (ServerSocketChannel s : new ServerSocketChannel[] {server, kernelServer}) {
                try (Socket socket = hosts.a.openSocketChannel().socket()) {
                    socket.connect(s.getLocalAddress(), 5_000);
                    socket.setSoTimeout(5_000);
                    try (SocketChannel peer = s.accept()) {
                        OutputStream out = socket.getOutputStream();
                        out.write("stream".getBytes());
                        ByteBuffer in = ByteBuffer.allocate(6);
                        while (in.hasRemaining()) {
                            peer.read(in);
                        }
                        assertEquals("stream", new String(in.array()));
                        peer.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                        InputStream input = socket.getInputStream();
                        assertEquals(1, input.read());
                        byte[] rest = new byte[2];
                        assertEquals(2, input.readNBytes(rest, 0, 2));
                        peer.close();
                        assertEquals(-1, input.read());
                    }
                }
            }
        }
    }

    @Test
    void soTimeoutOnAFlyoverReadThrowsSocketTimeout() throws Exception {
        try (ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             Socket socket = hosts.a.openSocketChannel().socket()) {
            socket.connect(server.getLocalAddress());
            try (SocketChannel peer = server.accept()) {
                socket.setSoTimeout(50);
                assertThrows(java.net.SocketTimeoutException.class, () -> socket.getInputStream().read());
                assertFalse(socket.isClosed(), "a read timeout leaves the socket open");
                peer.write(ByteBuffer.wrap(new byte[] {5}));
                assertEquals(5, socket.getInputStream().read());
            }
        }
    }

    @Test
    void interruptOfAnAcceptWaitingOnBothPathsClosesTheServer() throws Exception {
        ServerSocketChannel server = hosts.a.openServerSocketChannel().bind(null); // Flyover listener + kernel shadow
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                outcome.set(server.accept());
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        FlyoverSelectorTest.waitUntilBlocked(t);
        t.interrupt();
        t.join(10_000);
        assertTrue(outcome.get() instanceof java.nio.channels.ClosedByInterruptException, String.valueOf(outcome.get()));
        assertFalse(server.isOpen());
    }

    @Test
    void acceptWaitingOnBothPathsIsWokenByAFlyoverConnection() throws Exception {
        try (ServerSocketChannel server = hosts.a.openServerSocketChannel().bind(null)) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    outcome.set(server.accept());
                } catch (Throwable e) {
                    outcome.set(e);
                }
            });
            FlyoverSelectorTest.waitUntilBlocked(t);
            try (SocketChannel client = hosts.b.openSocketChannel()) {
                client.connect(new InetSocketAddress(TwoHosts.A4, port));
                t.join(10_000);
                SocketChannel accepted = (SocketChannel) outcome.get();
                assertTrue(((FlyoverSocketChannel) accepted).isOffloaded());
                accepted.close();
            }
        }
    }

    @Test
    void interruptOfAReceiveWaitingOnBothPathsClosesTheChannel() throws Exception {
        java.nio.channels.DatagramChannel ch = hosts.a.openDatagramChannel().bind(null);
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                outcome.set(ch.receive(ByteBuffer.allocate(8)));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        FlyoverSelectorTest.waitUntilBlocked(t);
        t.interrupt();
        t.join(10_000);
        assertTrue(outcome.get() instanceof java.nio.channels.ClosedByInterruptException, String.valueOf(outcome.get()));
        assertFalse(ch.isOpen());
    }
}
