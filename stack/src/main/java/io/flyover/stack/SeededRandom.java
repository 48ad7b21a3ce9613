package io.flyover.stack;

/**
 * A deterministic {@link RandomSource} (SplitMix64) for simulations and tests: the same seed gives the
 * same sequence on every JVM. Not for production secrets; the provider injects a secure source there.
 */
public final class SeededRandom implements RandomSource {
    private long state;

    public SeededRandom(long seed) {
        this.state = seed;
    }

    @Override
    public long nextLong() {
        long z = (state += 0x9E37_79B9_7F4A_7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** An independent source derived from this one, for a second stack or link in the same run. */
    public SeededRandom split() {
        return new SeededRandom(nextLong());
    }
}
