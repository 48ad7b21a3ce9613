package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code ServerSocketChannel}: bind and accept, as {@code ServerSocketChannelImpl} does them. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ServerSocketChannelTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void acceptBeforeBindThrowsNotYetBound(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.track(lo.provider().openServerSocketChannel());
            expectThrows(arm, "accept unbound", NotYetBoundException.class, server::accept);
            expect(arm, "local address unbound", returned(null), of(server::getLocalAddress));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void bindingTwiceOrToATakenPortFails(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            expectThrows(arm, "second bind", AlreadyBoundException.class,
                    () -> server.bind(new InetSocketAddress(Loopback.ADDRESS, 0)));
            ServerSocketChannel other = lo.track(lo.provider().openServerSocketChannel());
            expectThrows(arm, "bind to a listening port", BindException.class, () -> other.bind(server.getLocalAddress()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void nonBlockingAcceptReturnsNullUntilAClientConnects(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            server.configureBlocking(false);
            expect(arm, "non-blocking accept with no client", returned(null), of(server::accept));
            SocketChannel client = lo.socket();
            client.connect(server.getLocalAddress());
            SocketChannel accepted = null;
            while (accepted == null) {
                accepted = server.accept();
                Thread.onSpinWait();
            }
            lo.track(accepted);
            assertTrue(accepted.isBlocking(), arm + ": an accepted channel is in blocking mode");
            assertTrue(accepted.isConnected(), arm + ": an accepted channel is connected");
            assertEquals(client.getLocalAddress(), accepted.getRemoteAddress(), arm + ": accepted's remote address");
            assertEquals(server.getLocalAddress(), accepted.getLocalAddress(), arm + ": accepted's local address");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void backlogHoldsSeveralConnectionsAcceptedInOrder(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.track(lo.provider().openServerSocketChannel());
            server.bind(new InetSocketAddress(Loopback.ADDRESS, 0), 8);
            SocketChannel[] clients = new SocketChannel[3];
            for (int i = 0; i < clients.length; i++) {
                clients[i] = lo.socket();
                clients[i].connect(server.getLocalAddress());
            }
            for (SocketChannel client : clients) {
                SocketChannel accepted = lo.track(server.accept());
                assertNotNull(accepted, arm + ": accepted");
                assertEquals(client.getLocalAddress(), accepted.getRemoteAddress(), arm + ": accept order follows connect order");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void wildcardBindAcceptsLoopbackClients(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.track(lo.provider().openServerSocketChannel());
            server.bind(new InetSocketAddress(0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            assertTrue(((InetSocketAddress) server.getLocalAddress()).getAddress().isAnyLocalAddress(),
                    arm + ": a wildcard bind reports the wildcard address");
            SocketChannel client = lo.socket();
            client.connect(new InetSocketAddress(Loopback.ADDRESS, port));
            SocketChannel accepted = lo.track(server.accept());
            assertEquals(new InetSocketAddress(Loopback.ADDRESS, port), accepted.getLocalAddress(),
                    arm + ": the accepted end's local address is the address the client reached");
        }
    }
}
