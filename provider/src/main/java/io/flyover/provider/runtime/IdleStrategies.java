package io.flyover.provider.runtime;

import java.util.Locale;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/** The {@code flyover.idle} values: how a stack thread waits when a poll found nothing to do. */
public final class IdleStrategies {
    private IdleStrategies() {}

    /** busy-spin (lowest latency, one core per stack), yield, backoff (default: spin, yield, then park up to 1 ms), sleep (1 ms). */
    public static IdleStrategy parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "busy-spin", "busyspin", "spin" -> new BusySpinIdleStrategy();
            case "yield", "yielding" -> new YieldingIdleStrategy();
            case "backoff" -> new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
            case "sleep", "sleeping" -> new SleepingIdleStrategy(1_000_000);
            default -> throw new IllegalArgumentException(
                    "flyover.idle must be busy-spin, yield, backoff or sleep, not '" + name + "'");
        };
    }
}
