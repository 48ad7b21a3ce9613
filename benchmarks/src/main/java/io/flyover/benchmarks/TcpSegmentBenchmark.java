package io.flyover.benchmarks;

import io.flyover.stack.TwoStacks;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * One 64-byte data segment through two whole {@code Stack}s on one thread (the {@link TwoStacks} veth,
 * virtual time): the sender's write and output (TCP, IPv4, Ethernet, the link copy), the receiver's input
 * (parse, demultiplex, sequence checks, the receive ring) and read, and the acknowledgement back.
 * Goal: 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TcpSegmentBenchmark {
    static final int PORT = 7100;
    static final int PAYLOAD = 64;

    TwoStacks stacks;
    TcpConnection sender;
    TcpConnection receiver;
    private final ByteBuffer out = ByteBuffer.allocateDirect(PAYLOAD);
    private final ByteBuffer in = ByteBuffer.allocateDirect(PAYLOAD * 4);

    @Setup
    public void setUp() throws IOException {
        stacks = new TwoStacks();
        TcpSettings settings = new TcpSettings();
        settings.noDelay = true;
        TcpListener listener = stacks.b.tcp().listen(0, 0, PORT, 4, settings);
        sender = stacks.a.tcp().connect(TwoStacks.A4.hi(), TwoStacks.A4.lo(), 0, TwoStacks.B4.hi(), TwoStacks.B4.lo(), PORT,
                settings, stacks.now);
        for (int i = 0; i < 100 && (receiver == null || !sender.isConnected()); i++) {
            stacks.advance(1_000_000, 100_000);
            if (receiver == null) {
                receiver = listener.accept();
            }
        }
        if (receiver == null || !sender.isConnected()) {
            throw new IOException("not connected: " + sender + " / " + receiver);
        }
    }

    @TearDown
    public void tearDown() {
        stacks.close();
    }

    /** Sends one segment and reads it on the other side; returns the bytes read (64). */
    @Benchmark
    public int segment() {
        out.clear();
        sender.write(out);
        stacks.a.flush();
        stacks.now += 1_000;
        stacks.run(2);
        in.clear();
        return receiver.read(in);
    }
}
