package io.flyover.samples;

import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.kernel.JdkSelectorProvider;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.runtime.ProviderCounters;
import java.io.PrintStream;
import java.nio.channels.spi.SelectorProvider;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The README's demo: the same NIO program (a 64-byte TCP ping-pong, then a bulk transfer, on 127.0.0.1)
 * over the kernel (the JDK's default provider) and over Flyover (its provider with loopback offload, so
 * 127.0.0.1 is served by an in-process Flyover stack), side by side with the ratios, and which path each
 * socket took according to the provider's own counters.
 */
public final class Demo {
    static final int PAYLOAD = 64;
    static final int BULK_CHUNK = 64 * 1024;

    /** How long each phase runs, per provider. */
    record Durations(long warmupNanos, long pingPongNanos, long bulkNanos) {
        static final Durations DEMO = new Durations(1_000_000_000L, 3_000_000_000L, 2_000_000_000L);
    }

    private Demo() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        Durations d = Durations.DEMO;
        out.printf(Locale.ROOT, "Flyover demo: the same JDK NIO program over the kernel and over Flyover, 127.0.0.1%n");
        out.printf(Locale.ROOT, "  %d-byte TCP ping-pong (%.0f s warm-up, %.0f s measured) and a %.0f s bulk transfer per path%n",
                PAYLOAD, d.warmupNanos() / 1e9, d.pingPongNanos() / 1e9, d.bulkNanos() / 1e9);
        out.printf(Locale.ROOT, "  (Java %s, %d CPUs)%n%n", Runtime.version(), Runtime.getRuntime().availableProcessors());
        PingPongResult kernel = measure(out, "kernel", JdkSelectorProvider.get(), d);
        PingPongResult flyover;
        try (FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"))) {
            flyover = measure(out, "Flyover", provider, d);
        }
        out.println();
        out.print(table(kernel, flyover));
    }

    /** Runs the ping-pong and the bulk transfer over {@code provider}, printing progress. */
    static PingPongResult measure(PrintStream out, String name, SelectorProvider provider, Durations d) throws Exception {
        out.printf(Locale.ROOT, "  %-8s ping-pong ... ", name);
        out.flush();
        Histogram roundTrips = NioPingPong.run(provider, PAYLOAD, d.warmupNanos(), d.pingPongNanos());
        out.printf(Locale.ROOT, "%,d round trips, p50 %.2f us%n", roundTrips.getTotalCount(),
                roundTrips.getValueAtPercentile(50) / 1e3);
        out.printf(Locale.ROOT, "  %-8s bulk      ... ", name);
        out.flush();
        NioBulk.Result bulk = NioBulk.run(provider, BULK_CHUNK, d.bulkNanos());
        out.printf(Locale.ROOT, "%,d MB, %.2f Gbit/s%n", bulk.bytes() >> 20, bulk.gigabitsPerSecond());
        return new PingPongResult(name, roundTrips, bulk, sockets(provider));
    }

    /** Which path the provider's sockets took: its own counters for Flyover, the JDK's sockets otherwise. */
    static String sockets(SelectorProvider provider) {
        if (provider instanceof FlyoverSelectorProvider flyover) {
            ProviderCounters c = flyover.counters();
            return String.format(Locale.ROOT,
                    "Flyover's counters: %d client sockets offloaded, %d to the kernel; %d listeners offloaded, %d to the kernel;"
                            + " %d connections accepted by a Flyover stack, %d by the kernel",
                    c.offloaded(SocketRole.TCP_CLIENT), c.kernel(SocketRole.TCP_CLIENT),
                    c.offloaded(SocketRole.TCP_SERVER), c.kernel(SocketRole.TCP_SERVER),
                    c.accepted(OffloadPath.OFFLOAD), c.accepted(OffloadPath.KERNEL));
        }
        return "the JDK's own sockets (" + provider.getClass().getName() + "): system calls into the kernel's TCP and loopback device";
    }

    /** The side-by-side table: percentiles, throughput and the ratios, then the paths. */
    static String table(PingPongResult kernel, PingPongResult flyover) {
        StringBuilder b = new StringBuilder();
        String row = "  %-24s %12s %12s %16s  %s%n";
        b.append(String.format(Locale.ROOT, row, "", kernel.name(), flyover.name(), "Flyover's gain", ""));
        pingPongRow(b, row, "round trip p50 (us)", kernel.p50(), flyover.p50());
        pingPongRow(b, row, "round trip p99 (us)", kernel.p99(), flyover.p99());
        pingPongRow(b, row, "round trip p99.9 (us)", kernel.p999(), flyover.p999());
        double k = kernel.bulk().gigabitsPerSecond();
        double f = flyover.bulk().gigabitsPerSecond();
        b.append(String.format(Locale.ROOT, row, "bulk (Gbit/s)", fmt(k), fmt(f), ratio(f, k), verdict(f / k)));
        b.append(String.format(Locale.ROOT, row, "round trips measured", kernel.count(), flyover.count(), "", ""));
        b.append('\n');
        b.append("  Flyover's gain: kernel/Flyover for round trips (how many times lower), Flyover/kernel for bulk;\n");
        b.append("  both measured in this run on this machine.\n");
        for (PingPongResult r : List.of(kernel, flyover)) {
            b.append(String.format(Locale.ROOT, "  %s path: %s%n", r.name(), r.sockets()));
        }
        return b.toString();
    }

    private static void pingPongRow(StringBuilder b, String row, String metric, long kernelNanos, long flyoverNanos) {
        b.append(String.format(Locale.ROOT, row, metric, fmt(kernelNanos / 1e3), fmt(flyoverNanos / 1e3),
                ratio(kernelNanos, flyoverNanos), verdict((double) kernelNanos / flyoverNanos)));
    }

    /** Which path did better, given Flyover's gain (above 1: Flyover). */
    private static String verdict(double gain) {
        return gain >= 1 ? "Flyover better" : "kernel better";
    }

    private static String ratio(double numerator, double denominator) {
        return denominator <= 0 ? "n/a" : String.format(Locale.ROOT, "%.2fx", numerator / denominator);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
    }
}
