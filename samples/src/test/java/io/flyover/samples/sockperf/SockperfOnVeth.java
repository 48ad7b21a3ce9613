package io.flyover.samples.sockperf;

import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.Shell;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code sockperf} client in a namespace {@code fl-TAG} (198.18.N.1), against a server on this
 * side of a veth whose root end {@code fl-TAG0} has 198.18.N.2/24 in the root namespace: the server runs
 * there on Flyover over AF_XDP ({@code flyover.interfaces=fl-TAG0}) or on the kernel. The client's
 * interface sends full checksums ({@code tx off}), which AF_XDP needs; both arms see the same setting.
 */
final class SockperfOnVeth implements AutoCloseable {
    private static final Pattern TOTAL = Pattern.compile("\\[Total Run\\].*SentMessages=(\\d+); ReceivedMessages=(\\d+)");
    private static final Pattern VALID = Pattern.compile("\\[Valid Duration\\].*SentMessages=(\\d+); ReceivedMessages=(\\d+)");
    private static final Pattern DROPPED = Pattern.compile("# dropped messages = (\\d+); # duplicated messages = (\\d+); # out-of-order messages = (\\d+)");
    private static final Pattern PERCENTILE = Pattern.compile("---> (?:percentile (\\S+)|<(MAX|MIN)> observation) = +([0-9.]+)");
    private static final Pattern AVG = Pattern.compile("avg-latency=([0-9.]+)");
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

    final Namespace ns;
    final String link;

    private SockperfOnVeth(Namespace ns) {
        this.ns = ns;
        this.link = ns.hostLink();
    }

    static SockperfOnVeth open(String tag, int subnet) {
        Prerequisites.requireTools("ethtool", "sockperf");
        Namespace ns = Namespace.withVeth(tag, subnet);
        try {
            ns.setPeerOffloads("tx", "off");
            Shell.run("ip", "addr", "add", ns.localIpv4() + "/24", "dev", ns.hostLink());
            return new SockperfOnVeth(ns);
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /** What one {@code sockperf ping-pong} printed. Latencies are sockperf's: half the round trip, microseconds. */
    record Result(int exitCode, long sent, long received, long validSent, long validReceived, long dropped,
                  long duplicated, long outOfOrder, double avgUsec, Map<String, Double> percentilesUsec, String output) {
        /**
         * Every message of the measured window answered, none lost, duplicated or reordered; of the whole
         * run, at most the one ping in flight when sockperf's timer ended goes unanswered.
         */
        boolean complete() {
            return exitCode == 0 && validSent > 0 && validSent == validReceived && received >= sent - 1
                    && dropped == 0 && duplicated == 0 && outOfOrder == 0;
        }
    }

    /** Runs {@code sockperf ping-pong} from the namespace against {@code serverPort} on this side; extra arguments follow. */
    Result pingPong(int serverPort, boolean tcp, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("sockperf", "ping-pong", "-i", ns.localIpv4(), "-p",
                String.valueOf(serverPort)));
        if (tcp) {
            cmd.add("--tcp");
        }
        cmd.addAll(List.of(extra));
        Shell.Result r = ns.tryExec(cmd.toArray(String[]::new));
        return parse(r.exitCode(), ANSI.matcher(r.output()).replaceAll(""));
    }

    static Result parse(int exitCode, String out) {
        long[] total = pair(TOTAL.matcher(out));
        long[] valid = pair(VALID.matcher(out));
        Matcher d = DROPPED.matcher(out);
        long dropped = -1, dup = -1, ooo = -1;
        if (d.find()) {
            dropped = Long.parseLong(d.group(1));
            dup = Long.parseLong(d.group(2));
            ooo = Long.parseLong(d.group(3));
        }
        Matcher a = AVG.matcher(out);
        double avg = a.find() ? Double.parseDouble(a.group(1)) : Double.NaN;
        Map<String, Double> p = new LinkedHashMap<>();
        Matcher m = PERCENTILE.matcher(out);
        while (m.find()) {
            p.put(m.group(1) != null ? m.group(1) : m.group(2), Double.parseDouble(m.group(3)));
        }
        return new Result(exitCode, total[0], total[1], valid[0], valid[1], dropped, dup, ooo, avg, p, out);
    }

    private static long[] pair(Matcher m) {
        return m.find() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))} : new long[] {-1, -1};
    }

    @Override
    public void close() {
        ns.close();
    }
}
