package io.flyover.stack;

/**
 * The randomness a stack may use (ISNs, ephemeral ports, secrets), injected so that a seeded source
 * makes every simulation replay exactly. The stack never draws randomness any other way.
 */
public interface RandomSource {
    long nextLong();

    /** Uniform in {@code [0, bound)}. */
    default int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        // Lemire's multiply-shift, with the rejection step that removes its bias.
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFF_FFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFF_FFFFL;
            }
        }
        return (int) (m >>> 32);
    }
}
