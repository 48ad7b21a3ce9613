package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Closing channels: what every operation does afterwards, linger, and a close while another thread is blocked. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CloseTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void everySocketChannelOperationAfterCloseThrowsClosedChannel(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            Loopback.Pair pair = lo.connected();
            SocketChannel ch = pair.client();
            ch.close();
            expect(arm, "close twice", Outcome.done(), Outcome.ofRun(ch::close));
            assertFalse(ch.isOpen(), arm + ": isOpen after close");
            expect(arm, "isConnected after close", returned(false), of(ch::isConnected));
            ByteBuffer one = ByteBuffer.allocate(1);
            expectThrows(arm, "read", ClosedChannelException.class, () -> ch.read(one));
            expectThrows(arm, "write", ClosedChannelException.class, () -> ch.write(ByteBuffer.wrap(new byte[1])));
            expectThrows(arm, "scattering read", ClosedChannelException.class, () -> ch.read(new ByteBuffer[] {one}));
            expectThrows(arm, "gathering write", ClosedChannelException.class,
                    () -> ch.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[1])}));
            expectThrows(arm, "connect", ClosedChannelException.class, () -> ch.connect(pair.accepted().getLocalAddress()));
            expectThrows(arm, "finishConnect", ClosedChannelException.class, ch::finishConnect);
            expectThrows(arm, "bind", ClosedChannelException.class, () -> ch.bind(new InetSocketAddress(Loopback.ADDRESS, 0)));
            expectThrows(arm, "shutdownInput", ClosedChannelException.class, ch::shutdownInput);
            expectThrows(arm, "shutdownOutput", ClosedChannelException.class, ch::shutdownOutput);
            expectThrows(arm, "getLocalAddress", ClosedChannelException.class, ch::getLocalAddress);
            expectThrows(arm, "getRemoteAddress", ClosedChannelException.class, ch::getRemoteAddress);
            expectThrows(arm, "getOption", ClosedChannelException.class, () -> ch.getOption(StandardSocketOptions.TCP_NODELAY));
            expectThrows(arm, "setOption", ClosedChannelException.class, () -> ch.setOption(StandardSocketOptions.TCP_NODELAY, true));
            expectThrows(arm, "configureBlocking", ClosedChannelException.class, () -> ch.configureBlocking(false));
            expectThrows(arm, "register", ClosedChannelException.class, () -> ch.register(selector, SelectionKey.OP_READ));
            assertNotNull(ch.supportedOptions(), arm + ": supportedOptions after close");
            assertNotNull(ch.socket(), arm + ": socket() after close");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void serverAndDatagramOperationsAfterCloseThrowClosedChannel(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            server.close();
            expectThrows(arm, "accept after close", ClosedChannelException.class, server::accept);
            expectThrows(arm, "bind after close", ClosedChannelException.class,
                    () -> server.bind(new InetSocketAddress(Loopback.ADDRESS, 0)));
            expectThrows(arm, "server getLocalAddress after close", ClosedChannelException.class, server::getLocalAddress);
            expectThrows(arm, "server setOption after close", ClosedChannelException.class,
                    () -> server.setOption(StandardSocketOptions.SO_RCVBUF, 4096));

            DatagramChannel dc = lo.datagram();
            InetSocketAddress target = (InetSocketAddress) lo.datagram().getLocalAddress();
            dc.close();
            expectThrows(arm, "send after close", ClosedChannelException.class, () -> dc.send(ByteBuffer.wrap(new byte[1]), target));
            expectThrows(arm, "receive after close", ClosedChannelException.class, () -> dc.receive(ByteBuffer.allocate(1)));
            expectThrows(arm, "datagram connect after close", ClosedChannelException.class, () -> dc.connect(target));
            expectThrows(arm, "datagram read after close", ClosedChannelException.class, () -> dc.read(ByteBuffer.allocate(1)));
            expectThrows(arm, "datagram getLocalAddress after close", ClosedChannelException.class, dc::getLocalAddress);
            expect(arm, "datagram disconnect after close", Outcome.done(), Outcome.ofRun(dc::disconnect));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void anOrderlyCloseIsEndOfStreamForThePeer(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            Loopback.writeFully(pair.client(), new byte[] {1, 2, 3});
            pair.client().close();
            assertEquals(3, Loopback.readFully(pair.accepted(), 3).length, arm + ": data written before close arrives");
            expect(arm, "read after the peer's close", returned(-1), of(() -> pair.accepted().read(ByteBuffer.allocate(1))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void lingerZeroResetsTheConnection(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            pair.client().setOption(StandardSocketOptions.SO_LINGER, 0);
            expect(arm, "SO_LINGER after setting 0", returned(0), of(() -> pair.client().getOption(StandardSocketOptions.SO_LINGER)));
            pair.client().close();
            // SocketChannelImpl turns ECONNRESET into SocketException("Connection reset"), on this read and the next.
            expectThrows(arm, "read after the peer's abortive close", SocketException.class,
                    () -> pair.accepted().read(ByteBuffer.allocate(1)));
            expectThrows(arm, "read again after reset", SocketException.class,
                    () -> pair.accepted().read(ByteBuffer.allocate(1)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void closeWakesAThreadBlockedInRead(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            SocketChannel ch = pair.accepted();
            CompletableFuture<Outcome> reader = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().name("blocked-reader").start(
                    () -> reader.complete(Outcome.of(() -> ch.read(ByteBuffer.allocate(1)))));
            BlockedThreads.awaitInside(thread, ch.getClass(), "read");
            ch.close();
            expect(arm, "read blocked while another thread closes", Outcome.threw(AsynchronousCloseException.class),
                    reader.get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void closeWakesAThreadBlockedInAccept(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            CompletableFuture<Outcome> acceptor = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().name("blocked-acceptor").start(
                    () -> acceptor.complete(Outcome.of(server::accept)));
            BlockedThreads.awaitInside(thread, server.getClass(), "accept");
            server.close();
            expect(arm, "accept blocked while another thread closes", Outcome.threw(AsynchronousCloseException.class),
                    acceptor.get(10, TimeUnit.SECONDS));
        }
    }
}
