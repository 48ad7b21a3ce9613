package io.flyover.samples;

import org.HdrHistogram.Histogram;

/**
 * What the demo measured over one provider: round-trip times in nanoseconds, the bulk transfer, and
 * which path its sockets took.
 *
 * @param name the provider, in a word or two ("kernel", "Flyover")
 * @param sockets which path the sockets took, in words (from the provider's counters where it has them)
 */
public record PingPongResult(String name, Histogram roundTrips, NioBulk.Result bulk, String sockets) {

    public long p50() { return roundTrips.getValueAtPercentile(50); }
    public long p99() { return roundTrips.getValueAtPercentile(99); }
    public long p999() { return roundTrips.getValueAtPercentile(99.9); }
    public long count() { return roundTrips.getTotalCount(); }
}
