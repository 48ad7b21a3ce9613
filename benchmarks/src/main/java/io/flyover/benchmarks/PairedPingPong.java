package io.flyover.benchmarks;

import io.flyover.benchmarks.report.ComparisonReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@link NioPingPongBenchmark}'s Flyover-versus-kernel ratio on a machine whose speed changes while it
 * runs, as this project's VM does when the host moves its two vCPUs (the same ping-pong takes 1.4 µs
 * or 6 µs for minutes at a time). One JMH run measures Flyover, then the kernel, each for about half a
 * minute, so a move in between skews the ratio. This alternates short runs instead: each round measures
 * {@link ThreadHandoffBenchmark} (which says where the vCPUs sit) and the VM's stalls ({@link VmStalls}:
 * how often a spinning thread loses its vCPU for 20 µs or more, which decides whether a p99 is a stall),
 * then {@link TcpPingPongBenchmark}'s two stacks, one per thread, over the in-process veth (nothing
 * shared but the link's rings: what a stack per core would give in this placement), then for each poll
 * mode Flyover and the kernel back to back, and pairs the two. It prints every round and, per poll mode,
 * the median ratios and the rounds that meet the goal (p50 5 times and p99 10 times lower).
 *
 * <p>Arguments: {@code [ROUNDS [POLL,...]]}, by default 6 rounds of {@code read,select}.
 */
public final class PairedPingPong {
    /**
     * One round of one poll mode: the handoff's p50, the VM's stalls a second per spinning thread, the
     * two-stack ping-pong's p50 and p99, and both providers' p50 and p99, in ns.
     */
    record Pair(int round, String poll, double handoffP50, double stallsPerSecond, double twoStacksP50,
                double twoStacksP99, double flyoverP50, double flyoverP99, double kernelP50, double kernelP99) {
        double p50Ratio() { return kernelP50 / flyoverP50; }
        double p99Ratio() { return kernelP99 / flyoverP99; }
        boolean meetsGoal() { return p50Ratio() >= ComparisonReport.P50_GOAL && p99Ratio() >= ComparisonReport.P99_GOAL; }

        String line() {
            return String.format(Locale.ROOT, "%5d  %-6s  %7.0f  %7.0f  %7.0f %8.0f  %8.0f %9.0f  %8.0f %9.0f  %6.2f %6.2f  %s",
                    round, poll, handoffP50, stallsPerSecond, twoStacksP50, twoStacksP99, flyoverP50, flyoverP99,
                    kernelP50, kernelP99, p50Ratio(), p99Ratio(), meetsGoal() ? "met" : "");
        }
    }

    static final String HEADER = "round  poll    handoff  stalls/s  2 stacks p50/p99  flyover p50/p99 ns   kernel p50/p99 ns   ratio p50/p99  goal";

    private PairedPingPong() {}

    public static void main(String[] args) throws RunnerException, InterruptedException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        List<String> polls = args.length > 1 ? List.of(args[1].split(",")) : List.of("read", "select");
        List<Pair> pairs = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            double handoff = run(ThreadHandoffBenchmark.class, Map.of())[0];
            double stalls = VmStalls.measure(2, 2_000_000_000L)[0];
            double[] twoStacks = run(TcpPingPongBenchmark.class, Map.of("path", "flyover", "threads", "2", "ipVersion", "4"));
            for (String poll : polls) {
                double[] flyover = run(NioPingPongBenchmark.class, Map.of("provider", "flyover", "poll", poll));
                double[] kernel = run(NioPingPongBenchmark.class, Map.of("provider", "kernel", "poll", poll));
                Pair p = new Pair(round, poll, handoff, stalls, twoStacks[0], twoStacks[1], flyover[0], flyover[1],
                        kernel[0], kernel[1]);
                pairs.add(p);
                if (pairs.size() == 1) {
                    System.out.println(HEADER);
                }
                System.out.println(p.line());
            }
        }
        System.out.println();
        for (String poll : polls) {
            System.out.println(summary(poll, pairs.stream().filter(p -> p.poll().equals(poll)).toList()));
        }
    }

    /** The median ratios of a poll mode's rounds and how many met the goal, in one line. */
    static String summary(String poll, List<Pair> pairs) {
        double[] p50 = pairs.stream().mapToDouble(Pair::p50Ratio).toArray();
        double[] p99 = pairs.stream().mapToDouble(Pair::p99Ratio).toArray();
        long met = pairs.stream().filter(Pair::meetsGoal).count();
        return String.format(Locale.ROOT, "%s: median ratio p50 %.2f (%.2f-%.2f), p99 %.2f (%.2f-%.2f); goal met in %d of %d rounds",
                poll, median(p50), min(p50), max(p50), median(p99), min(p99), max(p99), met, pairs.size());
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static double min(double[] v) { return Arrays.stream(v).min().orElse(Double.NaN); }
    private static double max(double[] v) { return Arrays.stream(v).max().orElse(Double.NaN); }

    /** One short forked run of {@code benchmark}'s round trip with {@code params}: its p50 and p99 in ns. */
    private static double[] run(Class<?> benchmark, Map<String, String> params) throws RunnerException {
        OptionsBuilder o = new OptionsBuilder();
        o.include((benchmark.getName() + ".roundTrip").replace(".", "\\.") + "$").forks(1).mode(Mode.SampleTime).timeUnit(TimeUnit.NANOSECONDS)
                // 6 s of warm-up: Flyover's path is Java the JIT compiles, and its tail stays high for the first seconds
                .warmupIterations(3).warmupTime(TimeValue.seconds(2))
                .measurementIterations(2).measurementTime(TimeValue.seconds(2))
                .verbosity(VerboseMode.SILENT)
                // quiet forks: JMH's own use of sun.misc.Unsafe, and SLF4J without a provider
                .jvmArgsAppend("--sun-misc-unsafe-memory-access=allow", "-Dslf4j.internal.verbosity=ERROR");
        params.forEach(o::param);
        // SampleTime only: a benchmark that also declares another mode (TcpPingPong) runs that one too
        RunResult r = new Runner(o.build()).run().stream()
                .filter(result -> result.getParams().getMode() == Mode.SampleTime).findFirst().orElseThrow();
        var statistics = r.getPrimaryResult().getStatistics();
        return new double[] {statistics.getPercentile(50), statistics.getPercentile(99)};
    }
}
