package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.channel.FlyoverDatagramChannel;
import io.flyover.provider.channel.FlyoverServerSocketChannel;
import io.flyover.provider.channel.FlyoverSocketChannel;
import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SO_REUSEPORT over the loopback offload: servers and datagram sockets that all set it share one
 * 127.0.0.1 port on the Flyover stack and in the kernel (their shadows), clients of both kinds are
 * spread over them, and a bind without it on both fails as the JDK's does.
 */
@Timeout(30)
class ReusePortOffloadTest {
    private static final InetAddress LO4 = InetAddress.ofLiteral("127.0.0.1");
    private final FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"));
    private final SelectorProvider jdk = JdkSelectorProvider.get();
    private final Deque<Channel> opened = new ArrayDeque<>();

    @AfterEach
    void close() throws IOException {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
        provider.close();
    }

    private <C extends Channel> C track(C c) {
        opened.push(c);
        return c;
    }

    private ServerSocketChannel server(boolean reusePort, SocketAddress at) throws IOException {
        ServerSocketChannel s = track(provider.openServerSocketChannel());
        s.setOption(StandardSocketOptions.SO_REUSEPORT, reusePort);
        s.bind(at);
        s.configureBlocking(false);
        return s;
    }

    /** Accepts {@code n} connections from whichever server has them; returns them by server. */
    private static Map<ServerSocketChannel, List<SocketChannel>> acceptAll(int n, ServerSocketChannel... servers)
            throws IOException {
        Map<ServerSocketChannel, List<SocketChannel>> by = new HashMap<>();
        for (ServerSocketChannel s : servers) {
            by.put(s, new ArrayList<>());
        }
        int got = 0;
        while (got < n) {
            for (ServerSocketChannel s : servers) {
                SocketChannel c = s.accept();
                if (c != null) {
                    by.get(s).add(c);
                    got++;
                }
            }
            Thread.onSpinWait();
        }
        return by;
    }

    @Test
    void twoServersWithReusePortShareAPortAndBothAcceptClientsOfBothPaths() throws Exception {
        ServerSocketChannel one = server(true, new InetSocketAddress(LO4, 0));
        ServerSocketChannel two = server(true, one.getLocalAddress());
        assertEquals(one.getLocalAddress(), two.getLocalAddress());
        for (ServerSocketChannel s : List.of(one, two)) {
            assertTrue(((FlyoverServerSocketChannel) s).isOffloaded());
            assertTrue(((FlyoverServerSocketChannel) s).hasKernelListener(), "the kernel shadow joined the group too");
        }
        int flyoverClients = 32;
        Set<SocketAddress> clientAddresses = new HashSet<>();
        for (int i = 0; i < flyoverClients; i++) {
            SocketChannel c = track(provider.openSocketChannel());
            assertTrue(c.connect(one.getLocalAddress()));
            assertTrue(((FlyoverSocketChannel) c).isOffloaded());
            clientAddresses.add(c.getLocalAddress());
        }
        Map<ServerSocketChannel, List<SocketChannel>> accepted = acceptAll(flyoverClients, one, two);
        Set<SocketAddress> remotes = new HashSet<>();
        for (List<SocketChannel> l : accepted.values()) {
            assertTrue(l.size() > 0 && l.size() < flyoverClients, "both servers accept: " + l.size());
            for (SocketChannel a : l) {
                track(a);
                assertTrue(((FlyoverSocketChannel) a).isOffloaded());
                remotes.add(a.getRemoteAddress());
            }
        }
        assertEquals(clientAddresses, remotes);

        int kernelClients = 4; // through the kernel shadows, which the kernel spreads by its own hash
        for (int i = 0; i < kernelClients; i++) {
            track(jdk.openSocketChannel()).connect(one.getLocalAddress());
        }
        for (List<SocketChannel> l : acceptAll(kernelClients, one, two).values()) {
            for (SocketChannel a : l) {
                track(a);
                assertTrue(((FlyoverSocketChannel) a).isKernel());
            }
        }
    }

