package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code Selector}: readiness sets, the selected-key set, wakeup, cancelled keys, closing (as {@code SelectorImpl}). */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SelectorTest {
    /** Generous bound for readiness that must come; a test never waits it out when the provider is right. */
    private static final long READY_WITHIN_MILLIS = 5_000;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void acceptConnectWriteAndReadReadinessAreReported(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            ServerSocketChannel server = lo.server();
            server.configureBlocking(false);
            SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
            expect(arm, "selectNow with nothing ready", returned(0), of(selector::selectNow));

            SocketChannel client = lo.socket();
            client.configureBlocking(false);
            SelectionKey clientKey = client.register(selector, SelectionKey.OP_CONNECT);
            client.connect(server.getLocalAddress());

            boolean accepted = false;
            boolean connected = false;
            SocketChannel serverSide = null;
            while (!accepted || !connected) {
                assertTrue(selector.select(READY_WITHIN_MILLIS) > 0, arm + ": accept and connect readiness come");
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key == acceptKey) {
                        assertEquals(SelectionKey.OP_ACCEPT, key.readyOps(), arm + ": server ready set");
                        serverSide = lo.track(server.accept());
                        accepted = serverSide != null;
                    } else {
                        assertSame(clientKey, key, arm + ": only registered keys are selected");
                        assertEquals(SelectionKey.OP_CONNECT, key.readyOps(), arm + ": connecting client's ready set");
                        connected = client.finishConnect();
                        clientKey.interestOps(SelectionKey.OP_WRITE | SelectionKey.OP_READ);
                    }
                }
                selector.selectedKeys().clear();
            }

            assertEquals(1, selector.select(READY_WITHIN_MILLIS), arm + ": a fresh connection is writable");
            assertEquals(SelectionKey.OP_WRITE, clientKey.readyOps(), arm + ": writable, not readable, before data");
            selector.selectedKeys().clear();

            Loopback.writeFully(serverSide, new byte[] {1});
            clientKey.interestOps(SelectionKey.OP_READ);
            assertEquals(1, selector.select(READY_WITHIN_MILLIS), arm + ": data makes the client readable");
            assertEquals(SelectionKey.OP_READ, clientKey.readyOps(), arm + ": ready set restricted to the interest set");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aKeyAlreadySelectedIsNotCountedAgain(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            Loopback.Pair pair = lo.connected();
            pair.client().configureBlocking(false);
            SelectionKey key = pair.client().register(selector, SelectionKey.OP_WRITE);
            expect(arm, "first selection of a writable channel", returned(1), of(selector::selectNow));
            expect(arm, "second selection, key still in the selected set", returned(0), of(selector::selectNow));
            assertEquals(Set.of(key), selector.selectedKeys(), arm + ": the selected set keeps the key");
            selector.selectedKeys().clear();
            expect(arm, "selection after clearing the selected set", returned(1), of(selector::selectNow));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void peerCloseMakesTheChannelReadableWithEndOfStream(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            Loopback.Pair pair = lo.connected();
            pair.accepted().configureBlocking(false);
            SelectionKey key = pair.accepted().register(selector, SelectionKey.OP_READ);
            pair.client().close();
            assertEquals(1, selector.select(READY_WITHIN_MILLIS), arm + ": the peer's close is selected");
            assertTrue(key.isReadable(), arm + ": readable after the peer's close");
            expect(arm, "read after the peer's close", returned(-1), of(() -> pair.accepted().read(ByteBuffer.allocate(1))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void selectWithAnActionVisitsReadyKeys(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            Loopback.Pair pair = lo.connected();
            pair.client().configureBlocking(false);
            pair.accepted().configureBlocking(false);
            SelectionKey writable = pair.client().register(selector, SelectionKey.OP_WRITE);
            pair.accepted().register(selector, SelectionKey.OP_READ);
            List<SelectionKey> visited = new ArrayList<>();
            expect(arm, "selectNow(action) count", returned(1), of(() -> selector.selectNow(visited::add)));
            assertEquals(List.of(writable), visited, arm + ": only the writable key is visited");
            assertTrue(selector.selectedKeys().isEmpty(), arm + ": select(action) leaves the selected set alone");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void wakeupBeforeSelectMakesTheNextSelectReturnAtOnce(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            ServerSocketChannel server = lo.server();
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            assertSame(selector, selector.wakeup(), arm + ": wakeup returns the selector");
            expect(arm, "select() after wakeup", returned(0), of(selector::select));
            selector.wakeup();
            expect(arm, "selectNow() after wakeup", returned(0), of(selector::selectNow));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void wakeupFromAnotherThreadEndsABlockedSelect(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            ServerSocketChannel server = lo.server();
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            CompletableFuture<Outcome> select = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().name("selecting").start(() -> select.complete(Outcome.of(selector::select)));
            BlockedThreads.awaitInside(thread, selector.getClass(), "select");
            selector.wakeup();
            expect(arm, "blocked select() woken up", returned(0), select.get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aCancelledKeyIsInvalidAndLeavesTheKeySetAtTheNextSelection(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            Loopback.Pair pair = lo.connected();
            pair.client().configureBlocking(false);
            SelectionKey key = pair.client().register(selector, SelectionKey.OP_WRITE);
            key.attach("attachment");
            key.cancel();
            assertFalse(key.isValid(), arm + ": cancelled key is invalid");
            assertEquals("attachment", key.attachment(), arm + ": a cancelled key keeps its attachment");
            assertTrue(selector.keys().contains(key), arm + ": still in the key set until the next selection");
            expectThrows(arm, "interestOps on a cancelled key", CancelledKeyException.class, () -> key.interestOps(SelectionKey.OP_READ));
            expectThrows(arm, "readyOps on a cancelled key", CancelledKeyException.class, key::readyOps);
            // AbstractSelectableChannel.register finds the cancelled key, attaches the new (null) attachment, then
            // interestOps throws.
            expectThrows(arm, "register again before deregistration", CancelledKeyException.class,
                    () -> pair.client().register(selector, SelectionKey.OP_WRITE));
            expect(arm, "attachment after the failed registration", returned(null), of(key::attachment));
            expect(arm, "selection with only a cancelled key", returned(0), of(selector::selectNow));
            assertFalse(selector.keys().contains(key), arm + ": removed from the key set by the selection");
            SelectionKey again = pair.client().register(selector, SelectionKey.OP_WRITE);
            assertTrue(again != key && again.isValid(), arm + ": registering after deregistration gives a new key");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void closingARegisteredChannelCancelsItsKey(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            Loopback.Pair pair = lo.connected();
            pair.client().configureBlocking(false);
            SelectionKey key = pair.client().register(selector, SelectionKey.OP_READ);
            pair.client().close();
            assertFalse(key.isValid(), arm + ": closing the channel cancels its key");
            expect(arm, "selection after closing a registered channel", returned(0), of(selector::selectNow));
            assertFalse(selector.keys().contains(key), arm + ": the closed channel's key is gone");
            assertFalse(pair.client().isRegistered(), arm + ": the closed channel is deregistered");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aClosedSelectorRefusesSelectionAndInvalidatesItsKeys(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Selector selector = lo.provider().openSelector();
            SocketChannel ch = lo.socket();
            ch.configureBlocking(false);
            SelectionKey key = ch.register(selector, SelectionKey.OP_CONNECT);
            selector.close();
            assertFalse(selector.isOpen(), arm + ": isOpen after close");
            assertFalse(key.isValid(), arm + ": a closed selector's keys are invalid");
            assertTrue(ch.isOpen(), arm + ": closing a selector leaves its channels open");
            expectThrows(arm, "select on a closed selector", ClosedSelectorException.class, selector::selectNow);
            expectThrows(arm, "keys of a closed selector", ClosedSelectorException.class, selector::keys);
            expectThrows(arm, "selectedKeys of a closed selector", ClosedSelectorException.class, selector::selectedKeys);
            expect(arm, "wakeup on a closed selector", Outcome.done(), Outcome.ofRun(selector::wakeup));
            expect(arm, "close a selector twice", Outcome.done(), Outcome.ofRun(selector::close));
            expect(arm, "configureBlocking(true) once the selector is closed", Outcome.done(),
                    Outcome.ofRun(() -> ch.configureBlocking(true)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aJdkPipeIsSelectedTogetherWithTheArmsChannels(ProviderArm arm) throws Exception {
        // ARCHITECTURE.md: one select() sees offloaded channels and kernel ones, including a JDK Pipe.
        Pipe pipe = JdkSelectorProvider.get().openPipe();
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector();
             Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            Loopback.Pair pair = lo.connected();
            pair.accepted().configureBlocking(false);
            source.configureBlocking(false);
            SelectionKey socketKey = pair.accepted().register(selector, SelectionKey.OP_READ);
            SelectionKey pipeKey = source.register(selector, SelectionKey.OP_READ);
            expect(arm, "selectNow with neither ready", returned(0), of(selector::selectNow));
            sink.write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, selector.select(READY_WITHIN_MILLIS), arm + ": the pipe's readiness is selected");
            assertEquals(Set.of(pipeKey), selector.selectedKeys(), arm + ": only the pipe is ready");
            selector.selectedKeys().clear();
            source.read(ByteBuffer.allocate(1));
            Loopback.writeFully(pair.client(), new byte[] {2});
            assertEquals(1, selector.select(READY_WITHIN_MILLIS), arm + ": the socket's readiness is selected");
            assertEquals(Set.of(socketKey), selector.selectedKeys(), arm + ": only the socket is ready");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void selectRejectsANegativeTimeout(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            expectThrows(arm, "select(-1)", IllegalArgumentException.class, () -> selector.select(-1));
        }
    }
}
