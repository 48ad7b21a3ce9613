package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code SocketChannel.connect} and {@code finishConnect}, blocking and not, as {@code SocketChannelImpl} does them. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SocketChannelConnectTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void blockingConnectSucceedsAndNamesBothEnds(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            SocketChannel client = lo.socket();
            expect(arm, "blocking connect", returned(true), of(() -> client.connect(server.getLocalAddress())));
            SocketChannel accepted = lo.track(server.accept());
            assertTrue(client.isConnected(), arm + ": isConnected");
            assertFalse(client.isConnectionPending(), arm + ": isConnectionPending");
            assertEquals(server.getLocalAddress(), client.getRemoteAddress(), arm + ": client's remote address");
            assertEquals(client.getLocalAddress(), accepted.getRemoteAddress(), arm + ": accepted's remote address");
            assertEquals(Loopback.ADDRESS, ((InetSocketAddress) client.getLocalAddress()).getAddress(),
                    arm + ": an unbound client is bound by connect to the loopback address");
            expect(arm, "finishConnect on a connected channel", returned(true), of(client::finishConnect));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void blockingConnectToAClosedPortIsRefusedAndClosesTheChannel(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            InetSocketAddress nobody = lo.closedPort();
            SocketChannel client = lo.socket();
            expectThrows(arm, "connect to a closed port", ConnectException.class, () -> client.connect(nobody));
            assertFalse(client.isOpen(), arm + ": a failed blocking connect closes the channel");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void connectToAnUnresolvedAddressThrowsAndKeepsTheChannel(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            SocketChannel client = lo.socket();
            expectThrows(arm, "connect to an unresolved address", UnresolvedAddressException.class,
                    () -> client.connect(InetSocketAddress.createUnresolved("flyover.invalid", 80)));
            assertTrue(client.isOpen(), arm + ": the channel stays open");
            assertFalse(client.isConnectionPending(), arm + ": no connection pending");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void connectingTwiceThrowsAlreadyConnected(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            expectThrows(arm, "second connect", AlreadyConnectedException.class,
                    () -> pair.client().connect(pair.accepted().getLocalAddress()));
            expectThrows(arm, "bind after connect", AlreadyBoundException.class,
                    () -> pair.client().bind(new InetSocketAddress(Loopback.ADDRESS, 0)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void nonBlockingConnectIsPendingUntilFinishConnect(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            ServerSocketChannel server = lo.server();
            SocketChannel client = lo.socket();
            client.configureBlocking(false);
            boolean immediate = client.connect(server.getLocalAddress());
            if (!immediate) {
                assertTrue(client.isConnectionPending(), arm + ": pending after a non-blocking connect returned false");
                expectThrows(arm, "connect while pending", ConnectionPendingException.class,
                        () -> client.connect(server.getLocalAddress()));
                expectThrows(arm, "read while pending", NotYetConnectedException.class,
                        () -> client.read(ByteBuffer.allocate(1)));
                client.register(selector, SelectionKey.OP_CONNECT);
                while (!client.finishConnect()) {
                    selector.select(1000);
                }
            }
            assertTrue(client.isConnected(), arm + ": connected after finishConnect");
            assertFalse(client.isConnectionPending(), arm + ": nothing pending after finishConnect");
            expect(arm, "finishConnect again", returned(true), of(client::finishConnect));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void nonBlockingConnectToAClosedPortFailsInFinishConnect(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            InetSocketAddress nobody = lo.closedPort();
            SocketChannel client = lo.socket();
            client.configureBlocking(false);
            Outcome connect = Outcome.of(() -> client.connect(nobody));
            if (connect.thrown() == null) {
                expect(arm, "non-blocking connect to a closed port", returned(false), connect);
                SelectionKey key = client.register(selector, SelectionKey.OP_CONNECT);
                assertEquals(1, selector.select(5000), arm + ": a refused connect is selected");
                assertTrue(key.isConnectable(), arm + ": a refused connect is connectable");
                expectThrows(arm, "finishConnect after refusal", ConnectException.class, client::finishConnect);
            } else {
                expect(arm, "non-blocking connect to a closed port", Outcome.threw(ConnectException.class), connect);
            }
            assertFalse(client.isOpen(), arm + ": a failed connect closes the channel");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void unconnectedChannelRefusesDataAndFinishConnect(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            SocketChannel client = lo.socket();
            expectThrows(arm, "finishConnect without connect", NoConnectionPendingException.class, client::finishConnect);
            expectThrows(arm, "read unconnected", NotYetConnectedException.class, () -> client.read(ByteBuffer.allocate(1)));
            expectThrows(arm, "write unconnected", NotYetConnectedException.class, () -> client.write(ByteBuffer.allocate(1)));
            expectThrows(arm, "shutdownInput unconnected", NotYetConnectedException.class, client::shutdownInput);
            expectThrows(arm, "shutdownOutput unconnected", NotYetConnectedException.class, client::shutdownOutput);
            expect(arm, "remote address unconnected", returned(null), of(client::getRemoteAddress));
            expect(arm, "local address unbound", returned(null), of(client::getLocalAddress));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void explicitBindIsKeptByConnect(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            SocketChannel client = lo.socket();
            client.bind(new InetSocketAddress(Loopback.ADDRESS, 0));
            InetSocketAddress bound = (InetSocketAddress) client.getLocalAddress();
            assertTrue(bound.getPort() > 0, arm + ": bind to port 0 picks a port");
            expectThrows(arm, "second bind", AlreadyBoundException.class,
                    () -> client.bind(new InetSocketAddress(Loopback.ADDRESS, 0)));
            client.connect(server.getLocalAddress());
            SocketChannel accepted = lo.track(server.accept());
            assertEquals(bound, client.getLocalAddress(), arm + ": connect keeps the bound address");
            assertEquals(bound, accepted.getRemoteAddress(), arm + ": the server sees the bound address");
        }
    }
}
