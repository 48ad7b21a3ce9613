package io.flyover.provider.runtime;

/**
 * When an application thread last polled a stack, the deadline the last poll returned and how many polls there were: written
 * by every poll, read by the stack thread when it decides to rest. Padded ({@link CacheLinePadding}) so
 * that these writes do not pull away the cache lines busy-polling readers spin on.
 */
final class PollRecord extends PollRecordFields {
    @SuppressWarnings("unused")
    private long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    PollRecord() {
        lastPollNanos = Long.MIN_VALUE / 2;
    }

    /** An application thread's poll at {@code now} (under the stack lock) returned {@code nextDeadline}. */
    void record(long now, long nextDeadline) {
        nextDeadlineNanos = nextDeadline;
        lastPollNanos = now;
        polls++; // only under the stack lock
    }

    /** The stack thread's own poll: the deadline and the count, but not "an application polled". */
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
    long polls() { return polls; }
}

/** The record's fields, between the paddings. */
abstract class PollRecordFields extends CacheLinePadding {
    volatile long lastPollNanos;
    volatile long nextDeadlineNanos;
    volatile long polls;
}
