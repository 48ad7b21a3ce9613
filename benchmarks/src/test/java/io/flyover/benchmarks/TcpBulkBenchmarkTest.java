package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the benchmark's setup, sends 4 MiB, checks that the server got every byte, and tears down. */
class TcpBulkBenchmarkTest {
    private static final int CHUNKS = 64;

    @ParameterizedTest
    @CsvSource({"flyover, 2", "flyover, 1", "kernel, 2", "kernel, 1"})
    void deliversEveryChunkAndLeaksNothing(String path, int threads) throws Exception {
        TcpBulkBenchmark b = new TcpBulkBenchmark();
        b.path = path;
        b.threads = threads;
        b.setUp();
        try {
            for (int i = 0; i < CHUNKS; i++) {
                b.send();
            }
            assertTrue(b.pair.awaitServerReceived((long) CHUNKS * TcpBulkBenchmark.CHUNK, 10_000_000_000L),
                    "the server did not receive all " + CHUNKS + " chunks");
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 1, 20_000})
    void convertsChunksPerSecondToGigabits(double chunksPerSecond) {
        assertEquals(chunksPerSecond * 65536 * 8 / 1e9, TcpBulkBenchmark.gigabitsPerSecond(chunksPerSecond), 1e-9);
    }
}
