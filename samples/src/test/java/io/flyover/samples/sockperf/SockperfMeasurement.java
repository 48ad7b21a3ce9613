package io.flyover.samples.sockperf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 6's benchmark, opt-in: Debian's {@code sockperf ping-pong} (kernel client in a namespace) against
 * {@link SockperfServer} on the same veth, served first by Flyover over AF_XDP, then (the device closed,
 * the veth the kernel's again) by the JDK's default provider, in one run; latency percentiles side by
 * side and their ratios. Nothing is asserted about time.
 *
 * <pre>
 * ./mvnw -q -o -pl samples -am verify -Dflyover.samples.excludedGroups= -Dtest=SockperfMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dflyover.it.test=none \
 *     [-Dflyover.sockperf.seconds=5] [-Dflyover.sockperf.warmup=3] [-Dflyover.sockperf.idle=backoff] \
 *     [-Dflyover.sockperf.spin=0]
 * </pre>
 * Each provider first serves {@code warmup} seconds of TCP and UDP ping-pong that are not measured: without
 * it the JIT compiling Flyover's stack puts millisecond round trips into the first two seconds (p99.9 of
 * 1.5 ms against 0.15 ms once warm), while the JDK provider, measured second, runs warm.
 * The figures print to standard output and to {@code samples/target/sockperf-measurement.txt}.
 */
@Tag("measurement")
class SockperfMeasurement {
    private static final String SECONDS = System.getProperty("flyover.sockperf.seconds", "5");
    /** Seconds of unmeasured ping-pong (TCP, then UDP) before each provider's measured runs; 0 for none. */
    private static final String WARMUP_SECONDS = System.getProperty("flyover.sockperf.warmup", "3");
    private static final List<String> SHOWN = List.of("MIN", "25.000", "50.000", "75.000", "90.000", "99.000", "99.900", "MAX");

    @Test
    void pingPongLatencyFlyoverOverAfXdpVersusTheKernel() throws Exception {
        try (SockperfOnVeth veth = SockperfOnVeth.open("spm", 74)) {
            InetSocketAddress at = new InetSocketAddress(InetAddress.ofLiteral(veth.ns.localIpv4()), 0);
            Map<String, SockperfOnVeth.Result> flyover;
            Map<String, String> settings = Map.of(
                    "flyover.interfaces", veth.link,
                    "flyover.idle", System.getProperty("flyover.sockperf.idle", "backoff"),
                    "flyover.spin.nanos", System.getProperty("flyover.sockperf.spin", "0"));
            try (FlyoverSelectorProvider provider = Flyover.provider(settings)) {
                flyover = run(veth, provider, at);
            }
            Map<String, SockperfOnVeth.Result> kernel = run(veth, JdkSelectorProvider.get(), at);

            StringBuilder out = new StringBuilder();
            out.append("sockperf ping-pong -t ").append(SECONDS).append(" after ").append(WARMUP_SECONDS)
                    .append(" s warm-up, one-way latency (usec, sockperf's RTT/2), settings ")
                    .append(settings).append('\n');
            for (String proto : flyover.keySet()) {
                SockperfOnVeth.Result f = flyover.get(proto);
                SockperfOnVeth.Result k = kernel.get(proto);
                assertTrue(f.complete(), f.output());
                assertTrue(k.complete(), k.output());
                out.append(String.format("%-4s %-10s %12s %12s %8s%n", proto, "", "flyover/xdp", "kernel", "fly/kern"));
                out.append(String.format("%-4s %-10s %12d %12d%n", proto, "messages", f.validReceived(), k.validReceived()));
                out.append(String.format("%-4s %-10s %12.3f %12.3f %8.2f%n", proto, "avg", f.avgUsec(), k.avgUsec(),
                        f.avgUsec() / k.avgUsec()));
                for (String p : SHOWN) {
                    double fv = f.percentilesUsec().getOrDefault(p, Double.NaN);
                    double kv = k.percentilesUsec().getOrDefault(p, Double.NaN);
                    out.append(String.format("%-4s %-10s %12.3f %12.3f %8.2f%n", proto, p, fv, kv, fv / kv));
                }
            }
            System.out.print(out);
            java.nio.file.Files.writeString(java.nio.file.Path.of("target", "sockperf-measurement.txt"), out);
        }
    }

    private static Map<String, SockperfOnVeth.Result> run(SockperfOnVeth veth, SelectorProvider provider,
                                                          InetSocketAddress at) throws Exception {
        SockperfServer server = SockperfServer.open(provider, at);
        int port = server.localAddress().getPort();
        Thread serving = Thread.ofPlatform().name("sockperf-server").start(server);
        Map<String, SockperfOnVeth.Result> results = new LinkedHashMap<>();
        try {
            if (!WARMUP_SECONDS.equals("0")) {
                // discarded: JIT compilation of the serving path (the whole stack for Flyover) otherwise
                // dominates the first seconds' tail, and the provider measured second would be warmer
                veth.pingPong(port, true, "-t", WARMUP_SECONDS);
                veth.pingPong(port, false, "-t", WARMUP_SECONDS);
            }
            results.put("tcp", veth.pingPong(port, true, "-t", SECONDS));
            results.put("udp", veth.pingPong(port, false, "-t", SECONDS));
        } finally {
            server.close();
            serving.join(10_000);
        }
        return results;
    }
}
