package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FramePool;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The micro-benchmarks' operations, run directly: each does the work it claims and leaves no trace. */
class MicroBenchmarksTest {
    @Test
    void wireParsingReadsTheFrameItBuilt() {
        WireParsingBenchmark b = new WireParsingBenchmark();
        b.setUp();
        try {
            long fields = b.parseTcpIpv4();
            assertTrue(fields < -3 || fields >= 0, "every layer valid: " + fields);
            assertEquals(fields, b.parseTcpIpv4(), "parsing does not change the frame");
            assertEquals(fields, b.parseTcpIpv4WithChecksum(), "the TCP checksum verifies");
            b.frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 14 + 8, (byte) 1); // TTL changed: IPv4 checksum now wrong
            assertEquals(-2, b.parseTcpIpv4());
        } finally {
            b.tearDown();
        }
    }

    @Test
    void threadHandoffGetsEachValueBackFromTheOtherThread() throws Exception {
        ThreadHandoffBenchmark b = new ThreadHandoffBenchmark();
        b.setUp();
        try {
            for (long i = 1; i <= 1_000; i++) {
                assertEquals(i, b.roundTrip());
                assertEquals(i, b.pong, "the echo thread handed this value back");
            }
        } finally {
            b.tearDown();
        }
        assertTrue(!b.echo.isAlive(), "the echo thread stops with the trial");
    }

    @Test
    void bufferPoolHandsOutDistinctFramesAndGetsThemAllBack() {
        BufferPoolBenchmark b = new BufferPoolBenchmark();
        b.setUp();
        int first = b.acquireRelease();
        assertNotEquals(FramePool.NO_FRAME, first);
        for (int i = 0; i < 10; i++) {
            b.acquireReleaseBurst();
        }
        Set<Integer> frames = new HashSet<>();
        for (int i = 0; i < BufferPoolBenchmark.BURST; i++) {
            frames.add(b.cache.acquire());
        }
        assertEquals(BufferPoolBenchmark.BURST, frames.size());
        frames.forEach(b.cache::release);
        b.tearDown(); // checks every frame came back
    }

    @Test
    void eachSegmentOperationDeliversSixtyFourBytes() throws Exception {
        TcpSegmentBenchmark b = new TcpSegmentBenchmark();
        b.setUp();
        try {
            for (int i = 0; i < 2_000; i++) {
                assertEquals(TcpSegmentBenchmark.PAYLOAD, b.segment());
            }
            assertEquals(0, b.sender.bytesUnacknowledged(), "acknowledged as it goes");
            assertEquals(2_000L * TcpSegmentBenchmark.PAYLOAD, b.receiver.payloadBytesReceived());
        } finally {
            b.tearDown();
        }
    }

    @Test
    void eachConnectionIsSetUpAndFullyTornDown() {
        ConnectionSetupBenchmark b = new ConnectionSetupBenchmark();
        b.setUp();
        try {
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                ports.add(b.connectAcceptClose());
                assertEquals(0, b.connections(), "nothing left after connection " + i);
            }
            assertTrue(ports.size() > 1, "ephemeral ports are handed out");
        } finally {
            b.tearDown();
        }
    }


}
