package io.flyover.benchmarks;

import io.flyover.benchmarks.report.ComparisonReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The whole comparison in one run, for {@code benchmarks/run-comparison}: Flyover against the JDK's
 * default provider (each benchmark's {@code path} parameter), then the micro-benchmarks, every JMH run with
 * {@code -prof gc} and its JSON in the results folder; then {@link TcpComparison}'s text table
 * ({@code tcp-comparison.txt}) and {@link ComparisonReport}'s {@code results.md} and {@code latency.svg}.
 * Arguments: {@code RESULTS_DIR [--quick]}.
 */
public final class ComparisonRun {
    /** The optional latency benchmark of the NIO API over both providers, when this build has it. */
    static final String NIO_PING_PONG = "io.flyover.benchmarks.NioPingPongBenchmark";
    static final String MICRO = "io\\.flyover\\.benchmarks\\.(WireParsing|BufferPool|TcpSegment|ConnectionSetup|Checksum|ThreadHandoff)Benchmark\\..*";

    private ComparisonRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ComparisonRun RESULTS_DIR [--quick]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        boolean quick = args.length > 1 && "--quick".equals(args[1]);
        Files.createDirectories(dir);
        boolean nio = present(NIO_PING_PONG);
        int steps = nio ? 4 : 3;
        int step = 0;
        List<String> jsons = new ArrayList<>();

        progress(++step, steps, "TCP ping-pong round trip, Flyover and kernel (SampleTime)");
        Collection<RunResult> pingPong = run(options(quick, dir, "tcp-ping-pong.json", jsons)
                .include(TcpPingPongBenchmark.class.getName() + ".roundTrip").mode(Mode.SampleTime).timeUnit(TimeUnit.NANOSECONDS));
        if (nio) {
            progress(++step, steps, "NIO ping-pong over both providers (SampleTime)");
            run(options(quick, dir, "nio-ping-pong.json", jsons)
                    .include(NIO_PING_PONG + "\\..*").mode(Mode.SampleTime).timeUnit(TimeUnit.NANOSECONDS));
        }
        progress(++step, steps, "TCP bulk transfer, Flyover and kernel (Throughput)");
        Collection<RunResult> bulk = run(options(quick, dir, "tcp-bulk.json", jsons)
                .include(TcpBulkBenchmark.class.getName() + ".send").mode(Mode.Throughput).timeUnit(TimeUnit.SECONDS));
        progress(++step, steps, "micro-benchmarks: wire parsing, buffer pool, segment processing, connection setup, checksum, thread handoff");
        run(options(quick, dir, "micro.json", jsons).include(MICRO));

        List<TcpComparison.Figure> figures = new ArrayList<>(TcpComparison.pingPongFigures(pingPong));
        figures.addAll(TcpComparison.bulkFigures(bulk));
        String table = TcpComparison.table(figures);
        Files.writeString(dir.resolve("tcp-comparison.txt"), table, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(table);
        List<String> reportArgs = new ArrayList<>(List.of(dir.toString()));
        reportArgs.addAll(jsons);
        ComparisonReport.main(reportArgs.toArray(String[]::new));
    }

    private static ChainedOptionsBuilder options(boolean quick, Path dir, String json, List<String> jsons) {
        String file = dir.resolve(json).toString();
        jsons.add(file);
        return new OptionsBuilder().forks(1).addProfiler(GCProfiler.class)
                .warmupIterations(quick ? 1 : 3).warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(quick ? 2 : 5).measurementTime(TimeValue.seconds(quick ? 1 : 3))
                .resultFormat(ResultFormatType.JSON).result(file);
    }

    private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
        return new Runner(options.build()).run();
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, ComparisonRun.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static void progress(int step, int steps, String what) {
        System.out.printf("%n=== [%d/%d] %s%n", step, steps, what);
    }
}
