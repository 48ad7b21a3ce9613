package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Steady-state TCP between two full stacks over the veth allocates nothing (ARCHITECTURE.md): the whole
 * path, socket ring to Ethernet frame and back, through IP, neighbour lookup, checksums, the device and
 * the timers. After a warm-up, the thread's allocation counter is read every {@link #WINDOW} rounds; a
 * bulk transfer and a 64-byte ping-pong must each leave it unmoved. (JMH with {@code -prof gc} gives the
 * authoritative figure; this is the regression guard.)
 */
class StackAllocationTest {
    static final int WARM_UP = 15_000;
    static final int WINDOW = 4_000;
    static final int WINDOWS = 6;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A connected pair: client on A, server on B. */
    private static TcpConnection[] connect(TwoStacks n, boolean v6) {
        IpAddress a = v6 ? TwoStacks.A6 : TwoStacks.A4;
        IpAddress b = v6 ? TwoStacks.B6 : TwoStacks.B4;
        TcpListener listener = n.b.tcp().listen(0, 0, 7000, 8, null);
        TcpConnection client = n.a.tcp().connect(a.hi(), a.lo(), 0, b.hi(), b.lo(), 7000, null, n.now);
        n.advance(10_000_000L, 1_000_000L);
        TcpConnection server = listener.accept();
        assertNotNull(server);
        assertTrue(client.isConnected());
        return new TcpConnection[] {client, server};
    }

    /**
     * Runs {@code round} WARM_UP + WINDOWS * WINDOW times and returns the bytes allocated in each window
     * after the warm-up.
     */
    private long[] measure(Runnable round) {
        long[] windows = new long[WINDOWS];
        for (int i = 0; i < WARM_UP; i++) {
            round.run();
        }
        long start = threads.getCurrentThreadAllocatedBytes();
        for (int w = 0; w < WINDOWS; w++) {
            for (int i = 0; i < WINDOW; i++) {
                round.run();
            }
            long now = threads.getCurrentThreadAllocatedBytes();
            windows[w] = now - start;
            start = now;
        }
        return windows;
    }

    /**
     * Every window stays under 1 KiB and at least half are exactly zero. The runtime itself now and then
     * puts a few hundred bytes on the thread's counter (once or twice in 200,000 rounds, at no particular
     * point of the protocol, near JIT deoptimisations of the JDK's segment copy, never with TLABs off),
     * but one small object per round would show as tens of KiB in every window.
     */
    private static void assertNothingAllocated(long[] windows) {
        int zero = 0;
        for (long w : windows) {
            assertTrue(w < 1024, Arrays.toString(windows));
            zero += w == 0 ? 1 : 0;
        }
        assertTrue(zero >= WINDOWS / 2, Arrays.toString(windows));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void bulkTransferAllocatesNothing(boolean v6) {
        try (TwoStacks n = new TwoStacks()) {
            TcpConnection[] pair = connect(n, v6);
            TcpConnection client = pair[0];
            TcpConnection server = pair[1];
            ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
            ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
            long[] moved = new long[1];
            long[] windows = measure(() -> {
                chunk.clear();
                client.write(chunk);
                n.now += 10_000; // 10 µs of virtual time per round
                n.a.poll(n.now);
                n.b.poll(n.now);
                int got;
                do {
                    sink.clear();
                    got = server.read(sink);
                    moved[0] += Math.max(got, 0);
                } while (got > 0);
            });
            System.out.println("stack bulk " + (v6 ? "IPv6" : "IPv4") + ": " + moved[0]
                    + " bytes moved; bytes allocated per " + WINDOW + "-round window: " + Arrays.toString(windows));
            assertTrue(moved[0] > 100_000_000L, "moved " + moved[0]);
            assertNothingAllocated(windows);
            client.abort(n.now);
            server.abort(n.now);
            n.run(2);
        }
    }

    /**
     * Polls both stacks, 500 µs of virtual time apart, until {@code reader} has 64 bytes (the first poll
     * after the write, unless a neighbour entry is being confirmed again); returns what it read.
     */
    private static int exchange(TwoStacks n, TcpConnection reader, byte[] into) {
        int got = 0;
        for (int i = 0; i < 8 && got == 0; i++) {
            n.now += 500_000;
            n.a.poll(n.now);
            n.b.poll(n.now);
            got = reader.read(into, 0, 64);
        }
        return got;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void pingPongAllocatesNothing(boolean v6) {
        try (TwoStacks n = new TwoStacks()) {
            TcpConnection[] pair = connect(n, v6);
            TcpConnection client = pair[0];
            TcpConnection server = pair[1];
            client.setNoDelay(true);
            server.setNoDelay(true);
            byte[] ping = new byte[64];
            byte[] pong = new byte[64];
            int[] rounds = new int[1];
            // About 1 ms of virtual time per round: in the 24 s measured neighbour entries expire (30 s after
            // the handshake) and are confirmed again, delayed ACKs fire, the RTT estimate settles.
            long[] windows = measure(() -> {
                ping[0] = (byte) rounds[0];
                assertEquals(64, client.write(ping, 0, 64));
                assertEquals(64, exchange(n, server, pong));
                assertEquals(64, server.write(pong, 0, 64));
                assertEquals(64, exchange(n, client, pong));
                assertEquals(ping[0], pong[0]);
                rounds[0]++;
            });
            System.out.println("stack ping-pong " + (v6 ? "IPv6" : "IPv4") + ": " + rounds[0] + " rounds; bytes"
                    + " allocated per " + WINDOW + "-round window: " + Arrays.toString(windows));
            assertNothingAllocated(windows);
            client.abort(n.now);
            server.abort(n.now);
            n.run(2);
        }
    }
}
