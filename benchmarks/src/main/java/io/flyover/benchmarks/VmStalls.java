package io.flyover.benchmarks;

import java.util.Locale;

/**
 * How often this machine takes a spinning thread off its CPU for {@link #THRESHOLD_NANOS} or more, and
 * for how much of the time: the gaps a thread that does nothing but read {@link System#nanoTime()}
 * sees between two reads. On this project's VM each vCPU loses 20–50 µs about 1,300 times a second
 * (7–8 % of its time) with nothing else running, so a ping-pong's p99 is such a stall as soon as more
 * than about 1 % of round trips overlap one: with {@code r} stalls a second, round trips longer than
 * {@code 0.01 / r} (here about 5–8 µs, the kernel's loopback included) have their p99 in the stalls,
 * shorter ones do not. Read a p99 ratio beside this figure.
 */
final class VmStalls {
    /** A gap shorter than this is the machine at work, not a stall. */
    static final long THRESHOLD_NANOS = 20_000;

    private boolean started;
    private long first;
    private long previous;
    private long stalls;
    private long stalledNanos;

    /** One read of the clock. */
    void observe(long now) {
        if (!started) {
            started = true;
            first = now;
        } else {
            long gap = now - previous;
            if (gap >= THRESHOLD_NANOS) {
                stalls++;
                stalledNanos += gap;
            }
        }
        previous = now;
    }

    /** Stalls a second over the observed span. */
    double perSecond() {
        long span = previous - first;
        return span <= 0 ? 0 : stalls * 1e9 / span;
    }

    /** The share of the observed span spent in stalls, 0 to 1. */
    double stalledShare() {
        long span = previous - first;
        return span <= 0 ? 0 : (double) stalledNanos / span;
    }

    /**
     * Spins {@code threads} threads for {@code nanos} each and returns their mean stalls a second and mean
     * stalled share.
     */
    static double[] measure(int threads, long nanos) throws InterruptedException {
        VmStalls[] probes = new VmStalls[threads];
        Thread[] running = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            VmStalls p = probes[i] = new VmStalls();
            running[i] = Thread.ofPlatform().name("vm-stalls-" + i).start(() -> {
                long end = System.nanoTime() + nanos;
                long now;
                do {
                    now = System.nanoTime();
                    p.observe(now);
                } while (now < end);
            });
        }
        double perSecond = 0, share = 0;
        for (int i = 0; i < threads; i++) {
            running[i].join();
            perSecond += probes[i].perSecond() / threads;
            share += probes[i].stalledShare() / threads;
        }
        return new double[] {perSecond, share};
    }

    /** Prints the two figures for {@code [THREADS [SECONDS]]} (2 threads, 5 s by default). */
    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 5;
        double[] m = measure(threads, seconds * 1_000_000_000L);
        System.out.printf(Locale.ROOT, "%d spinning threads: %.0f stalls of %d us or more a second each, %.1f %% of the time%n",
                threads, m[0], THRESHOLD_NANOS / 1000, m[1] * 100);
    }
}
