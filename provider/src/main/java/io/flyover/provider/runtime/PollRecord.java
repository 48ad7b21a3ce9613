package io.flyover.provider.runtime;

/**
 * When an application thread last polled a stack, and the deadline the stack thread must not sleep past:
 * read by the stack thread when it decides to rest. Padded ({@link CacheLinePadding}) so that these
 * writes do not pull away the cache lines busy-polling readers spin on, and written only when they
 * change what the stack thread decides: application threads that take turns with the stack would
 * otherwise pass this line between their cores on every poll.
 */
final class PollRecord extends PollRecordFields {
    @SuppressWarnings("unused")
    private long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    PollRecord() {
        lastPollNanos = Long.MIN_VALUE / 2;
    }

    /**
     * An application thread's poll at {@code now} (under the stack lock) returned {@code nextDeadline}.
     * The recorded deadline only moves earlier, or on once it has passed: one later than the truth
     * would let the stack thread oversleep a timer, one earlier only wakes it for a poll that records
     * the truth. The poll time moves in steps of {@link #POLL_TIME_STEP_NANOS}.
     */
    void record(long now, long nextDeadline) {
        long recorded = nextDeadlineNanos;
        if (nextDeadline < recorded || recorded <= now) {
            nextDeadlineNanos = nextDeadline;
        }
        if (now - lastPollNanos >= POLL_TIME_STEP_NANOS) {
            lastPollNanos = now;
        }
    }

    /**
     * How stale {@link #lastPollNanos} may be: far below the 50 µs within which the stack thread
     * counts an application thread as driving the stack.
     */
    static final long POLL_TIME_STEP_NANOS = 5_000;

    /** The stack thread's own poll: the deadline, exact, and the count, but not "an application polled". */
    void recordDeadline(long nextDeadline) {
        nextDeadlineNanos = nextDeadline;
        polls++;
    }

    /**
     * An application thread armed a timer, without polling, nearer than the last poll's deadline (under
     * the stack lock): the stack thread must not sleep past it.
     */
    void lowerDeadline(long deadline) {
        nextDeadlineNanos = deadline;
    }

    long lastPollNanos() { return lastPollNanos; }
    long nextDeadlineNanos() { return nextDeadlineNanos; }
    /** Polls by the stack thread. */
    long polls() { return polls; }
}

/** The record's fields, between the paddings. */
abstract class PollRecordFields extends CacheLinePadding {
    volatile long lastPollNanos;
    volatile long nextDeadlineNanos;
    volatile long polls;
}
