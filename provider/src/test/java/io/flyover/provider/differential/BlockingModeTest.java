package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Blocking mode and registration rules ({@code AbstractSelectableChannel}, {@code SelectorProviderImpl}). */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class BlockingModeTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void validOpsPerChannelType(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            assertEquals(SelectionKey.OP_READ | SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT, lo.socket().validOps(),
                    arm + ": SocketChannel.validOps");
            assertEquals(SelectionKey.OP_ACCEPT, lo.server().validOps(), arm + ": ServerSocketChannel.validOps");
            assertEquals(SelectionKey.OP_READ | SelectionKey.OP_WRITE, lo.datagram().validOps(), arm + ": DatagramChannel.validOps");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aBlockingChannelCannotBeRegistered(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            SocketChannel ch = lo.socket();
            assertTrue(ch.isBlocking(), arm + ": channels start blocking");
            expectThrows(arm, "register a blocking channel", IllegalBlockingModeException.class,
                    () -> ch.register(selector, SelectionKey.OP_READ));
            assertFalse(ch.isRegistered(), arm + ": not registered after the failure");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aRegisteredChannelCannotTurnBlockingUntilItsKeyIsGone(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            SocketChannel ch = lo.socket();
            ch.configureBlocking(false);
            SelectionKey key = ch.register(selector, SelectionKey.OP_CONNECT);
            assertTrue(ch.isRegistered(), arm + ": isRegistered");
            assertSame(key, ch.keyFor(selector), arm + ": keyFor returns the key");
            assertSame(key, ch.register(selector, SelectionKey.OP_READ), arm + ": registering again updates the same key");
            assertEquals(SelectionKey.OP_READ, key.interestOps(), arm + ": the second registration's interest set");
            expectThrows(arm, "configureBlocking(true) while registered", IllegalBlockingModeException.class,
                    () -> ch.configureBlocking(true));
            key.cancel();
            selector.selectNow();
            assertFalse(ch.isRegistered(), arm + ": deregistered after cancel and a selection");
            expect(arm, "configureBlocking(true) after deregistration", Outcome.done(), Outcome.ofRun(() -> ch.configureBlocking(true)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void registrationRejectsInvalidOpsAndClosedSelectors(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Selector selector = lo.provider().openSelector();
            SocketChannel ch = lo.socket();
            ch.configureBlocking(false);
            ServerSocketChannel server = lo.server();
            server.configureBlocking(false);
            DatagramChannel dc = lo.datagram();
            dc.configureBlocking(false);
            expectThrows(arm, "OP_ACCEPT on a SocketChannel", IllegalArgumentException.class,
                    () -> ch.register(selector, SelectionKey.OP_ACCEPT));
            expectThrows(arm, "OP_READ on a ServerSocketChannel", IllegalArgumentException.class,
                    () -> server.register(selector, SelectionKey.OP_READ));
            expectThrows(arm, "OP_CONNECT on a DatagramChannel", IllegalArgumentException.class,
                    () -> dc.register(selector, SelectionKey.OP_CONNECT));
            SelectionKey key = ch.register(selector, 0);
            expectThrows(arm, "interestOps with OP_ACCEPT", IllegalArgumentException.class,
                    () -> key.interestOps(SelectionKey.OP_ACCEPT));
            selector.close();
            expectThrows(arm, "register with a closed selector", ClosedSelectorException.class,
                    () -> dc.register(selector, SelectionKey.OP_READ));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void theSocketAdaptorsStreamsRefuseNonBlockingChannels(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            var in = pair.client().socket().getInputStream();
            var out = pair.client().socket().getOutputStream();
            pair.client().configureBlocking(false);
            expectThrows(arm, "adaptor stream read, non-blocking", IllegalBlockingModeException.class, in::read);
            expectThrows(arm, "adaptor stream write, non-blocking", IllegalBlockingModeException.class, () -> out.write(1));
            ServerSocketChannel server = lo.server();
            server.configureBlocking(false);
            expectThrows(arm, "adaptor accept, non-blocking", IllegalBlockingModeException.class, () -> server.socket().accept());
            expect(arm, "non-blocking channel is still connected", returned(true), of(pair.client()::isConnected));
        }
    }
}
