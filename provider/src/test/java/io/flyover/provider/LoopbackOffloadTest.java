package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.channel.FlyoverDatagramChannel;
import io.flyover.provider.channel.FlyoverServerSocketChannel;
import io.flyover.provider.channel.FlyoverSocketChannel;
import io.flyover.provider.kernel.JdkSelectorProvider;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.runtime.StackRuntime;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code flyover.loopback.offload=true}: 127.0.0.0/8 and ::1 served by the in-process loopback stack,
 * a loopback connection offloaded only when a Flyover listener serves it, and listeners shadowed in the
 * kernel so kernel clients still reach them.
 */
@Timeout(30)
class LoopbackOffloadTest {
    private static final InetAddress LO4 = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress LO6 = InetAddress.ofLiteral("::1");
    private final FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"));
    private final SelectorProvider jdk = JdkSelectorProvider.get();

    @AfterEach
    void close() {
        provider.close();
    }

    private StackRuntime lo() {
        return provider.stacks().stream().filter(StackRuntime::isLoopback).findFirst().orElseThrow();
    }

    private static void echo(SocketChannel a, SocketChannel b) throws Exception {
        a.write(ByteBuffer.wrap("ping".getBytes()));
        ByteBuffer in = ByteBuffer.allocate(4);
        while (in.hasRemaining()) {
            b.read(in);
        }
        assertEquals("ping", new String(in.array()));
    }

    @Test
    void clientAndServerOfOneProcessTalkOverTheLoopbackStack() throws Exception {
        long framesBefore = lo().counters().rxFrames();
        for (InetAddress address : new InetAddress[] {LO4, LO6}) {
            try (ServerSocketChannel server = provider.openServerSocketChannel().bind(new InetSocketAddress(address, 0));
                 SocketChannel client = provider.openSocketChannel()) {
                FlyoverServerSocketChannel fs = (FlyoverServerSocketChannel) server;
                assertTrue(fs.isOffloaded());
                assertTrue(fs.hasKernelListener(), "shadowed in the kernel");
                assertTrue(client.connect(server.getLocalAddress()));
                assertTrue(((FlyoverSocketChannel) client).isOffloaded());
                assertEquals("lo", ((FlyoverSocketChannel) client).offloadInterface());
                try (SocketChannel accepted = server.accept()) {
                    assertTrue(((FlyoverSocketChannel) accepted).isOffloaded());
                    echo(client, accepted);
                    echo(accepted, client);
                }
            }
        }
        assertEquals(2, provider.counters().offloaded(SocketRole.TCP_CLIENT));
        assertEquals(2, provider.counters().accepted(OffloadPath.OFFLOAD));
        assertTrue(lo().counters().rxFrames() > framesBefore, "the loopback stack carried the traffic");
    }

    @Test
    void aLocalServerOnTheKernelIsReachedThroughTheKernel() throws Exception {
        try (ServerSocketChannel kernelServer = jdk.openServerSocketChannel().bind(new InetSocketAddress(LO4, 0));
             SocketChannel client = provider.openSocketChannel()) {
            assertTrue(client.connect(kernelServer.getLocalAddress()));
            assertTrue(((FlyoverSocketChannel) client).isKernel(), "no Flyover listener serves that port");
            try (SocketChannel accepted = kernelServer.accept()) {
                echo(client, accepted);
            }
        }
        assertEquals(1, provider.counters().kernel(SocketRole.TCP_CLIENT));
    }

