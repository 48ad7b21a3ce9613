package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blocking operations over Flyover: a parked read is woken by data, by an interrupt
 * (ClosedByInterruptException, channel closed) and by an asynchronous close; virtual threads block
 * without pinning their carrier. The tests wait for the blocked thread to be parked before acting, so
 * each checks the wake-up path, not a race.
 */
@Timeout(30)
class BlockingSemanticsTest {
    private TwoHosts hosts;
    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel accepted;

    @BeforeEach
    void connect() throws Exception {
        hosts = new TwoHosts();
        server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
        client = hosts.a.openSocketChannel();
        client.connect(server.getLocalAddress());
        accepted = server.accept();
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        accepted.close();
        server.close();
        hosts.close();
    }

    /** Waits until {@code t} is parked (WAITING or TIMED_WAITING), i.e. blocked in the operation. */
    static void awaitBlocked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("thread never blocked: " + t.getState());
            }
            Thread.sleep(1);
        }
    }

    private Thread startReader(boolean virtual, AtomicReference<Object> outcome) {
        Runnable read = () -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(16);
                int n = client.read(b);
                outcome.set(n > 0 ? new String(b.array(), 0, n) : Integer.valueOf(n));
            } catch (Throwable e) {
                outcome.set(e);
            }
        };
        return virtual ? Thread.ofVirtual().start(read) : Thread.ofPlatform().daemon().start(read);
    }

    @Test
    void blockedReadIsWokenByArrivingData() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread reader = startReader(false, outcome);
        awaitBlocked(reader);
        accepted.write(ByteBuffer.wrap("hello".getBytes()));
        reader.join(10_000);
        assertEquals("hello", outcome.get());
    }

    @Test
    void virtualThreadBlockedReadIsWokenByData() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread reader = startReader(true, outcome);
        awaitBlocked(reader);
        accepted.write(ByteBuffer.wrap("virtual".getBytes()));
        reader.join(10_000);
        assertEquals("virtual", outcome.get());
    }

    @Test
    void manyVirtualThreadsBlockInReadsWithoutPinningCarriers() throws Exception {
        // More blocked readers than carrier threads: if a read pinned its carrier, the later ones never run.
        int n = Runtime.getRuntime().availableProcessors() * 4 + 4;
        SocketChannel[] clients = new SocketChannel[n];
        SocketChannel[] servers = new SocketChannel[n];
        CompletableFuture<?>[] done = new CompletableFuture<?>[n];
        try {
            for (int i = 0; i < n; i++) {
                clients[i] = hosts.a.openSocketChannel();
                clients[i].connect(server.getLocalAddress());
                servers[i] = server.accept();
            }
            Thread[] readers = new Thread[n];
            for (int i = 0; i < n; i++) {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                done[i] = f;
                SocketChannel c = clients[i];
                readers[i] = Thread.ofVirtual().start(() -> {
                    try {
                        f.complete(c.read(ByteBuffer.allocate(4)));
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    }
                });
            }
            for (Thread t : readers) {
                awaitBlocked(t);
            }
            for (SocketChannel s : servers) {
                s.write(ByteBuffer.wrap(new byte[] {7}));
            }
            for (CompletableFuture<?> f : done) {
                assertEquals(1, f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            for (int i = 0; i < n; i++) {
                if (clients[i] != null) {
                    clients[i].close();
                }
                if (servers[i] != null) {
                    servers[i].close();
                }
            }
        }
    }

    @Test
    void interruptOfABlockedReadClosesTheChannel() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        AtomicReference<Boolean> interruptStatus = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                client.read(ByteBuffer.allocate(4));
                outcome.set("returned");
            } catch (Throwable e) {
                outcome.set(e);
            }
            interruptStatus.set(Thread.currentThread().isInterrupted());
        });
        awaitBlocked(reader);
        reader.interrupt();
        reader.join(10_000);
        assertInstanceOf(ClosedByInterruptException.class, outcome.get());
        assertTrue(interruptStatus.get(), "the interrupt status stays set");
        assertFalse(client.isOpen());
    }

    @Test
    void virtualThreadInterruptGivesClosedByInterrupt() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread reader = startReader(true, outcome);
        awaitBlocked(reader);
        reader.interrupt();
        reader.join(10_000);
        assertInstanceOf(ClosedByInterruptException.class, outcome.get());
        assertFalse(client.isOpen());
    }

    @Test
    void readOnAnInterruptedThreadFailsAtOnce() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().daemon().unstarted(() -> {
            Thread.currentThread().interrupt();
            try {
                client.read(ByteBuffer.allocate(4));
                outcome.set("returned");
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        reader.start();
        reader.join(10_000);
        assertInstanceOf(ClosedByInterruptException.class, outcome.get());
        assertFalse(client.isOpen());
    }

    @Test
    void closeFromAnotherThreadGivesAsynchronousClose() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread reader = startReader(false, outcome);
        awaitBlocked(reader);
        client.close();
        reader.join(10_000);
        assertEquals(AsynchronousCloseException.class, outcome.get().getClass());
    }

    @Test
    void shutdownInputWakesABlockedReadWithEndOfStream() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread reader = startReader(false, outcome);
        awaitBlocked(reader);
        client.shutdownInput();
        reader.join(10_000);
        assertEquals(-1, outcome.get());
    }

    @Test
    void blockedAcceptIsWokenByAConnection() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
            try {
                outcome.set(server.accept());
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        awaitBlocked(acceptor);
        try (SocketChannel second = hosts.a.openSocketChannel()) {
            second.connect(server.getLocalAddress());
            acceptor.join(10_000);
            SocketChannel ch = assertInstanceOf(SocketChannel.class, outcome.get());
            assertEquals(second.getLocalAddress(), ch.getRemoteAddress());
            ch.close();
        }
    }

    @Test
    void interruptOfABlockedAcceptClosesTheServer() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
            try {
                outcome.set(server.accept());
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        awaitBlocked(acceptor);
        acceptor.interrupt();
        acceptor.join(10_000);
        assertInstanceOf(ClosedByInterruptException.class, outcome.get());
        assertFalse(server.isOpen());
    }

    @Test
    void blockingWriteLargerThanTheSendBufferCompletesAsThePeerReads() throws Exception {
        byte[] big = new byte[2 * 1024 * 1024];
        CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> {
            try {
                long total = 0;
                ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                while (total < big.length) {
                    b.clear();
                    total += accepted.read(b);
                }
                return total;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertEquals(big.length, client.write(ByteBuffer.wrap(big)), "a blocking write writes everything");
        assertEquals(big.length, read.get(20, TimeUnit.SECONDS));
    }
}
