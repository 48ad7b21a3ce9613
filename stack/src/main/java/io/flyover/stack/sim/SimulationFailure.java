package io.flyover.stack.sim;

/**
 * A simulation that went wrong: a livelock, an exception out of a host, an expectation not met in
 * virtual time. The message carries the seed, the virtual time, the last steps of the trace and
 * whatever the test registered, so the seed can be pinned as a regression test and replayed exactly.
 */
public final class SimulationFailure extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final long seed;

    SimulationFailure(long seed, String report, Throwable cause) {
        super(report, cause);
        this.seed = seed;
    }

    /** The seed that reproduces this failure. */
    public long seed() {
        return seed;
    }
}
