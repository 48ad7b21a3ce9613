package io.flyover.benchmarks;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under every two-thread round trip on this machine: one volatile value handed to a spinning
 * thread and back, nothing else. A ping-pong between two busy-polling threads ({@link NioPingPongBenchmark},
 * {@link TcpPingPongBenchmark} with two threads) moves its state between two cores each way, so its
 * latency scales with this figure: on a virtual machine whose vCPUs the host places on distant cores it can
 * be four times what it is on neighbouring ones, and a shared-state stack (Flyover's lock-owned stack moves
 * a dozen cache lines per direction) pays that factor more than the kernel's syscall-bound path. Read
 * the comparison's ratios beside this figure from the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ThreadHandoffBenchmark {
    volatile long ping;
    volatile long pong;
    volatile boolean running;
    Thread echo;

    @Setup(Level.Trial)
    public void setUp() {
        running = true;
        echo = Thread.ofPlatform().daemon().name("handoff-echo").start(() -> {
            long seen = 0;
            while (running) {
                long v = ping;
                if (v != seen) {
                    seen = v;
                    pong = v;
                } else {
                    Thread.onSpinWait();
                }
            }
        });
    }

    /** One value to the other thread and back. */
    @Benchmark
    public long roundTrip() {
        long v = ping + 1;
        ping = v;
        while (pong != v) {
            Thread.onSpinWait();
        }
        return v;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        running = false;
        echo.join(5_000);
    }
}