    @Test
    void aKernelClientReachesAFlyoverServerThroughItsShadow() throws Exception {
        try (ServerSocketChannel server = provider.openServerSocketChannel().bind(new InetSocketAddress(LO4, 0));
             SocketChannel kernelClient = jdk.openSocketChannel()) {
            kernelClient.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                assertTrue(((FlyoverSocketChannel) accepted).isKernel());
                echo(kernelClient, accepted);
            }
        }
        assertEquals(1, provider.counters().accepted(OffloadPath.KERNEL));
    }

    @Test
    void aWildcardServerServesLoopbackClientsOfBothKinds() throws Exception {
        try (ServerSocketChannel server = provider.openServerSocketChannel().bind(null);
             SocketChannel flyClient = provider.openSocketChannel();
             SocketChannel kernelClient = jdk.openSocketChannel()) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            flyClient.connect(new InetSocketAddress(LO4, port));
            kernelClient.connect(new InetSocketAddress(LO4, port));
            assertTrue(((FlyoverSocketChannel) flyClient).isOffloaded());
            server.accept().close();
            server.accept().close();
        }
        assertEquals(1, provider.counters().accepted(OffloadPath.OFFLOAD));
        assertEquals(1, provider.counters().accepted(OffloadPath.KERNEL));
    }

    @Test
    void afterTheListenerClosesLoopbackClientsGoBackToTheKernel() throws Exception {
        int port;
        try (ServerSocketChannel server = provider.openServerSocketChannel().bind(new InetSocketAddress(LO4, 0))) {
            port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        }
        SocketChannel client = provider.openSocketChannel();
        try {
            client.connect(new InetSocketAddress(LO4, port));
        } catch (java.net.ConnectException refusedByTheKernel) {
            // expected: nothing listens there any more
        }
        assertEquals(1, provider.counters().kernel(SocketRole.TCP_CLIENT));
        client.close();
    }

    @Test
    void datagramsBetweenTwoFlyoverSocketsOnLoopback() throws Exception {
        try (DatagramChannel receiver = provider.openDatagramChannel().bind(new InetSocketAddress(LO4, 0));
             DatagramChannel sender = provider.openDatagramChannel();
             DatagramChannel kernelSender = jdk.openDatagramChannel()) {
            assertTrue(((FlyoverDatagramChannel) receiver).isOffloaded());
            sender.send(ByteBuffer.wrap("fly".getBytes()), receiver.getLocalAddress());
            kernelSender.send(ByteBuffer.wrap("krn".getBytes()), receiver.getLocalAddress());
            java.util.Set<String> got = new java.util.HashSet<>();
            for (int i = 0; i < 2; i++) {
                ByteBuffer b = ByteBuffer.allocate(16);
                receiver.receive(b);
                got.add(new String(b.array(), 0, b.position()));
            }
            assertEquals(java.util.Set.of("fly", "krn"), got);
        }
        assertEquals(1, provider.counters().offloaded(SocketRole.UDP_SENDER));
    }

    @Test
    void multicastOnTheLoopbackStackWithSourceFiltering() throws Exception {
        NetworkInterface lo = NetworkInterface.getByName("lo");
        org.junit.jupiter.api.Assumptions.assumeTrue(lo != null, "needs the host's lo to name");
        InetAddress group = InetAddress.ofLiteral("239.7.7.7");
        try (DatagramChannel receiver = provider.openDatagramChannel(StandardProtocolFamily.INET)
                .setOption(StandardSocketOptions.SO_REUSEADDR, true).bind(new InetSocketAddress(0));
             DatagramChannel sender = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            int port = ((InetSocketAddress) receiver.getLocalAddress()).getPort();
            MembershipKey key = receiver.join(group, lo);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
            sender.send(ByteBuffer.wrap("m1".getBytes()), new InetSocketAddress(group, port));
            ByteBuffer b = ByteBuffer.allocate(8);
            receiver.receive(b);
            assertEquals("m1", new String(b.array(), 0, b.position()));

            key.block(LO4); // our own datagrams come from 127.0.0.1
            receiver.configureBlocking(false);
            sender.send(ByteBuffer.wrap("m2".getBytes()), new InetSocketAddress(group, port));
            b.clear();
            assertEquals(null, receiver.receive(b), "a blocked source is filtered");
            key.unblock(LO4);
            sender.send(ByteBuffer.wrap("m3".getBytes()), new InetSocketAddress(group, port));
            long end = System.nanoTime() + 5_000_000_000L;
            while (receiver.receive(b) == null && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            assertEquals("m3", new String(b.array(), 0, b.position()));
            key.drop();
            assertFalse(key.isValid());
        }
    }
}
