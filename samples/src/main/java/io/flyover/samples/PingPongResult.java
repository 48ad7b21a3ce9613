package io.flyover.samples;

import org.HdrHistogram.Histogram;

/**
 * Round-trip times of one ping-pong run, in nanoseconds, and which path its sockets took.
 *
 * @param path how the traffic travelled, in words ("kernel UDP over loopback", ...)
 */
public record PingPongResult(String path, Histogram roundTrips) {

    public long p50() { return roundTrips.getValueAtPercentile(50); }
    public long p99() { return roundTrips.getValueAtPercentile(99); }
    public long p999() { return roundTrips.getValueAtPercentile(99.9); }
    public long count() { return roundTrips.getTotalCount(); }

    /** A histogram for round trips from 10 ns to 10 s at three significant digits. */
    static Histogram newHistogram() {
        return new Histogram(10, 10_000_000_000L, 3);
    }
}
