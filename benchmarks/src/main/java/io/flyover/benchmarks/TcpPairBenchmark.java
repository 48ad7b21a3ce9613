package io.flyover.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the TCP benchmarks over a {@link TcpPair} share: the path, IP version and thread parameters
 * (JMH takes {@code @Param}s from a superclass) and the pair, closed after the trial.
 */
@State(Scope.Thread)
public abstract class TcpPairBenchmark {
    @Param({"flyover", "kernel"})
    public String path = "flyover";

    @Param({"4"})
    public int ipVersion = 4;

    /** 2: a dedicated server thread (one thread per end); 1: the server end runs inline on the benchmark thread. */
    @Param({"2"})
    public int threads = 2;

    TcpPair pair;

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pair.close();
    }

    /** A direct buffer of {@code size} bytes holding 0, 1, 2, ... (mod 256). */
    static ByteBuffer patterned(int size) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) i);
        }
        return b;
    }
}
