package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Runs the benchmark's setup, a hundred round trips, and its teardown (which checks for leaked frames). */
class TcpPingPongBenchmarkTest {

    @ParameterizedTest
    @CsvSource({"flyover, 4, 2", "flyover, 6, 2", "flyover, 4, 1", "flyover, 6, 1",
                "kernel, 4, 2", "kernel, 6, 2", "kernel, 4, 1"})
    void echoesSixtyFourBytesAndLeaksNothing(String path, int ipVersion, int threads) throws Exception {
        TcpPingPongBenchmark b = new TcpPingPongBenchmark();
        b.path = path;
        b.ipVersion = ipVersion;
        b.threads = threads;
        b.setUp();
        try {
            for (int i = 0; i < 100; i++) {
                assertEquals((byte) (TcpPingPongBenchmark.PAYLOAD - 1), b.roundTrip());
            }
            for (int i = 0; i < TcpPingPongBenchmark.PAYLOAD; i++) {
                assertEquals((byte) i, b.response.get(i));
            }
            // No check on drops or retransmissions: a loaded machine that deschedules one thread past the
            // peer's retransmission timeout makes spurious retransmissions, which TCP rightly answers.
        } finally {
            b.tearDown();
        }
    }
}
