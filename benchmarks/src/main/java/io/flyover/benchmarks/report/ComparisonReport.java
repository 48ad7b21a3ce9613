package io.flyover.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the JMH JSON results of one comparison run into {@code results.md} (each benchmark's goal beside
 * its result) and {@code latency.svg} (round-trip percentile curves, Flyover against the kernel) in the
 * same folder. {@code benchmarks/run-comparison} calls it:
 * {@code java ... io.flyover.benchmarks.report.ComparisonReport RESULTS_DIR FILE.json...}.
 *
 * <p>The goals (issue "benchmarks"): a round trip at least {@value #P50_GOAL}x lower at p50 and
 * {@value #P99_GOAL}x lower at p99 than the kernel path measured in the same run, bulk throughput at least
 * the kernel's, and no allocation on Flyover's data path (0 B/op; JMH's {@code gc.alloc.rate.norm} below
 * {@value #ALLOCATION_NOISE_BYTES} B/op counts as zero, one-off work amortised over millions of operations).
 */
public final class ComparisonReport {
    public static final double P50_GOAL = 5;
    public static final double P99_GOAL = 10;
    static final double ALLOCATION_NOISE_BYTES = 1;
    static final String FLYOVER_COLOR = "#1f77b4";
    static final String KERNEL_COLOR = "#ff7f0e";
    /** Benchmarks that allocate by design (a connection's objects and buffers): allocation reported, no zero goal. */
    static final List<String> ALLOCATING_BY_DESIGN = List.of("ConnectionSetupBenchmark");
    private static final String[] DASHES = {"none", "6,4", "2,3", "10,3,2,3"};

    private ComparisonReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ComparisonReport RESULTS_DIR JMH_RESULT.json...");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        List<JmhResult> results = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            Path json = Path.of(args[i]);
            if (Files.size(json) > 0) {
                results.addAll(JmhResult.parseAll(Files.readString(json)));
            }
        }
        write(dir, results);
        System.out.println("wrote " + dir.resolve("results.md") + " and " + dir.resolve("latency.svg"));
    }

    public static void write(Path dir, List<JmhResult> results) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.md"), markdown(results), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("latency.svg"), chart(results), StandardCharsets.UTF_8);
    }

    /** Results with a path parameter, keyed by everything else: [flyover, kernel]. */
    static Map<String, JmhResult[]> pairs(List<JmhResult> results) {
        Map<String, JmhResult[]> pairs = new TreeMap<>();
        for (JmhResult r : results) {
            String path = r.path();
            if (path != null) {
                pairs.computeIfAbsent(r.setup() + " (" + r.mode() + ")", k -> new JmhResult[2])["flyover".equals(path) ? 0 : 1] = r;
            }
        }
        return pairs;
    }

    static String markdown(List<JmhResult> results) {
        StringBuilder b = new StringBuilder();
        b.append("# Flyover against the kernel, same run\n\n");
        b.append("Flyover's gain is kernel/Flyover for times and Flyover/kernel for throughput (above 1: Flyover is better).\n\n");
        b.append("| benchmark | metric | Flyover | kernel | Flyover's gain | goal | met |\n");
        b.append("|---|---|---:|---:|---:|---|---|\n");
        for (Map.Entry<String, JmhResult[]> e : pairs(results).entrySet()) {
            JmhResult f = e.getValue()[0];
            JmhResult k = e.getValue()[1];
            if (f == null || k == null) {
                continue;
            }
            String setup = e.getKey();
            if (!f.percentiles().isEmpty()) {
                double fs = toMicros(f.unit());
                double ks = toMicros(k.unit());
                percentileRow(b, setup, 50, f.percentile(50) * fs, k.percentile(50) * ks, P50_GOAL);
                percentileRow(b, setup, 99, f.percentile(99) * fs, k.percentile(99) * ks, P99_GOAL);
                percentileRow(b, setup, 99.9, f.percentile(99.9) * fs, k.percentile(99.9) * ks, 0);
            } else {
                double gain = "thrpt".equals(f.mode()) ? f.score() / k.score() : k.score() / f.score();
                String goal = "thrpt".equals(f.mode()) ? ">= kernel" : "<= kernel";
                row(b, setup, "score (" + f.unit() + ")", number(f.score()), number(k.score()), gain, goal, met(gain >= 1));
            }
        }
        b.append("\n## Allocation and single-path benchmarks\n\n");
        b.append("| benchmark | score | unit | allocation (B/op) | goal | met |\n");
        b.append("|---|---:|---|---:|---|---|\n");
        for (JmhResult r : results) {
            if ("kernel".equals(r.path())) {
                continue; // the JDK's own allocation is not Flyover's goal
            }
            String name = r.setup() + ("flyover".equals(r.path()) ? " [Flyover]" : "") + " (" + r.mode() + ")";
            boolean measured = !Double.isNaN(r.bytesPerOp());
            boolean zeroGoal = ALLOCATING_BY_DESIGN.stream().noneMatch(r.benchmark()::contains);
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", name, number(r.score()), r.unit(),
                    measured ? number(r.bytesPerOp()) : "not measured (run with -prof gc)",
                    zeroGoal ? "0 B/op" : "(reported)",
                    !zeroGoal ? "" : measured ? met(r.bytesPerOp() < ALLOCATION_NOISE_BYTES) : "?"));
        }
        b.append("\nThe round-trip percentile curves are in [latency.svg](latency.svg).\n");
        return b.toString();
    }

    private static void percentileRow(StringBuilder b, String setup, double p, double flyover, double kernel, double goal) {
        double gain = kernel / flyover;
        String label = p == 99.9 ? "99.9" : String.valueOf((int) p);
        row(b, setup, "round trip p" + label + " (µs)", number(flyover), number(kernel), gain,
                goal > 0 ? ">= " + (int) goal + "x lower" : "(none)", goal > 0 ? met(gain >= goal) : "");
    }

    private static void row(StringBuilder b, String setup, String metric, String flyover, String kernel, double gain, String goal, String met) {
        b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2fx | %s | %s |%n", setup, metric, flyover, kernel, gain, goal, met));
    }

    /** The percentile curves of every round-trip benchmark that ran on both paths. */
    static String chart(List<JmhResult> results) {
        List<LatencyChart.Series> series = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, JmhResult[]> e : pairs(results).entrySet()) {
            JmhResult f = e.getValue()[0];
            JmhResult k = e.getValue()[1];
            if (f == null || k == null || f.percentiles().isEmpty()) {
                continue;
            }
            String dash = DASHES[i++ % DASHES.length];
            series.add(new LatencyChart.Series("Flyover " + e.getKey(), FLYOVER_COLOR, dash, micros(f)));
            series.add(new LatencyChart.Series("kernel " + e.getKey(), KERNEL_COLOR, dash, micros(k)));
        }
        return LatencyChart.svg("Round-trip latency by percentile: Flyover (blue) vs kernel (orange)", series);
    }

    private static TreeMap<Double, Double> micros(JmhResult r) {
        double scale = toMicros(r.unit());
        TreeMap<Double, Double> m = new TreeMap<>();
        r.percentiles().forEach((p, v) -> m.put(p, v * scale));
        return m;
    }

    /** The factor from a JMH time unit ("ns/op", "us/op", ...) to microseconds. */
    static double toMicros(String unit) {
        Map<String, Double> factors = new LinkedHashMap<>();
        factors.put("ns", 1e-3);
        factors.put("us", 1.0);
        factors.put("µs", 1.0);
        factors.put("ms", 1e3);
        factors.put("s", 1e6);
        for (Map.Entry<String, Double> f : factors.entrySet()) {
            if (unit.startsWith(f.getKey() + "/")) {
                return f.getValue();
            }
        }
        throw new IllegalArgumentException("not a time unit: " + unit);
    }

    private static String met(boolean met) {
        return met ? "yes" : "**no**";
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, Math.abs(v) < 10 ? "%.3f" : Math.abs(v) < 1000 ? "%.1f" : "%,.0f", v);
    }
}
