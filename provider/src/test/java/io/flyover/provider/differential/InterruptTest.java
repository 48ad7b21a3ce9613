package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Interrupts ({@code AbstractInterruptibleChannel}, {@code AbstractSelector}): a blocking channel operation
 * interrupted (or started with the interrupt status set) closes the channel and throws
 * {@link ClosedByInterruptException} with the status kept; a selection just returns.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class InterruptTest {

    /** What a thread's operation did, and whether its interrupt status was still set afterwards. */
    private record Interrupted(Outcome outcome, boolean statusKept) {}

    private static CompletableFuture<Interrupted> runOn(String name, ThrowingSupplier<?> operation, Thread[] started) {
        CompletableFuture<Interrupted> result = new CompletableFuture<>();
        started[0] = Thread.ofPlatform().name(name).start(() -> {
            Outcome outcome = Outcome.of(operation);
            result.complete(new Interrupted(outcome, Thread.currentThread().isInterrupted()));
        });
        return result;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aReadStartedWithTheInterruptStatusSetClosesTheChannel(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            SocketChannel ch = lo.connected().accepted();
            Thread[] thread = new Thread[1];
            Interrupted result = runOn("pre-interrupted-reader", () -> {
                Thread.currentThread().interrupt();
                return ch.read(ByteBuffer.allocate(1));
            }, thread).get(10, TimeUnit.SECONDS);
            expect(arm, "read with the interrupt status set", Outcome.threw(ClosedByInterruptException.class), result.outcome());
            assertTrue(result.statusKept(), arm + ": the interrupt status is kept");
            assertFalse(ch.isOpen(), arm + ": the channel is closed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void interruptingABlockedReadClosesTheChannel(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            SocketChannel ch = pair.accepted();
            Thread[] thread = new Thread[1];
            CompletableFuture<Interrupted> result = runOn("blocked-reader", () -> ch.read(ByteBuffer.allocate(1)), thread);
            BlockedThreads.awaitInside(thread[0], ch.getClass(), "read");
            thread[0].interrupt();
            Interrupted done = result.get(10, TimeUnit.SECONDS);
            expect(arm, "interrupted blocked read", Outcome.threw(ClosedByInterruptException.class), done.outcome());
            assertTrue(done.statusKept(), arm + ": the interrupt status is kept");
            assertFalse(ch.isOpen(), arm + ": the channel is closed");
            expect(arm, "peer reads after the interrupt closed the other end", Outcome.returned(-1),
                    Outcome.of(() -> pair.client().read(ByteBuffer.allocate(1))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void interruptingABlockedAcceptClosesTheServer(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            Thread[] thread = new Thread[1];
            CompletableFuture<Interrupted> result = runOn("blocked-acceptor", server::accept, thread);
            BlockedThreads.awaitInside(thread[0], server.getClass(), "accept");
            thread[0].interrupt();
            Interrupted done = result.get(10, TimeUnit.SECONDS);
            expect(arm, "interrupted blocked accept", Outcome.threw(ClosedByInterruptException.class), done.outcome());
            assertTrue(done.statusKept(), arm + ": the interrupt status is kept");
            assertFalse(server.isOpen(), arm + ": the server channel is closed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void interruptingABlockedReceiveClosesTheDatagramChannel(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel dc = lo.datagram();
            Thread[] thread = new Thread[1];
            CompletableFuture<Interrupted> result = runOn("blocked-receiver", () -> dc.receive(ByteBuffer.allocate(8)), thread);
            BlockedThreads.awaitInside(thread[0], dc.getClass(), "receive");
            thread[0].interrupt();
            Interrupted done = result.get(10, TimeUnit.SECONDS);
            expect(arm, "interrupted blocked receive", Outcome.threw(ClosedByInterruptException.class), done.outcome());
            assertTrue(done.statusKept(), arm + ": the interrupt status is kept");
            assertFalse(dc.isOpen(), arm + ": the datagram channel is closed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aConnectStartedWithTheInterruptStatusSetClosesTheChannel(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            SocketChannel ch = lo.socket();
            Thread[] thread = new Thread[1];
            Interrupted result = runOn("pre-interrupted-connector", () -> {
                Thread.currentThread().interrupt();
                return ch.connect(server.getLocalAddress());
            }, thread).get(10, TimeUnit.SECONDS);
            expect(arm, "connect with the interrupt status set", Outcome.threw(ClosedByInterruptException.class), result.outcome());
            assertTrue(result.statusKept(), arm + ": the interrupt status is kept");
            assertFalse(ch.isOpen(), arm + ": the channel is closed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aNonBlockingReadIgnoresTheInterruptStatus(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            SocketChannel ch = lo.connected().accepted();
            ch.configureBlocking(false);
            Thread[] thread = new Thread[1];
            Interrupted result = runOn("pre-interrupted-non-blocking-reader", () -> {
                Thread.currentThread().interrupt();
                return ch.read(ByteBuffer.allocate(1));
            }, thread).get(10, TimeUnit.SECONDS);
            expect(arm, "non-blocking read with the interrupt status set", Outcome.returned(0), result.outcome());
            assertTrue(result.statusKept(), arm + ": the interrupt status is kept");
            assertTrue(ch.isOpen(), arm + ": the channel stays open");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void interruptingABlockedSelectReturnsAndKeepsTheSelector(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            ServerSocketChannel server = lo.server();
            server.configureBlocking(false);
            SelectionKey key = server.register(selector, SelectionKey.OP_ACCEPT);
            Thread[] thread = new Thread[1];
            CompletableFuture<Interrupted> result = runOn("blocked-selector", selector::select, thread);
            BlockedThreads.awaitInside(thread[0], selector.getClass(), "select");
            thread[0].interrupt();
            Interrupted done = result.get(10, TimeUnit.SECONDS);
            expect(arm, "interrupted select", Outcome.returned(0), done.outcome());
            assertTrue(done.statusKept(), arm + ": the interrupt status is kept");
            assertTrue(selector.isOpen() && key.isValid() && server.isOpen(), arm + ": selector, key and channel stay");
        }
    }
}
