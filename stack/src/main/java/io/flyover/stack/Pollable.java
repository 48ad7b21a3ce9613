package io.flyover.stack;

/**
 * Something driven by one thread through repeated polls: a stack, a software device with timers.
 * The caller supplies the time, so the same code runs on the real clock and on the simulator's.
 */
@FunctionalInterface
public interface Pollable {
    /**
     * Does all work due at {@code nowNanos}: receive a burst, run protocol input, fire due timers,
     * transmit.
     *
     * @return the absolute time of the next deadline, or {@link Long#MAX_VALUE} when only new input
     *     can create work; the caller decides whether to spin, yield or park until then
     */
    long poll(long nowNanos);
}
