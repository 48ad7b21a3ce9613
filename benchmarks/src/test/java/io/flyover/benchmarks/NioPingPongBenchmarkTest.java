package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.channel.FlyoverSocketChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Runs the benchmark's setup, a hundred round trips and its teardown (which reports an echo failure). */
class NioPingPongBenchmarkTest {

    @ParameterizedTest
    @CsvSource({"flyover, read", "flyover, select", "kernel, read", "kernel, select"})
    void echoesSixtyFourBytes(String provider, String poll) throws Exception {
        NioPingPongBenchmark b = new NioPingPongBenchmark();
        b.provider = provider;
        b.poll = poll;
        b.setUp();
        try {
            assertEquals(provider.equals("flyover"),
                    b.client instanceof FlyoverSocketChannel f && f.isOffloaded(), "the client's path");
            for (int i = 0; i < 100; i++) {
                assertEquals((byte) (NioPingPongBenchmark.PAYLOAD - 1), b.roundTrip());
            }
            for (int i = 0; i < NioPingPongBenchmark.PAYLOAD; i++) {
                assertEquals((byte) i, b.response.get(i));
            }
            assertTrue(b.echoer.isAlive(), "the echo thread still runs");
        } finally {
            b.tearDown();
        }
    }
}
