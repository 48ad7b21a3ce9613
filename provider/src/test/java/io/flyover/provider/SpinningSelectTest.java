package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A complaint of XLIO's users: an epoll that spins cannot be interrupted. Here the spin before a
 * select parks is 10 s long (the most allowed), so the selecting thread is still spinning when another
 * thread calls {@code wakeup}, interrupts it, or closes the selector; each ends the select at once, as
 * it ends a select that sleeps.
 */
@Timeout(30)
class SpinningSelectTest {
    private FlyoverSelectorProvider provider;
    private SocketChannel client;
    private SocketChannel served;

    @BeforeEach
    void open() throws Exception {
        provider = Flyover.provider(Map.of("flyover.loopback.offload", "true", "flyover.spin.nanos", "10000000000"));
        try (ServerSocketChannel l = provider.openServerSocketChannel()) {
            l.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
            client = provider.openSocketChannel();
            client.connect(l.getLocalAddress());
            served = l.accept();
        }
        client.configureBlocking(false);
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        served.close();
        provider.close();
    }

    /** Starts {@code select()} on a thread; returns it once it has been selecting for a while. */
    private Thread selecting(Selector sel, AtomicReference<Object> result) throws InterruptedException {
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                result.set(sel.select());
            } catch (Throwable e) {
                result.set(e);
            }
            result.set(result.get() + (Thread.currentThread().isInterrupted() ? " interrupted" : ""));
        });
        Thread.sleep(200);
        assertTrue(t.isAlive(), "nothing is ready: the select goes on spinning");
        assertTrue(t.getState() == Thread.State.RUNNABLE, "and it spins rather than sleeps: " + t.getState());
        return t;
    }

    @Test
    void wakeupEndsASpinningSelect() throws Exception {
        try (Selector sel = provider.openSelector()) {
            client.register(sel, SelectionKey.OP_READ);
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = selecting(sel, result);
            sel.wakeup();
            t.join(10_000);
            assertEquals("0", String.valueOf(result.get()));
        }
    }

    @Test
    void interruptEndsASpinningSelectAndKeepsTheStatus() throws Exception {
        try (Selector sel = provider.openSelector()) {
            client.register(sel, SelectionKey.OP_READ);
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = selecting(sel, result);
            t.interrupt();
            t.join(10_000);
            assertEquals("0 interrupted", String.valueOf(result.get()));
        }
    }

    @Test
    void closeEndsASpinningSelect() throws Exception {
        Selector sel = provider.openSelector();
        client.register(sel, SelectionKey.OP_READ);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = selecting(sel, result);
        sel.close();
        t.join(10_000);
        assertTrue(!t.isAlive(), "the select ended");
        assertEquals("0", String.valueOf(result.get()));
    }

    @Test
    void dataEndsASpinningSelectWithTheKeySelected() throws Exception {
        try (Selector sel = provider.openSelector()) {
            client.register(sel, SelectionKey.OP_READ);
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = selecting(sel, result);
            served.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
            t.join(10_000);
            assertEquals("1", String.valueOf(result.get()));
        }
    }
}