    @Test
    void withoutReusePortOnBothTheSecondBindFailsAsOnTheJdk() throws Exception {
        boolean[][] cases = {{false, false}, {true, false}, {false, true}};
        for (boolean[] c : cases) {
            ServerSocketChannel first = server(c[0], new InetSocketAddress(LO4, 0));
            ServerSocketChannel second = track(provider.openServerSocketChannel());
            second.setOption(StandardSocketOptions.SO_REUSEPORT, c[1]);
            BindException e = assertThrows(BindException.class, () -> second.bind(first.getLocalAddress()));
            assertEquals("Address already in use", e.getMessage());
            assertNull(second.getLocalAddress());
            // the failed bind left the first server whole: a Flyover client still reaches it offloaded
            SocketChannel client = track(provider.openSocketChannel());
            client.connect(first.getLocalAddress());
            assertTrue(((FlyoverSocketChannel) client).isOffloaded());
            assertTrue(((FlyoverSocketChannel) track(acceptAll(1, first).get(first).get(0))).isOffloaded());
        }
    }

    @Test
    void whenOneServerClosesTheOtherServesEveryNewClientOffloaded() throws Exception {
        ServerSocketChannel one = server(true, new InetSocketAddress(LO4, 0));
        ServerSocketChannel two = server(true, one.getLocalAddress());
        SocketAddress port = one.getLocalAddress();
        one.close();
        int clients = 8;
        for (int i = 0; i < clients; i++) {
            SocketChannel c = track(provider.openSocketChannel());
            assertTrue(c.connect(port));
            assertTrue(((FlyoverSocketChannel) c).isOffloaded(), "the remaining listener still serves the port");
        }
        List<SocketChannel> accepted = acceptAll(clients, two).get(two);
        for (SocketChannel a : accepted) {
            assertTrue(((FlyoverSocketChannel) track(a)).isOffloaded());
        }
    }

    @Test
    void datagramSocketsWithReusePortShareAPortAndEachFlowGoesToOne() throws Exception {
        DatagramChannel one = track(provider.openDatagramChannel());
        one.setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(new InetSocketAddress(LO4, 0));
        DatagramChannel two = track(provider.openDatagramChannel());
        two.setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(one.getLocalAddress());
        DatagramChannel plain = track(provider.openDatagramChannel());
        assertThrows(BindException.class, () -> plain.bind(one.getLocalAddress()));
        assertTrue(((FlyoverDatagramChannel) one).isOffloaded() && ((FlyoverDatagramChannel) two).isOffloaded());
        one.configureBlocking(false);
        two.configureBlocking(false);

        int senders = 16;
        int perSender = 3;
        for (int i = 0; i < senders; i++) {
            DatagramChannel s = track(provider.openDatagramChannel());
            s.bind(new InetSocketAddress(LO4, 0));
            for (int k = 0; k < perSender; k++) {
                s.send(ByteBuffer.wrap(("s" + i).getBytes()), one.getLocalAddress());
            }
        }
        Map<String, DatagramChannel> owner = new HashMap<>();
        Map<DatagramChannel, Integer> counts = new HashMap<>(Map.of(one, 0, two, 0));
        int got = 0;
        ByteBuffer b = ByteBuffer.allocate(16);
        while (got < senders * perSender) {
            for (DatagramChannel r : List.of(one, two)) {
                b.clear();
                if (r.receive(b) != null) {
                    String from = new String(b.array(), 0, b.position());
                    DatagramChannel before = owner.putIfAbsent(from, r);
                    assertTrue(before == null || before == r, from + " reached both sockets");
                    counts.merge(r, 1, Integer::sum);
                    got++;
                }
            }
            Thread.onSpinWait();
        }
        assertEquals(senders, owner.size());
        assertTrue(counts.get(one) > 0 && counts.get(two) > 0, "both sockets receive: " + counts.values());
    }
}
