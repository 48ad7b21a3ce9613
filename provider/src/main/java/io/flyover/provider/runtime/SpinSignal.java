package io.flyover.provider.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A value that busy-polling threads spin on, alone on its cache lines. A spinning reader rereads it
 * millions of times a second; were it next to fields that the thread delivering data writes (a
 * connection's sequence numbers, a stack's poll count), every such write would pull the line away from
 * the reader and back, and a garbage collection that moves objects together could multiply a round trip
 * by three. {@link CacheLinePadding} before and the same after keep 128 bytes on each side.
 *
 * <p>{@link #get}/{@link #incrementAndGet} is a sequence bumped by every event; {@link #markQuiet} and
 * {@link #isQuiet} let the one reader note the value it saw when it found nothing to do.
 */
public final class SpinSignal extends SpinSignalValue {
    @SuppressWarnings("unused")
    private long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(SpinSignalValue.class, "value", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public SpinSignal() {
        quietAt = -1;
    }

    public int get() {
        return value;
    }

    public void set(int v) {
        value = v;
    }

    /** Bumps the sequence (any thread). */
    public int incrementAndGet() {
        return (int) VALUE.getAndAdd(this, 1) + 1;
    }

    /** The reader found nothing to do when the sequence was {@code seen}. */
    public void markQuiet(int seen) {
        quietAt = seen;
    }

    /** Whether nothing happened since the reader last {@link #markQuiet found nothing}. */
    public boolean isQuiet() {
        return value == quietAt;
    }
}

/** The value and the reader's mark, between the two paddings. */
abstract class SpinSignalValue extends CacheLinePadding {
    volatile int value;
    volatile int quietAt;
}
