package io.flyover.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link TcpPingPongBenchmark} (SampleTime) and {@link TcpBulkBenchmark} (Throughput) on both
 * paths and prints Flyover beside the kernel with the ratio and the goals: ping-pong p50 at most
 * {@value #PING_PONG_P50_GOAL_MICROS} µs, bulk at least the kernel loopback's Gbit/s. The arguments are
 * JMH options (no benchmark names), for example:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
 *   --add-exports java.base/sun.nio.ch=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *   io.flyover.benchmarks.TcpComparison -f 1 -wi 3 -i 5 -w 2 -r 3 -p threads=1,2</pre>
 */
public final class TcpComparison {
    static final double PING_PONG_P50_GOAL_MICROS = 1.5;

    /** One compared figure: the metric for one parameter combination, on both paths. */
    record Figure(String setup, String metric, double flyover, double kernel, String goal) {
        double ratio() { return flyover / kernel; }
    }

    private TcpComparison() {}

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        Options pingPong = new OptionsBuilder().parent(cli)
                .include(TcpPingPongBenchmark.class.getName() + ".roundTrip")
                .mode(Mode.SampleTime).timeUnit(TimeUnit.NANOSECONDS).build();
        Options bulk = new OptionsBuilder().parent(cli)
                .include(TcpBulkBenchmark.class.getName() + ".send")
                .mode(Mode.Throughput).timeUnit(TimeUnit.SECONDS).build();
        List<Figure> figures = new ArrayList<>();
        figures.addAll(pingPongFigures(new Runner(pingPong).run()));
        figures.addAll(bulkFigures(new Runner(bulk).run()));
        System.out.println();
        System.out.print(table(figures));
    }

    /** p50, p99 and p99.9 round trips in µs, per parameter combination that ran on both paths. */
    static List<Figure> pingPongFigures(Collection<RunResult> results) {
        List<Figure> figures = new ArrayList<>();
        for (Map.Entry<String, RunResult[]> e : byPath(results).entrySet()) {
            RunResult flyover = e.getValue()[0];
            RunResult kernel = e.getValue()[1];
            if (flyover == null || kernel == null) {
                continue;
            }
            for (double p : new double[] {50, 99, 99.9}) {
                double f = flyover.getPrimaryResult().getStatistics().getPercentile(p) / 1000;
                double k = kernel.getPrimaryResult().getStatistics().getPercentile(p) / 1000;
                String goal = p == 50 ? goal(f <= PING_PONG_P50_GOAL_MICROS, "<= " + PING_PONG_P50_GOAL_MICROS + " us") : "";
                figures.add(new Figure(e.getKey(), "round trip p" + (p == 99.9 ? "99.9" : (int) p) + " (us)", f, k, goal));
            }
        }
        return figures;
    }

    /** One-way throughput in Gbit/s, per parameter combination that ran on both paths. */
    static List<Figure> bulkFigures(Collection<RunResult> results) {
        List<Figure> figures = new ArrayList<>();
        for (Map.Entry<String, RunResult[]> e : byPath(results).entrySet()) {
            RunResult flyover = e.getValue()[0];
            RunResult kernel = e.getValue()[1];
            if (flyover == null || kernel == null) {
                continue;
            }
            double f = TcpBulkBenchmark.gigabitsPerSecond(flyover.getPrimaryResult().getScore());
            double k = TcpBulkBenchmark.gigabitsPerSecond(kernel.getPrimaryResult().getScore());
            figures.add(new Figure(e.getKey(), "bulk (Gbit/s)", f, k, goal(f >= k, ">= kernel")));
        }
        return figures;
    }

    /** Results keyed by their parameters other than the path: [flyover, kernel]. */
    private static Map<String, RunResult[]> byPath(Collection<RunResult> results) {
        Map<String, RunResult[]> pairs = new TreeMap<>();
        for (RunResult r : results) {
            var params = r.getParams();
            String setup = "IPv" + params.getParam("ipVersion") + ", " + params.getParam("threads") + " thread"
                    + ("1".equals(params.getParam("threads")) ? "" : "s");
            int slot = "flyover".equals(params.getParam("path")) ? 0 : 1;
            pairs.computeIfAbsent(setup, s -> new RunResult[2])[slot] = r;
        }
        return pairs;
    }

    private static String goal(boolean met, String goal) {
        return goal + (met ? ": met" : ": NOT met");
    }

    /** The comparison as a text table. */
    static String table(List<Figure> figures) {
        StringBuilder out = new StringBuilder();
        out.append("TCP: Flyover (two stacks over an in-process veth) vs kernel loopback (JDK SocketChannel), same run\n");
        String row = "%-20s %-22s %10s %10s %15s   %s%n";
        out.append(String.format(Locale.ROOT, row, "setup", "metric", "Flyover", "kernel", "Flyover/kernel", "goal"));
        for (Figure f : figures) {
            out.append(String.format(Locale.ROOT, row, f.setup(), f.metric(), format(f.flyover()), format(f.kernel()),
                    format(f.ratio()) + "x", f.goal()));
        }
        return out.toString();
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
    }
}
