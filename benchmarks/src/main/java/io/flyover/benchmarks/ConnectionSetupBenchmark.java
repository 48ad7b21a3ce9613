package io.flyover.benchmarks;

import io.flyover.stack.TwoStacks;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpSettings;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Connection setup rate over two stacks on a veth ({@link TwoStacks}, one thread, virtual time): connect,
 * the three-way handshake, accept, then both sides close (FIN exchange) and the client's TIME-WAIT
 * (shortened to {@value #TIME_WAIT_NANOS} ns of virtual time) expires, so every operation leaves the
 * connection table as it found it. Connection objects are allocated per connection: B/op is reported,
 * not a zero goal.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConnectionSetupBenchmark {
    static final int PORT = 7200;
    static final long TIME_WAIT_NANOS = 10_000;
    private static final long STEP = 1_000;

    TwoStacks stacks;
    TcpListener listener;
    private final TcpSettings settings = new TcpSettings();

    @Setup
    public void setUp() {
        stacks = new TwoStacks();
        settings.timeWaitNanos = TIME_WAIT_NANOS;
        listener = stacks.b.tcp().listen(0, 0, PORT, 16, settings);
        stacks.run(2);
    }

    @TearDown
    public void tearDown() {
        stacks.close();
    }

    /** One connection's whole life; returns its client port. */
    @Benchmark
    public int connectAcceptClose() {
        TcpConnection client = stacks.a.tcp().connect(TwoStacks.A4.hi(), TwoStacks.A4.lo(), 0,
                TwoStacks.B4.hi(), TwoStacks.B4.lo(), PORT, settings, stacks.now);
        TcpConnection server = null;
        for (int i = 0; i < 64 && (server == null || !client.isConnected()); i++) {
            stacks.now += STEP;
            stacks.run(1);
            if (server == null) {
                server = listener.accept();
            }
        }
        if (server == null) {
            throw new IllegalStateException("not accepted: " + client);
        }
        client.close(stacks.now);
        server.close(stacks.now);
        stacks.advance(TIME_WAIT_NANOS * 3, STEP * 5);
        return client.localPort();
    }

    /** Connections in the client and server tables (0 between operations). */
    int connections() {
        return stacks.a.tcp().connectionCount() + stacks.b.tcp().connectionCount();
    }
}
