package io.flyover.benchmarks;

import io.flyover.stack.wire.Checksum;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The Internet checksum's 8-bytes-at-a-time path against the textbook 16-bit loop, over off-heap data. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChecksumBenchmark {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Param({"64", "1500"})
    public int length;

    MemorySegment data;

    @Setup
    public void setUp() {
        data = Arena.ofAuto().allocate(length + 8, 8);
        for (int i = 0; i < length; i++) {
            data.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 131 + 7));
        }
    }

    @Benchmark
    public int fastPath() {
        return Checksum.compute(data, 0, length);
    }

    @Benchmark
    public int sixteenBitLoop() {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += data.get(SHORT, i) & 0xFFFF;
        }
        if (i < length) {
            sum += (data.get(ValueLayout.JAVA_BYTE, i) & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
