package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The socket adaptors behave as the JDK's own ({@code SocketAdaptor}, {@code ServerSocketAdaptor}, {@code DatagramSocketAdaptor}). */
@Timeout(30)
class AdaptorTest {
    private final TwoHosts hosts = new TwoHosts();
    private final SelectorProvider jdk = JdkSelectorProvider.get();

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void unconnectedSocketAdaptorLooksLikeTheJdks() throws Exception {
        try (SocketChannel ours = hosts.a.openSocketChannel(); SocketChannel theirs = jdk.openSocketChannel()) {
            Socket s = ours.socket();
            Socket j = theirs.socket();
            assertSame(s, ours.socket(), "one adaptor per channel");
            assertSame(ours, s.getChannel());
            assertEquals(j.toString(), s.toString());
            assertEquals(j.isBound(), s.isBound());
            assertEquals(j.isConnected(), s.isConnected());
            assertEquals(j.getLocalPort(), s.getLocalPort());
            assertEquals(j.getPort(), s.getPort());
            assertNull(s.getInetAddress());
            assertEquals(j.getLocalAddress(), s.getLocalAddress());
            assertEquals(j.getSoTimeout(), s.getSoTimeout());
            assertEquals(j.getTcpNoDelay(), s.getTcpNoDelay());
            assertEquals(j.getSoLinger(), s.getSoLinger());
            assertEquals(j.getKeepAlive(), s.getKeepAlive());
            SocketException e = assertThrows(SocketException.class, s::getInputStream);
            assertEquals("Socket is not connected", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.setSoTimeout(-1));
            assertThrows(IllegalArgumentException.class, () -> s.setReceiveBufferSize(0));
            assertThrows(IllegalArgumentException.class, () -> s.connect(null));
            s.setSoLinger(true, 5);
            assertEquals(5, s.getSoLinger());
            s.setSoLinger(false, 5);
            assertEquals(-1, s.getSoLinger());
        }
    }

    @Test
    void socketAdaptorConnectAndStreamsRequireBlockingMode() throws Exception {
        try (ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             SocketChannel ch = hosts.a.openSocketChannel()) {
            ch.configureBlocking(false);
            assertThrows(IllegalBlockingModeException.class, () -> ch.socket().connect(server.getLocalAddress()));
        }
    }

    @Test
    void socketAdaptorReportsAConnectedSocket() throws Exception {
        try (ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             Socket s = hosts.a.openSocketChannel().socket()) {
            s.connect(server.getLocalAddress(), 2_000);
            try (SocketChannel peer = server.accept()) {
                assertTrue(s.isConnected());
                assertTrue(s.isBound());
                assertEquals(server.getLocalAddress(), s.getRemoteSocketAddress());
                assertEquals(peer.getRemoteAddress(), s.getLocalSocketAddress());
                assertEquals("Socket[addr=" + TwoHosts.B4 + ",port=" + s.getPort() + ",localport=" + s.getLocalPort() + "]",
                        s.toString());
                s.shutdownOutput();
                assertTrue(s.isOutputShutdown());
                assertThrows(SocketException.class, s::getOutputStream);
            }
        }
        assertThrows(SocketException.class, () -> hosts.a.openSocketChannel().socket().connect(
                new InetSocketAddress(TwoHosts.B4, 9), 2_000), "refused");
    }

    @Test
    void serverSocketAdaptorAcceptsAndTimesOut() throws Exception {
        try (ServerSocketChannel ch = hosts.b.openServerSocketChannel()) {
            ServerSocket ss = ch.socket();
            assertEquals("ServerSocket[unbound]", ss.toString());
            assertEquals(-1, ss.getLocalPort());
            ss.bind(new InetSocketAddress(TwoHosts.B4, 0));
            assertTrue(ss.isBound());
            assertEquals(TwoHosts.B4, ss.getInetAddress());
            ss.setSoTimeout(50);
            assertThrows(SocketTimeoutException.class, ss::accept);
            assertFalse(ss.isClosed());
            try (SocketChannel client = hosts.a.openSocketChannel()) {
                client.connect(ss.getLocalSocketAddress());
                ss.setSoTimeout(5_000);
                try (Socket accepted = ss.accept()) {
                    assertEquals(client.getLocalAddress(), accepted.getRemoteSocketAddress());
                }
            }
            ch.configureBlocking(false);
            ss.setSoTimeout(0);
            assertThrows(IllegalBlockingModeException.class, ss::accept, "non-blocking with nothing pending");
            ss.close();
            assertTrue(ss.isClosed());
            assertFalse(ch.isOpen());
            assertThrows(SocketException.class, () -> ss.setSoTimeout(1));
        }
    }

    @Test
    void serverOptionsStartAsTheJdksAndAreKept() throws Exception {
        try (ServerSocketChannel ours = hosts.b.openServerSocketChannel(); ServerSocketChannel theirs = jdk.openServerSocketChannel()) {
            assertEquals(theirs.getOption(StandardSocketOptions.SO_REUSEADDR), ours.getOption(StandardSocketOptions.SO_REUSEADDR));
            assertEquals(theirs.supportedOptions(), ours.supportedOptions());
            ours.setOption(StandardSocketOptions.SO_RCVBUF, 65_536);
            assertEquals(65_536, ours.getOption(StandardSocketOptions.SO_RCVBUF));
            assertThrows(UnsupportedOperationException.class, () -> ours.setOption(StandardSocketOptions.TCP_NODELAY, true));
            ours.bind(new InetSocketAddress(TwoHosts.B4, 0));
            assertThrows(java.nio.channels.AlreadyBoundException.class, () -> ours.bind(null));
        }
    }

    @Test
    void datagramSocketAdaptorConnectsAndDisconnects() throws Exception {
        try (DatagramSocket s = hosts.a.openDatagramChannel().socket()) {
            assertFalse(s.isBound());
            assertEquals(0, s.getLocalPort());
            assertEquals(-1, s.getPort());
            s.connect(new InetSocketAddress(TwoHosts.B4, 7));
            assertTrue(s.isConnected());
            assertTrue(s.isBound());
            assertEquals(TwoHosts.B4, s.getInetAddress());
            s.disconnect();
            assertFalse(s.isConnected());
            assertNull(s.getRemoteSocketAddress());
            s.setBroadcast(true);
            assertTrue(s.getBroadcast());
        }
    }

    @Test
    void connectExceptionThroughTheAdaptorClosesTheSocket() throws Exception {
        Socket s = hosts.a.openSocketChannel().socket();
        assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress(TwoHosts.B4, 9)));
        assertTrue(s.isClosed());
    }
}
