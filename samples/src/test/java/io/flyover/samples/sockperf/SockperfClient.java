package io.flyover.samples.sockperf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/** Runs Debian's real {@code sockperf} client and reads its summary. */
final class SockperfClient {
    private static final Path SOCKPERF = Path.of("/usr/bin/sockperf");
    /** Each run's output, for reading after the tests (the tests run at once: standard output would interleave). */
    private static final Path REPORTS = Path.of("target", "sockperf-reports");
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

    private SockperfClient() {}

    /** Fails under CI=true when sockperf is missing (.ci/run installs it); skips with one line otherwise. */
    static void requireInstalled() {
        if (!Files.isExecutable(SOCKPERF) && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but sockperf is not installed (.ci/run installs the Debian package sockperf)");
        }
        Assumptions.assumeTrue(Files.isExecutable(SOCKPERF), "skipped: sockperf is not installed (Debian package sockperf)");
    }

    /** Runs {@code sockperf MODE ARGS...}, asserts it exits 0 within a bound, and returns its report. */
    static Report run(String mode, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SOCKPERF.toString(), mode));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] bytes = p.getInputStream().readAllBytes(); // sockperf ends by itself after -t seconds
        boolean ended = p.waitFor(30, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = ANSI.matcher(new String(bytes, StandardCharsets.UTF_8)).replaceAll("");
        assertTrue(ended, "sockperf did not end: " + output);
        assertEquals(0, p.exitValue(), "sockperf " + command + " failed:\n" + output);
        Report report = new Report(String.join(" ", command), output);
        Files.createDirectories(REPORTS);
        Files.writeString(REPORTS.resolve(reportName(mode, args)), report.toString());
        return report;
    }

    /** "ping-pong--tcp-t1.txt": the mode and the options, without the address and port. */
    private static String reportName(String mode, String... args) {
        StringBuilder name = new StringBuilder(mode);
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-i") || args[i].equals("-p")) {
                i++;
            } else {
                name.append(args[i].replaceAll("[^A-Za-z0-9.-]", ""));
            }
        }
        return name + ".txt";
    }

    /** The figures sockperf prints at the end of a run. */
    record Report(String command, String output) {
        long totalSent() { return number("\\[Total Run\\].*?SentMessages=(\\d+)"); }
        long totalReceived() { return number("\\[Total Run\\].*?ReceivedMessages=(\\d+)"); }
        long validSent() { return number("\\[Valid Duration\\].*?SentMessages=(\\d+)"); }
        long validReceived() { return number("\\[Valid Duration\\].*?ReceivedMessages=(\\d+)"); }
        long dropped() { return number("# dropped messages = (\\d+)"); }
        long duplicated() { return number("# duplicated messages = (\\d+)"); }
        long outOfOrder() { return number("# out-of-order messages = (\\d+)"); }
        /** Throughput mode: messages the client sent during the test. */
        long sentInThroughputTest() { return number("Total of (\\d+) messages sent"); }
        long messageRate() { return number("Message Rate is (\\d+) \\[msg/sec\\]"); }

        /** Percentile (25 ... 99.999) to latency in microseconds, from the "---> percentile" lines. */
        TreeMap<Double, Double> percentiles() {
            TreeMap<Double, Double> table = new TreeMap<>();
            Matcher m = Pattern.compile("---> percentile\\s+([\\d.]+)\\s*=\\s*([\\d.]+)").matcher(output);
            while (m.find()) {
                table.put(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)));
            }
            return table;
        }

        double observation(String which) {
            Matcher m = Pattern.compile("---> <" + which + "> observation\\s*=\\s*([\\d.]+)").matcher(output);
            assertTrue(m.find(), "no <" + which + "> observation in:\n" + this);
            return Double.parseDouble(m.group(1));
        }

        private long number(String regex) {
            Matcher m = Pattern.compile(regex).matcher(output);
            assertTrue(m.find(), "no match for " + regex + " in:\n" + this);
            return Long.parseLong(m.group(1));
        }

        @Override
        public String toString() {
            return "$ " + command + "\n" + output;
        }
    }
}
