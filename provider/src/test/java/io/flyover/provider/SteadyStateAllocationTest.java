package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The provider's steady-state data path allocates nothing: writes, reads and selections on Flyover
 * channels (loopback stack, one thread driving both ends), measured with the thread's allocation counter.
 * Selection uses {@code select(Consumer)}: adding to the selected-key set allocates a set entry, in the
 * JDK's selectors as in ours. {@code -Dalloc.mode=noselect|write|read} narrows a failure down.
 */
@Timeout(60)
class SteadyStateAllocationTest {
    private static final int WARMUP = Integer.getInteger("alloc.warmup", 5_000);
    private static final int ROUNDS = Integer.getInteger("alloc.rounds", 5_000);

    /**
     * The budget: less than one (16-byte) object every two rounds, so that any per-round allocation fails
     * while one-off work in the measured window (a class loaded late, an array grown once) does not.
     */
    private static final long ONE_OBJECT_PER_TWO_ROUNDS = 8L * ROUNDS;

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void tcpWriteReadAndSelectAllocateNothing() throws Exception {
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true"));
             ServerSocketChannel server = p.openServerSocketChannel().bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
             SocketChannel client = p.openSocketChannel();
             Selector selector = p.openSelector()) {
            client.connect(server.getLocalAddress());
            client.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            try (SocketChannel peer = server.accept()) {
                peer.configureBlocking(false);
                SelectionKey key = peer.register(selector, SelectionKey.OP_READ);
                ByteBuffer out = ByteBuffer.allocateDirect(64);
                ByteBuffer in = ByteBuffer.allocateDirect(64);
                java.util.function.Consumer<SelectionKey> onReady = k -> { };
                String mode = System.getProperty("alloc.mode", "all");
                Runnable round = () -> {
                    try {
                        out.clear();
                        if (!mode.equals("read")) {
                            client.write(out);
                        }
                        in.clear();
                        if (mode.equals("write")) {
                            return;
                        }
                        while (in.hasRemaining()) {
                            if (mode.equals("all")) {
                                selector.select(onReady, 1_000);
                                if (selector.selectNow() > 0) { // the selected-key set: no node per add
                                    selector.selectedKeys().clear();
                                }
                            }
                            peer.read(in);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                };
                for (int i = 0; i < WARMUP; i++) {
                    round.run();
                }
                long before = allocated();
                for (int i = 0; i < ROUNDS; i++) {
                    round.run();
                }
                long total = allocated() - before;
                assertTrue(key.isValid());
                assertTrue(total < ONE_OBJECT_PER_TWO_ROUNDS, total + " bytes allocated in " + ROUNDS + " write+select+read rounds");
            }
        }
    }

    @Test
    void datagramSendAndReceiveAllocateNothing() throws Exception {
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true"));
             DatagramChannel receiver = p.openDatagramChannel().bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
             DatagramChannel sender = p.openDatagramChannel()) {
            receiver.configureBlocking(false);
            InetSocketAddress target = (InetSocketAddress) receiver.getLocalAddress();
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            ByteBuffer in = ByteBuffer.allocateDirect(64);
            Runnable round = () -> {
                try {
                    out.clear();
                    sender.send(out, target);
                    in.clear();
                    while (receiver.receive(in) == null) {
                        Thread.onSpinWait();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            };
            for (int i = 0; i < WARMUP; i++) {
                round.run();
            }
            long before = allocated();
            for (int i = 0; i < ROUNDS; i++) {
                round.run();
            }
            long total = allocated() - before;
            assertTrue(total < ONE_OBJECT_PER_TWO_ROUNDS, total + " bytes allocated in " + ROUNDS + " send+receive rounds");
        }
    }
}
