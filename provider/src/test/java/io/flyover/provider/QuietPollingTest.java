package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Busy-polling readers on the loopback stack: a non-blocking read or receive that found nothing marks
 * its channel quiet and the next ones answer without locks until an event, close or mode change. What
 * must hold: data the stack delivered is seen by the very next call, datagrams arriving on the kernel
 * shadow are still found, and neither a blocking call nor a closed channel is answered from the mark.
 */
@Timeout(30)
class QuietPollingTest {
    private static final InetAddress LO = InetAddress.ofLiteral("127.0.0.1");
    private final FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"));

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void dataWrittenByTheStackIsReadByTheNextNonBlockingReadAfterQuietReads() throws Exception {
        try (ServerSocketChannel listener = provider.openServerSocketChannel().bind(new InetSocketAddress(LO, 0));
             SocketChannel client = provider.openSocketChannel()) {
            client.connect(listener.getLocalAddress());
            client.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true); // Nagle would hold round 2 for the ACK
            try (SocketChannel server = listener.accept()) {
                server.configureBlocking(false);
                ByteBuffer in = ByteBuffer.allocate(16);
                for (int round = 0; round < 50; round++) {
                    for (int i = 0; i < 5; i++) {
                        assertEquals(0, server.read(in), "nothing sent yet");
                    }
                    client.write(ByteBuffer.wrap(new byte[] {(byte) round, 2, 3}));
                    in.clear();
                    assertEquals(3, server.read(in), "the send ran to completion: the first read after it sees the data");
                    assertEquals(round, in.get(0));
                    in.clear();
                }
            }
        }
    }

    /**
     * Nobody polls the loopback stack between application calls (its thread rests while no timer is
     * due), so a read that opens the window far enough to announce (RFC 9293 section 3.8.6.2.2) sends
     * the update itself; otherwise the sender would wait for its persist timer.
     */
    @Test
    void aReadThatOpensAClosedWindowSendsTheUpdateItself() throws Exception {
        try (ServerSocketChannel listener = provider.openServerSocketChannel().bind(new InetSocketAddress(LO, 0))) {
            listener.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            try (SocketChannel client = provider.openSocketChannel()) {
                client.connect(listener.getLocalAddress());
                try (SocketChannel server = listener.accept()) {
                    client.configureBlocking(false);
                    server.configureBlocking(false);
                    ByteBuffer chunk = ByteBuffer.allocate(8192);
                    while (client.write(chunk.clear()) > 0) {
                        // until the receiver's window and the sender's buffer are full
                    }
                    var lo = provider.stacks().stream().filter(r -> r.isLoopback()).findFirst().orElseThrow();
                    ByteBuffer in = ByteBuffer.allocate(256 * 1024);
                    long sentBefore = lo.counters().txFrames();
                    int n = server.read(in);
                    long sentAfter = lo.counters().txFrames();
                    assertEquals(true, n >= 32 * 1024, "a window's worth was waiting: " + n);
                    assertEquals(true, sentAfter > sentBefore,
                            "the window update (and what it lets the sender send) left inside the read");
                }
            }
        }
    }

    @Test
    void aBlockingReadAfterQuietNonBlockingReadsWaitsForData() throws Exception {
        try (ServerSocketChannel listener = provider.openServerSocketChannel().bind(new InetSocketAddress(LO, 0));
             SocketChannel client = provider.openSocketChannel()) {
            client.connect(listener.getLocalAddress());
            try (SocketChannel server = listener.accept()) {
                server.configureBlocking(false);
                ByteBuffer in = ByteBuffer.allocate(4);
                assertEquals(0, server.read(in));
                assertEquals(0, server.read(in));
                server.configureBlocking(true);
                CountDownLatch reading = new CountDownLatch(1);
                CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                    reading.countDown();
                    try {
                        return server.read(in);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                reading.await();
                Thread.sleep(100); // give a wrong "0" time to come back
                client.write(ByteBuffer.wrap(new byte[] {9, 8, 7, 6}));
                assertEquals(4, read.get(10, TimeUnit.SECONDS), "a blocking read returns data, never 0");
            }
        }
    }

    @Test
    void aClosedChannelIsNotAnsweredFromTheQuietMark() throws Exception {
        try (ServerSocketChannel listener = provider.openServerSocketChannel().bind(new InetSocketAddress(LO, 0));
             SocketChannel client = provider.openSocketChannel()) {
            client.connect(listener.getLocalAddress());
            SocketChannel server = listener.accept();
            server.configureBlocking(false);
            assertEquals(0, server.read(ByteBuffer.allocate(4)));
            server.close();
            assertThrows(ClosedChannelException.class, () -> server.read(ByteBuffer.allocate(4)));
        }
        try (DatagramChannel receiver = provider.openDatagramChannel().bind(new InetSocketAddress(LO, 0))) {
            receiver.configureBlocking(false);
            assertNull(receiver.receive(ByteBuffer.allocate(8)));
            receiver.close();
            assertThrows(ClosedChannelException.class, () -> receiver.receive(ByteBuffer.allocate(8)));
        }
    }

    @Test
    void aDatagramFromAFlyoverSenderIsReceivedByTheNextReceive() throws Exception {
        try (DatagramChannel receiver = provider.openDatagramChannel().bind(new InetSocketAddress(LO, 0));
             DatagramChannel sender = provider.openDatagramChannel().bind(new InetSocketAddress(LO, 0))) {
            receiver.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(8);
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < 5; i++) {
                    assertNull(receiver.receive(in));
                }
                sender.send(ByteBuffer.wrap(new byte[] {(byte) round}), receiver.getLocalAddress());
                in.clear();
                assertEquals(sender.getLocalAddress(), receiver.receive(in), "delivered inside the send");
                assertEquals(round, in.get(0));
                in.clear();
            }
        }
    }

    @Test
    void aKernelDatagramASelectorReportsIsReceivedAtOnce() throws Exception {
        try (DatagramChannel receiver = provider.openDatagramChannel().bind(new InetSocketAddress(LO, 0));
             DatagramChannel kernelSender = JdkSelectorProvider.get().openDatagramChannel();
             java.nio.channels.Selector selector = provider.openSelector()) {
            receiver.configureBlocking(false);
            receiver.register(selector, java.nio.channels.SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(8);
            for (int round = 0; round < 5; round++) {
                assertNull(receiver.receive(in)); // quiet
                kernelSender.send(ByteBuffer.wrap(new byte[] {(byte) round}), receiver.getLocalAddress());
                assertEquals(1, selector.select(10_000), "the kernel shadow's datagram makes the key ready");
                selector.selectedKeys().clear();
                in.clear();
                assertNotNull(receiver.receive(in), "a key reported readable is read at once, as the JDK's");
                assertEquals(round, in.get(0));
                in.clear();
            }
        }
    }

    @Test
    void aDatagramArrivingOnTheKernelShadowIsFoundByBusyPolling() throws Exception {
        try (DatagramChannel receiver = provider.openDatagramChannel().bind(new InetSocketAddress(LO, 0));
             DatagramChannel kernelSender = JdkSelectorProvider.get().openDatagramChannel()) {
            receiver.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(8);
            assertNull(receiver.receive(in)); // quiet from here
            kernelSender.send(ByteBuffer.wrap(new byte[] {42}), receiver.getLocalAddress());
            Object from = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (from == null && System.nanoTime() < deadline) {
                from = receiver.receive(in);
            }
            assertNotNull(from, "the kernel socket is still asked while the Flyover sockets are quiet");
            assertEquals(42, in.get(0));
        }
    }

    /**
     * {@code flyover.udp.kernel.poll.ratio}: how many empty receives pass before the kernel socket is asked.
     * A datagram a kernel socket sent over the loopback is in the shadow's queue when the send returns;
     * with a ratio of 3 the third receive after the quiet mark finds it, not the first two.
     */
    @Test
    void theKernelPollRatioSetsHowOftenTheShadowIsAsked() throws Exception {
        try (FlyoverSelectorProvider everyThird = Flyover.provider(Map.of("flyover.loopback.offload", "true",
                     "flyover.udp.kernel.poll.ratio", "3"));
             DatagramChannel receiver = everyThird.openDatagramChannel().bind(new InetSocketAddress(LO, 0));
             DatagramChannel kernelSender = JdkSelectorProvider.get().openDatagramChannel()) {
            receiver.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(8);
            for (int round = 0; round < 5; round++) {
                Object from = null;
                for (int i = 0; i < 3 && from == null; i++) {
                    from = receiver.receive(in); // empty: brings the count to the ratio at most once
                }
                assertNull(from);
                kernelSender.send(ByteBuffer.wrap(new byte[] {(byte) round}), receiver.getLocalAddress());
                int calls = 0;
                while (from == null && calls < 3) {
                    from = receiver.receive(in);
                    calls++;
                }
                assertNotNull(from, "found within the ratio's count of receives");
                assertEquals(round, in.get(0));
                in.clear();
            }
        }
    }

    /** Found in review: a receiver polling on a slow timer finds a kernel datagram within a millisecond, not a ratio of calls. */
    @Test
    void aSlowPollerFindsAKernelDatagramAfterAMillisecondWhateverTheRatio() throws Exception {
        try (FlyoverSelectorProvider rarely = Flyover.provider(Map.of("flyover.loopback.offload", "true",
                     "flyover.udp.kernel.poll.ratio", "1000000"));
             DatagramChannel receiver = rarely.openDatagramChannel().bind(new InetSocketAddress(LO, 0));
             DatagramChannel kernelSender = JdkSelectorProvider.get().openDatagramChannel()) {
            receiver.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(8);
            assertNull(receiver.receive(in)); // quiet from here
            assertNull(receiver.receive(in));
            kernelSender.send(ByteBuffer.wrap(new byte[] {9}), receiver.getLocalAddress());
            Thread.sleep(5); // a poller on a timer
            assertNotNull(receiver.receive(in), "the first receive after a millisecond asks the kernel");
            assertEquals(9, in.get(0));
        }
    }
}
