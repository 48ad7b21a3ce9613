package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.channel.FlyoverServerSocketChannel;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SO_REUSEPORT on an address only Flyover serves (198.18.0.2 of host B: no kernel shadow, the port is
 * reserved in the stack runtime): the group shares the port, clients from host A reach both members, a bind
 * without the option fails, and the port is free again once every member closed.
 */
@Timeout(30)
class ReusePortTwoHostsTest {
    private final TwoHosts hosts = new TwoHosts();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        hosts.close();
    }

    private ServerSocketChannel server(boolean reusePort, int port) throws Exception {
        ServerSocketChannel s = hosts.b.openServerSocketChannel();
        opened.add(s);
        s.setOption(StandardSocketOptions.SO_REUSEPORT, reusePort);
        s.bind(new InetSocketAddress(TwoHosts.B4, port));
        return s;
    }

    @Test
    void aGroupOnAnOffloadOnlyAddressSharesThePortUntilItsLastMemberCloses() throws Exception {
        ServerSocketChannel one = server(true, 0);
        int port = ((InetSocketAddress) one.getLocalAddress()).getPort();
        ServerSocketChannel two = server(true, port);
        assertFalse(((FlyoverServerSocketChannel) one).hasKernelListener(), "198.18.0.2 is no kernel address");
        assertThrows(BindException.class, () -> server(false, port));
        one.configureBlocking(false);
        two.configureBlocking(false);

        int clients = 24;
        for (int i = 0; i < clients; i++) {
            SocketChannel c = hosts.a.openSocketChannel();
            opened.add(c);
            assertTrue(c.connect(one.getLocalAddress()));
        }
        int toOne = 0;
        int got = 0;
        while (got < clients) {
            SocketChannel a = one.accept();
            if (a != null) {
                opened.add(a);
                toOne++;
                got++;
            }
            SocketChannel b = two.accept();
            if (b != null) {
                opened.add(b);
                got++;
            }
            Thread.onSpinWait();
        }
        assertTrue(toOne > 0 && toOne < clients, "both members accept: " + toOne + " of " + clients);

        one.close();
        assertThrows(BindException.class, () -> server(false, port), "the port is still held by the other member");
        two.close();
        ServerSocketChannel again = server(false, port);
        assertEquals(port, ((InetSocketAddress) again.getLocalAddress()).getPort());
    }
}
