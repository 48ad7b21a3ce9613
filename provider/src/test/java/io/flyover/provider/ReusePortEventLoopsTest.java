package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What XLIO's users report breaking: several event-loop threads, each with its own selector and its own
 * SO_REUSEPORT listener on one port (Netty's and Vert.x's layout), accepting and echoing at once while
 * clients connect from other threads. Every connection is accepted exactly once, by one loop, and
 * every echo comes back whole.
 */
@Timeout(60)
class ReusePortEventLoopsTest {
    private static final int LOOPS = 3;
    private static final int CLIENT_THREADS = 2;
    private static final int CONNECTIONS_PER_CLIENT = 40;
    private static final int TOTAL = CLIENT_THREADS * CONNECTIONS_PER_CLIENT;

    @Test
    void eventLoopsSharingAPortAcceptEveryConnectionOnceAndEcho() throws Exception {
        try (FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"))) {
            List<ServerSocketChannel> listeners = new ArrayList<>();
            InetSocketAddress at = null;
            for (int i = 0; i < LOOPS; i++) {
                ServerSocketChannel l = provider.openServerSocketChannel();
                l.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                l.bind(at != null ? at : new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
                at = (InetSocketAddress) l.getLocalAddress();
                l.configureBlocking(false);
                listeners.add(l);
            }
            AtomicInteger accepted = new AtomicInteger();
            int[] acceptedBy = new int[LOOPS];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch clientsDone = new CountDownLatch(CLIENT_THREADS);
            List<Thread> loops = new ArrayList<>();
            for (int i = 0; i < LOOPS; i++) {
                int index = i;
                loops.add(Thread.ofPlatform().name("loop-" + i).start(() -> {
                    try {
                        acceptedBy[index] = eventLoop(provider, listeners.get(index), clientsDone, accepted);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            InetSocketAddress server = at;
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < CLIENT_THREADS; t++) {
                int id = t;
                clients.add(Thread.ofPlatform().name("client-" + t).start(() -> {
                    try {
                        for (int k = 0; k < CONNECTIONS_PER_CLIENT; k++) {
                            exchange(provider, server, (byte) (id * 100 + k));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        clientsDone.countDown();
                    }
                }));
            }
            for (Thread c : clients) {
                c.join();
            }
            for (Thread l : loops) {
                l.join(30_000);
            }
            if (failure.get() != null) {
                throw new AssertionError("a loop or client failed", failure.get());
            }
            assertEquals(TOTAL, accepted.get(), "each connection accepted once");
            int sum = 0;
            for (int i = 0; i < LOOPS; i++) {
                sum += acceptedBy[i];
                assertTrue(acceptedBy[i] > 0, "the kernel's rule spreads connections over every listener: "
                        + java.util.Arrays.toString(acceptedBy));
            }
            assertEquals(TOTAL, sum);
            for (ServerSocketChannel l : listeners) {
                l.close();
            }
        }
    }

    /** One client connection: a byte out, the same byte back, then close. */
    private static void exchange(FlyoverSelectorProvider provider, InetSocketAddress server, byte b) throws IOException {
        try (SocketChannel c = provider.openSocketChannel()) {
            c.connect(server);
            c.write(ByteBuffer.wrap(new byte[] {b}));
            ByteBuffer in = ByteBuffer.allocate(1);
            while (in.hasRemaining()) {
                if (c.read(in) < 0) {
                    throw new IOException("closed before the echo");
                }
            }
            if (in.get(0) != b) {
                throw new AssertionError("echo " + in.get(0) + " for " + b);
            }
        }
    }

    /** A selector loop: accepts, echoes what it reads, until the clients are done and its connections closed. */
    private static int eventLoop(FlyoverSelectorProvider provider, ServerSocketChannel listener,
                                 CountDownLatch clientsDone, AtomicInteger accepted) throws IOException {
        int mine = 0;
        try (Selector selector = provider.openSelector()) {
            listener.register(selector, SelectionKey.OP_ACCEPT);
            ByteBuffer buf = ByteBuffer.allocate(64);
            while (clientsDone.getCount() > 0 || selector.keys().size() > 1) {
                selector.select(10);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isAcceptable()) {
                        SocketChannel c;
                        while ((c = listener.accept()) != null) {
                            c.configureBlocking(false);
                            c.register(selector, SelectionKey.OP_READ);
                            accepted.incrementAndGet();
                            mine++;
                        }
                    } else if (k.isReadable()) {
                        SocketChannel c = (SocketChannel) k.channel();
                        buf.clear();
                        int n = c.read(buf);
                        if (n < 0) {
                            k.cancel();
                            c.close();
                        } else if (n > 0) {
                            buf.flip();
                            while (buf.hasRemaining()) {
                                c.write(buf);
                            }
                        }
                    }
                }
            }
        }
        return mine;
    }
}
