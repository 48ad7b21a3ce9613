package io.flyover.provider.events;

import io.flyover.stack.DropReason;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntToLongFunction;
import jdk.jfr.FlightRecorder;

/**
 * The periodic {@link DropsEvent}: each registered stack's drop counts are read on JFR's periodic
 * thread once per period (only while a recording enables the event), and one event goes out per stack
 * and reason whose count grew since the last one, carrying the growth and the total.
 *
 * <p>The count source is read from JFR's thread, so it must be safe to read from another thread:
 * {@code StatsPublisher::publishedDrops} is (its values are as of the last publish).
 */
public final class DropsEvents {
    private static final DropReason[] REASONS = DropReason.values();
    private static final CopyOnWriteArrayList<Source> SOURCES = new CopyOnWriteArrayList<>();
    private static final Runnable HOOK = DropsEvents::emit;
    private static boolean hooked;

    private DropsEvents() {}

    /** One stack's counts and what the last event reported, touched only by JFR's periodic thread. */
    private static final class Source implements AutoCloseable {
        final String stack;
        final IntToLongFunction dropsByReason;
        final long[] reported = new long[REASONS.length];

        Source(String stack, IntToLongFunction dropsByReason) {
            this.stack = stack;
            this.dropsByReason = dropsByReason;
            for (int i = 0; i < reported.length; i++) {
                reported[i] = dropsByReason.applyAsLong(i); // events report drops from registration on
            }
        }

        @Override
        public void close() {
            SOURCES.remove(this);
        }
    }

    /**
     * Reports the drops of the stack {@code stackName}: {@code dropsByReason} answers the total count
     * for a {@link DropReason#ordinal()}. Close the answer when the stack closes.
     */
    public static AutoCloseable register(String stackName, IntToLongFunction dropsByReason) {
        Source s = new Source(stackName, dropsByReason);
        synchronized (DropsEvents.class) {
            if (!hooked) {
                FlightRecorder.addPeriodicEvent(DropsEvent.class, HOOK);
                hooked = true;
            }
        }
        SOURCES.add(s);
        return s;
    }

    private static void emit() {
        for (Source s : SOURCES) {
            for (int i = 0; i < REASONS.length; i++) {
                long total = s.dropsByReason.applyAsLong(i);
                long grown = total - s.reported[i];
                if (grown <= 0) {
                    continue;
                }
                s.reported[i] = total;
                DropsEvent e = new DropsEvent();
                e.stack = s.stack;
                e.reason = REASONS[i].name();
                e.count = grown;
                e.total = total;
                e.commit();
            }
        }
    }
}
