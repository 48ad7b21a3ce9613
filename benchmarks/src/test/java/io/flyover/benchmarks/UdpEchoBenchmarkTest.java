package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Runs the benchmark's setup, echoes, and its teardown (which checks for leaked frames). */
class UdpEchoBenchmarkTest {

    @Test
    void echoesSixtyFourBytesOverIpv4AndLeaksNothing() throws Exception {
        run(4);
    }

    @Test
    void echoesSixtyFourBytesOverIpv6AndLeaksNothing() throws Exception {
        run(6);
    }

    private static void run(int ipVersion) throws Exception {
        UdpEchoBenchmark b = new UdpEchoBenchmark();
        b.ipVersion = ipVersion;
        b.setUp();
        try {
            for (int i = 0; i < 100; i++) {
                assertEquals(UdpEchoBenchmark.PAYLOAD, b.echo());
            }
            for (int i = 0; i < UdpEchoBenchmark.PAYLOAD; i++) {
                assertEquals((byte) i, b.clientBuffer.get(ValueLayout.JAVA_BYTE, i));
            }
            assertEquals(0, b.server.counters().rxDropped(), b.server.counters().toString());
            assertEquals(0, b.client.counters().rxDropped(), b.client.counters().toString());
            assertEquals(0, b.client.counters().totalDrops() + b.server.counters().totalDrops());
        } finally {
            b.tearDown();
        }
    }
}
