package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The selector over Flyover and kernel channels: the semantics of {@code sun.nio.ch.SelectorImpl}. */
@Timeout(30)
class FlyoverSelectorTest {
    private final TwoHosts hosts = new TwoHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    /**
     * The selected-key set keeps keys in an array slot each: the usual "next, remove, handle" loop must
     * still see every key exactly once, and contains/remove/clear must agree with the keys' state.
     */
    @Test
    void theSelectedKeySetIteratesRemovesAndClearsLikeASet() throws Exception {
        List<Pipe> pipes = new ArrayList<>();
        try (Selector selector = hosts.a.openSelector()) {
            Map<SelectionKey, Integer> ids = new HashMap<>();
            for (int i = 0; i < 7; i++) {
                Pipe pipe = hosts.a.openPipe();
                pipes.add(pipe);
                pipe.source().configureBlocking(false);
                ids.put(pipe.source().register(selector, SelectionKey.OP_READ), i);
                pipe.sink().write(ByteBuffer.wrap(new byte[] {(byte) i}));
            }
            assertEquals(7, selector.selectNow());
            Set<SelectionKey> selected = selector.selectedKeys();
            assertEquals(7, selected.size());
            assertTrue(selected.containsAll(ids.keySet()));
            assertThrows(UnsupportedOperationException.class, () -> selected.add(ids.keySet().iterator().next()));
            List<Integer> seen = new ArrayList<>();
            var it = selected.iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                seen.add(ids.get(k));
                if (ids.get(k) % 2 == 0) {
                    it.remove(); // the last key moves into this slot and is still visited
                    assertFalse(selected.contains(k));
                    assertThrows(IllegalStateException.class, it::remove);
                }
            }
            seen.sort(null);
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), seen, "every key once");
            assertEquals(3, selected.size(), "the odd ones stay");
            for (SelectionKey k : ids.keySet()) {
                assertEquals(ids.get(k) % 2 == 1, selected.contains(k));
            }
            SelectionKey odd = selected.iterator().next();
            assertTrue(selected.remove(odd));
            assertFalse(selected.remove(odd));
            assertEquals(2, selected.size());
            assertEquals(5, selector.selectNow(), "the removed keys, still ready, come back; the two still selected do not count again");
            assertEquals(7, selected.size());
            selected.clear();
            assertTrue(selected.isEmpty());
            assertEquals(7, selector.selectNow());
        } finally {
            for (Pipe p : pipes) {
                p.source().close();
                p.sink().close();
            }
        }
    }

    /** A connected Flyover pair: [client on A, accepted on B]. */
    private SocketChannel[] pair() throws Exception {
        try (ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0))) {
            SocketChannel client = hosts.a.openSocketChannel();
            client.connect(server.getLocalAddress());
            return new SocketChannel[] {client, server.accept()};
        }
    }

    @Test
    void aPipeAndAFlyoverChannelAreSelectedTogether() throws Exception {
        SocketChannel[] p = pair();
        Pipe pipe = hosts.a.openPipe();
        try (Selector sel = hosts.a.openSelector()) {
            p[0].configureBlocking(false);
            pipe.source().configureBlocking(false);
            SelectionKey flyKey = p[0].register(sel, SelectionKey.OP_READ, "flyover");
            SelectionKey pipeKey = pipe.source().register(sel, SelectionKey.OP_READ, "pipe");
            assertEquals(0, sel.selectNow());

            pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, sel.select(5_000));
            assertEquals(Set.of(pipeKey), sel.selectedKeys());
            sel.selectedKeys().clear();

            p[1].write(ByteBuffer.wrap(new byte[] {2}));
            // the pipe is still readable (level-triggered); wait until the Flyover data arrives too
            Set<Object> seen = new java.util.HashSet<>();
            while (!seen.contains("flyover")) {
                sel.select(5_000);
                for (SelectionKey k : sel.selectedKeys()) {
                    seen.add(k.attachment());
                    assertEquals(SelectionKey.OP_READ, k.readyOps());
                }
                sel.selectedKeys().clear();
            }
            assertTrue(seen.contains("pipe"));
            assertSame(flyKey, p[0].keyFor(sel));
            assertSame(sel, flyKey.selector());
        } finally {
            pipe.source().close();
            pipe.sink().close();
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void blockingSelectOnAPipeIsWokenByFlyoverReadiness() throws Exception {
        SocketChannel[] p = pair();
        Pipe pipe = hosts.a.openPipe();
        try (Selector sel = hosts.a.openSelector()) {
            p[0].configureBlocking(false);
            pipe.source().configureBlocking(false);
            p[0].register(sel, SelectionKey.OP_READ, "flyover");
            pipe.source().register(sel, SelectionKey.OP_READ, "pipe");
            AtomicReference<Object> selected = new AtomicReference<>();
            Thread selector = Thread.ofPlatform().daemon().start(() -> {
                try {
                    int n = 0;
                    while (n == 0) {
                        n = sel.select();
                    }
                    selected.set(sel.selectedKeys().iterator().next().attachment());
                } catch (Throwable e) {
                    selected.set(e);
                }
            });
            waitUntilBlocked(selector);
            p[1].write(ByteBuffer.wrap(new byte[] {3}));
            selector.join(10_000);
            assertEquals("flyover", selected.get());
        } finally {
            pipe.source().close();
            pipe.sink().close();
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void blockingSelectOverFlyoverOnlyIsWokenByData() throws Exception {
        SocketChannel[] p = pair();
        try (Selector sel = hosts.a.openSelector()) {
            p[0].configureBlocking(false);
            SelectionKey key = p[0].register(sel, SelectionKey.OP_READ);
            AtomicReference<Object> result = new AtomicReference<>();
            Thread selector = Thread.ofPlatform().daemon().start(() -> {
                try {
                    result.set(sel.select());
                } catch (Throwable e) {
                    result.set(e);
                }
            });
            waitUntilBlocked(selector);
            p[1].write(ByteBuffer.wrap(new byte[] {4}));
            selector.join(10_000);
            assertEquals(1, result.get());
            assertTrue(sel.selectedKeys().contains(key));
            assertTrue(key.isReadable());
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void wakeupBeforeSelectMakesTheNextSelectReturnAtOnce() throws Exception {
        try (Selector sel = hosts.a.openSelector()) {
            sel.wakeup();
            assertEquals(0, sel.select());
            sel.wakeup();
            sel.selectNow(); // clears the wakeup
            assertEquals(0, sel.select(20));
        }
    }

    @Test
    void wakeupFromAnotherThreadEndsABlockedSelect() throws Exception {
        SocketChannel[] p = pair();
        try (Selector sel = hosts.a.openSelector()) {
            p[0].configureBlocking(false);
            p[0].register(sel, SelectionKey.OP_READ);
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    result.set(sel.select());
                } catch (Throwable e) {
                    result.set(e);
                }
            });
            waitUntilBlocked(t);
            sel.wakeup();
            t.join(10_000);
            assertEquals(0, result.get());
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void closeWhileAnotherThreadSelects() throws Exception {
        Pipe pipe = hosts.a.openPipe();
        Selector sel = hosts.a.openSelector();
        pipe.source().configureBlocking(false);
        SelectionKey key = pipe.source().register(sel, SelectionKey.OP_READ);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                result.set(sel.select());
            } catch (Throwable e) {
                result.set(e);
            }
        });
        waitUntilBlocked(t);
        sel.close();
        t.join(10_000);
        assertEquals(0, result.get());
        assertFalse(sel.isOpen());
        assertFalse(key.isValid());
        assertNull(pipe.source().keyFor(sel));
        assertThrows(ClosedSelectorException.class, sel::selectNow);
        assertThrows(ClosedSelectorException.class, sel::keys);
        assertThrows(CancelledKeyException.class, key::readyOps);
        pipe.source().close();
        pipe.sink().close();
    }

    @Test
    void interruptEndsASelectAndKeepsTheInterruptStatus() throws Exception {
        try (Selector sel = hosts.a.openSelector()) {
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    result.set(sel.select());
                } catch (Throwable e) {
                    result.set(e);
                }
                result.set(result.get() + " " + Thread.currentThread().isInterrupted());
            });
            waitUntilBlocked(t);
            t.interrupt();
            t.join(10_000);
            assertEquals("0 true", result.get());
            assertTrue(sel.isOpen(), "an interrupt does not close a selector");
        }
    }

    @Test
    void interruptWhileWaitingInTheInnerSelectorEndsTheSelect() throws Exception {
        // With a kernel channel registered the select waits in the inner JDK selector, whose own interrupt
        // hook replaces this selector's: the interrupt must still end the select, once.
        Pipe pipe = hosts.a.openPipe();
        try (Selector sel = hosts.a.openSelector()) {
            pipe.source().configureBlocking(false);
            pipe.source().register(sel, SelectionKey.OP_READ);
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    result.set(sel.select() + " " + Thread.currentThread().isInterrupted());
                } catch (Throwable e) {
                    result.set(e);
                }
            });
            waitUntilBlocked(t);
            t.interrupt();
            t.join(10_000);
            assertFalse(t.isAlive(), "select returned");
            assertEquals("0 true", result.get());
        } finally {
            pipe.source().close();
            pipe.sink().close();
        }
    }

    @Test
    void cancelledKeysAreDeregisteredAtTheNextSelect() throws Exception {
        SocketChannel[] p = pair();
        try (Selector sel = hosts.a.openSelector()) {
            p[0].configureBlocking(false);
            SelectionKey key = p[0].register(sel, SelectionKey.OP_WRITE);
            key.cancel();
            assertFalse(key.isValid());
            assertSame(key, p[0].keyFor(sel), "still registered until the next selection");
            assertThrows(CancelledKeyException.class, () -> key.interestOps(SelectionKey.OP_READ));
            assertEquals(0, sel.selectNow());
            assertNull(p[0].keyFor(sel));
            assertTrue(sel.keys().isEmpty());
            p[0].configureBlocking(true); // no valid key left
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void writeReadinessIsLevelTriggeredAndUpdatesOfSelectedKeysAreCounted() throws Exception {
        SocketChannel[] p = pair();
        try (Selector sel = hosts.a.openSelector()) {
            p[0].configureBlocking(false);
            SelectionKey key = p[0].register(sel, SelectionKey.OP_WRITE);
            assertEquals(1, sel.select(5_000));
            assertEquals(SelectionKey.OP_WRITE, key.readyOps());
            assertEquals(0, sel.selectNow(), "already selected with the same ops: not counted again");
            sel.selectedKeys().clear();
            assertEquals(1, sel.selectNow(), "still writable: selected again");
            assertThrows(UnsupportedOperationException.class, () -> sel.selectedKeys().add(key));
            assertThrows(UnsupportedOperationException.class, () -> sel.keys().remove(key));
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void selectWithActionSeesEachReadyKey() throws Exception {
        SocketChannel[] p = pair();
        Pipe pipe = hosts.a.openPipe();
        try (Selector sel = hosts.a.openSelector()) {
            p[0].configureBlocking(false);
            pipe.sink().configureBlocking(false);
            p[0].register(sel, SelectionKey.OP_WRITE, "flyover");
            pipe.sink().register(sel, SelectionKey.OP_WRITE, "pipe");
            List<Object> seen = new ArrayList<>();
            int n = 0;
            long end = System.nanoTime() + 5_000_000_000L;
            while (seen.size() < 2 && System.nanoTime() < end) {
                seen.clear();
                n = sel.select(k -> seen.add(k.attachment()), 1_000);
            }
            assertEquals(2, n);
            assertEquals(Set.of("flyover", "pipe"), Set.copyOf(seen));
            assertTrue(sel.selectedKeys().isEmpty(), "the action form does not touch the selected-key set");
            assertThrows(IllegalStateException.class, () -> sel.selectNow(k -> {
                try {
                    sel.selectNow();
                } catch (java.io.IOException e) {
                    throw new RuntimeException(e);
                }
            }));
        } finally {
            pipe.source().close();
            pipe.sink().close();
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void aChannelOfAnotherProviderIsRefused() throws Exception {
        class Foreign extends java.nio.channels.spi.AbstractSelectableChannel {
            Foreign() {
                super(null);
            }

            @Override protected void implCloseSelectableChannel() { }
            @Override protected void implConfigureBlocking(boolean block) { }
            @Override public int validOps() { return SelectionKey.OP_READ; }
        }
        try (Selector sel = hosts.a.openSelector(); Foreign ch = new Foreign()) {
            ch.configureBlocking(false);
            assertThrows(java.nio.channels.IllegalSelectorException.class, () -> ch.register(sel, SelectionKey.OP_READ));
            assertTrue(sel.keys().isEmpty());
            assertFalse(ch.isRegistered());
        }
    }

    @Test
    void registeringABlockingChannelIsRefused() throws Exception {
        try (Selector sel = hosts.a.openSelector(); SocketChannel ch = hosts.a.openSocketChannel()) {
            assertThrows(IllegalBlockingModeException.class, () -> ch.register(sel, SelectionKey.OP_READ));
            ch.configureBlocking(false);
            assertThrows(IllegalArgumentException.class, () -> ch.register(sel, SelectionKey.OP_ACCEPT));
        }
    }

    @Test
    void unconnectedSocketReportsItsInterestAsTheJdkDoes() throws Exception {
        // Linux reports a hang-up for a TCP socket never connected; the JDK turns it into the interest set.
        Selector jdkSel = JdkSelectorProvider.get().openSelector();
        SocketChannel jdkCh = JdkSelectorProvider.get().openSocketChannel();
        try (Selector sel = hosts.a.openSelector(); SocketChannel ch = hosts.a.openSocketChannel()) {
            jdkCh.configureBlocking(false);
            ch.configureBlocking(false);
            SelectionKey jk = jdkCh.register(jdkSel, SelectionKey.OP_READ);
            SelectionKey fk = ch.register(sel, SelectionKey.OP_READ);
            assertEquals(jdkSel.selectNow(), sel.selectNow());
            assertEquals(jk.readyOps(), fk.readyOps());
        } finally {
            jdkCh.close();
            jdkSel.close();
        }
    }

    @Test
    void registeredBeforeConnectThenConnectedNonBlocking() throws Exception {
        // Netty's order: register with no interest, connect, then ask for OP_CONNECT.
        try (ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             Selector sel = hosts.a.openSelector();
             SocketChannel ch = hosts.a.openSocketChannel()) {
            ch.configureBlocking(false);
            SelectionKey key = ch.register(sel, 0);
            if (!ch.connect(server.getLocalAddress())) {
                key.interestOps(SelectionKey.OP_CONNECT);
                while (!key.isConnectable()) {
                    sel.select(5_000);
                }
                assertTrue(ch.finishConnect());
            }
            key.interestOps(SelectionKey.OP_READ);
            sel.selectedKeys().clear();
            try (SocketChannel accepted = server.accept()) {
                accepted.write(ByteBuffer.wrap(new byte[] {8}));
                while (!key.isReadable()) {
                    sel.select(5_000);
                }
                ByteBuffer one = ByteBuffer.allocate(1);
                assertEquals(1, ch.read(one));
            }
        }
    }

    @Test
    void registeredBeforeConnectThenConnectedToTheKernel() throws Exception {
        try (ServerSocketChannel kernelServer = JdkSelectorProvider.get().openServerSocketChannel()
                .bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
             Selector sel = hosts.a.openSelector();
             SocketChannel ch = hosts.a.openSocketChannel()) {
            ch.configureBlocking(false);
            SelectionKey key = ch.register(sel, 0);
            if (!ch.connect(kernelServer.getLocalAddress())) {
                key.interestOps(SelectionKey.OP_CONNECT);
                while (!key.isConnectable()) {
                    sel.select(5_000);
                }
                assertTrue(ch.finishConnect());
            }
            assertTrue(((io.flyover.provider.channel.FlyoverSocketChannel) ch).isKernel());
            key.interestOps(SelectionKey.OP_READ);
            try (SocketChannel accepted = kernelServer.accept()) {
                accepted.write(ByteBuffer.wrap(new byte[] {9}));
                while (!key.isReadable()) {
                    sel.select(5_000);
                }
                assertEquals(1, ch.read(ByteBuffer.allocate(1)));
            }
        }
    }

    @Test
    void nonBlockingEchoServerOverFlyover() throws Exception {
        int clients = 5;
        try (ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0));
             Selector sel = hosts.b.openSelector()) {
            server.configureBlocking(false);
            server.register(sel, SelectionKey.OP_ACCEPT);
            List<SocketChannel> cs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                SocketChannel c = hosts.a.openSocketChannel();
                c.connect(server.getLocalAddress());
                c.write(ByteBuffer.wrap(("client" + i).getBytes()));
                cs.add(c);
            }
            Map<SocketChannel, Integer> echoed = new HashMap<>();
            long end = System.nanoTime() + 10_000_000_000L;
            while (echoed.values().stream().mapToInt(Integer::intValue).sum() < clients * 7 && System.nanoTime() < end) {
                sel.select(1_000);
                for (SelectionKey k : sel.selectedKeys()) {
                    if (k.isAcceptable()) {
                        SocketChannel a = server.accept();
                        if (a != null) {
                            a.configureBlocking(false);
                            a.register(sel, SelectionKey.OP_READ);
                        }
                    } else if (k.isReadable()) {
                        SocketChannel a = (SocketChannel) k.channel();
                        ByteBuffer b = ByteBuffer.allocate(64);
                        int n = a.read(b);
                        if (n > 0) {
                            b.flip();
                            a.write(b);
                            echoed.merge(a, n, Integer::sum);
                        }
                    }
                }
                sel.selectedKeys().clear();
            }
            for (int i = 0; i < clients; i++) {
                ByteBuffer b = ByteBuffer.allocate(7);
                while (b.hasRemaining()) {
                    cs.get(i).read(b);
                }
                assertEquals("client" + i, new String(b.array()));
                cs.get(i).close();
            }
            for (SocketChannel a : echoed.keySet()) {
                a.close();
            }
        }
    }

    /** Waits until {@code t} is parked or blocked in a native selector wait. */
    static void waitUntilBlocked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (;;) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                return;
            }
            if (s == Thread.State.RUNNABLE && inNativeWait(t)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("thread never blocked: " + s);
            }
            Thread.sleep(1);
        }
    }

    private static boolean inNativeWait(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.isNativeMethod() && e.getClassName().contains("EPoll")) {
                return true;
            }
        }
        return false;
    }
}
