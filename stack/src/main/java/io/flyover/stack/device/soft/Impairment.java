package io.flyover.stack.device.soft;

/**
 * What an {@link ImpairedDevice} does to the frames of one direction, in the spirit of Linux netem.
 * Probabilities are per frame, in {@code [0, 1]}.
 *
 * @param loss probability a frame is dropped
 * @param duplicate probability a frame is sent twice (the copy right after the original)
 * @param reorder probability a frame is held back by an extra {@code reorderDelayNanos}, so frames
 *     sent after it overtake it
 * @param reorderDelayNanos the extra hold of a reordered frame
 * @param corrupt probability one random bit of the frame is flipped
 * @param delayNanos fixed one-way delay added to every frame
 * @param jitterNanos a uniformly random extra delay in {@code [0, jitterNanos]}; jitter larger than
 *     the gap between frames reorders them, as netem's does
 * @param rateBitsPerSecond link rate: each frame occupies the link for {@code length * 8 / rate}
 *     and waits for the frames before it; 0 means unlimited
 * @param queueLimit the most frames held at once per queue (delay line and rate backlog); beyond it,
 *     frames are dropped and counted as overflow
 */
public record Impairment(double loss, double duplicate, double reorder, long reorderDelayNanos, double corrupt,
        long delayNanos, long jitterNanos, long rateBitsPerSecond, int queueLimit) {

    public static final int DEFAULT_QUEUE_LIMIT = 1024;
    /** Frames pass untouched. */
    public static final Impairment NONE = builder().build();

    public Impairment {
        checkProbability("loss", loss);
        checkProbability("duplicate", duplicate);
        checkProbability("reorder", reorder);
        checkProbability("corrupt", corrupt);
        if (reorderDelayNanos < 0 || delayNanos < 0 || jitterNanos < 0 || rateBitsPerSecond < 0) {
            throw new IllegalArgumentException("delays and rate must not be negative");
        }
        if (queueLimit < 1) {
            throw new IllegalArgumentException("queue limit must be positive: " + queueLimit);
        }
    }

    private static void checkProbability(String what, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(what + " probability must be in [0, 1]: " + p);
        }
    }

    /** True when frames pass straight through. */
    public boolean isNone() {
        return loss == 0 && duplicate == 0 && reorder == 0 && corrupt == 0 && delayNanos == 0 && jitterNanos == 0
                && rateBitsPerSecond == 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().loss(loss).duplicate(duplicate).reorder(reorder, reorderDelayNanos).corrupt(corrupt)
                .delay(delayNanos, jitterNanos).rate(rateBitsPerSecond).queueLimit(queueLimit);
    }

    /** Builds an {@link Impairment}; everything starts at "no effect". */
    public static final class Builder {
        private double loss;
        private double duplicate;
        private double reorder;
        private long reorderDelayNanos = 1_000_000;
        private double corrupt;
        private long delayNanos;
        private long jitterNanos;
        private long rateBitsPerSecond;
        private int queueLimit = DEFAULT_QUEUE_LIMIT;

        private Builder() {}

        public Builder loss(double probability) { this.loss = probability; return this; }
        public Builder duplicate(double probability) { this.duplicate = probability; return this; }
        /** Reorders with {@code probability}, holding such a frame back by {@code extraDelayNanos}. */
        public Builder reorder(double probability, long extraDelayNanos) {
            this.reorder = probability;
            this.reorderDelayNanos = extraDelayNanos;
            return this;
        }
        public Builder corrupt(double probability) { this.corrupt = probability; return this; }
        public Builder delay(long fixedNanos) { this.delayNanos = fixedNanos; return this; }
        public Builder delay(long fixedNanos, long jitterNanos) {
            this.delayNanos = fixedNanos;
            this.jitterNanos = jitterNanos;
            return this;
        }
        /** Link rate in bits per second; 0 for unlimited. */
        public Builder rate(long bitsPerSecond) { this.rateBitsPerSecond = bitsPerSecond; return this; }
        public Builder queueLimit(int frames) { this.queueLimit = frames; return this; }

        public Impairment build() {
            return new Impairment(loss, duplicate, reorder, reorderDelayNanos, corrupt, delayNanos, jitterNanos,
                    rateBitsPerSecond, queueLimit);
        }
    }
}
