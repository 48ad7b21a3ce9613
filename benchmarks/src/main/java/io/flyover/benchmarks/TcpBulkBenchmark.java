package io.flyover.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One-way TCP bulk transfer, client to server, one thread per end: each operation writes one
 * {@value #CHUNK}-byte chunk from the benchmark thread (busy-polling its end while the send buffer is
 * full); a dedicated server thread busy-polls the other end and discards what it reads into a buffer
 * of the same size. {@code path=flyover}: two Flyover stacks over an in-process veth (MTU 1500);
 * {@code path=kernel}: the JDK default provider's non-blocking {@code SocketChannel}s over the kernel
 * loopback (MTU 65536). Each path keeps its default socket buffers.
 *
 * <p>The score is chunks per second: Gbit/s = ops/s &times; {@value #CHUNK} &times; 8 / 10<sup>9</sup>
 * ({@link TcpComparison} prints it so).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class TcpBulkBenchmark extends TcpPairBenchmark {
    static final int CHUNK = 64 * 1024;

    ByteBuffer chunk;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        pair = TcpPair.open(path, ipVersion, threads, TcpPair.ServerRole.DISCARD, false);
        chunk = patterned(CHUNK);
    }

    /** Sends one chunk. */
    @Benchmark
    public void send() throws IOException {
        chunk.clear();
        pair.send(chunk);
    }

    /** Converts this benchmark's score (chunks per second) to Gbit/s. */
    static double gigabitsPerSecond(double chunksPerSecond) {
        return chunksPerSecond * CHUNK * 8 / 1e9;
    }
}
