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
 * 64-byte TCP request/response round trip, one thread per end: the benchmark thread writes the request
 * and busy-polls its end until the 64-byte echo is back; a dedicated server thread busy-polls the other
 * end and echoes. {@code path=flyover} runs two Flyover stacks over an in-process veth (each stack on
 * its own thread, real {@code System.nanoTime()} as now); {@code path=kernel} runs the JDK default
 * provider's non-blocking {@code SocketChannel}s over the kernel loopback. Both use TCP_NODELAY.
 * SampleTime gives the percentiles (p50, p99, p99.9), AverageTime the mean; {@code -prof gc} the
 * allocation per round trip. {@code -p ipVersion=6} runs over fd00:: / ::1 instead.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class TcpPingPongBenchmark extends TcpPairBenchmark {
    static final int PAYLOAD = 64;

    ByteBuffer request;
    ByteBuffer response;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        pair = TcpPair.open(path, ipVersion, threads, TcpPair.ServerRole.ECHO, true);
        request = patterned(PAYLOAD);
        response = ByteBuffer.allocateDirect(PAYLOAD);
    }

    /** One round trip; returns the echo's last byte. */
    @Benchmark
    public byte roundTrip() throws IOException {
        request.clear();
        response.clear();
        pair.exchange(request, response);
        return response.get(PAYLOAD - 1);
    }
}
