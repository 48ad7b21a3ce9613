package io.flyover.benchmarks;

import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Frame acquire/release through a thread's {@link FrameCache}: one frame (served from the cache alone),
 * and a burst larger than the cache (so it refills from and spills to the shared pool in batches).
 * Goal: 0 B/op on both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BufferPoolBenchmark {
    static final int CACHE = 64;
    static final int BURST = 256;

    FramePool pool;
    FrameCache cache;
    private final int[] held = new int[BURST];

    @Setup
    public void setUp() {
        pool = FramePool.allocate(1024);
        cache = pool.newCache(CACHE);
    }

    @TearDown
    public void tearDown() {
        cache.close();
        pool.checkAllReturned();
        pool.close();
    }

    @Benchmark
    public int acquireRelease() {
        int frame = cache.acquire();
        cache.release(frame);
        return frame;
    }

    /** Per frame: a burst of {@value #BURST} acquires then releases, four times the cache. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int acquireReleaseBurst() {
        int sum = 0;
        for (int i = 0; i < BURST; i++) {
            held[i] = cache.acquire();
            sum += held[i];
        }
        for (int i = 0; i < BURST; i++) {
            cache.release(held[i]);
        }
        return sum;
    }
}
