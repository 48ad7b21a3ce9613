package io.flyover.linux.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.Shell;
import io.flyover.linux.testing.StackOnLink;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Figures, not a test of speed: the bulk transfer both ways and ping, once between two kernels (two
 * namespaces joined by a veth, default offloads) and once between a stack on AF_XDP and the kernel,
 * in the same run, printed with their ratio. Opt-in:
 * {@code ./mvnw -o -pl linux-ffm -am verify -Dflyover.linux.excludedGroups= -Dtest=KernelComparisonMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false}; size with {@code -Dflyover.interop.transferBytes}.
 */
@Tag("measurement")
class KernelComparisonMeasurement {
    private static final Pattern RTT = Pattern.compile("rtt min/avg/max/mdev = ([0-9.]+)/([0-9.]+)/([0-9.]+)");

    @Test
    void bulkTransferAndPingAgainstTheKernelPath() throws Exception {
        Prerequisites.requireNetworkAdmin();
        long bytes = Long.getLong("flyover.interop.transferBytes", 256L << 20);
        double mib = bytes / (1024.0 * 1024.0);

        double kernelSeconds;
        String kernelPing;
        Shell.tryRun("ip", "netns", "del", "fl-ka");
        Shell.tryRun("ip", "netns", "del", "fl-kb");
        try {
            Shell.run("ip", "netns", "add", "fl-ka");
            Shell.run("ip", "netns", "add", "fl-kb");
            Shell.run("ip", "link", "add", "fl-ka0", "netns", "fl-ka", "type", "veth", "peer", "name", "fl-kb0",
                    "netns", "fl-kb");
            Shell.run("ip", "-n", "fl-ka", "addr", "add", "198.18.66.1/24", "dev", "fl-ka0");
            Shell.run("ip", "-n", "fl-kb", "addr", "add", "198.18.66.2/24", "dev", "fl-kb0");
            Shell.run("ip", "-n", "fl-ka", "link", "set", "fl-ka0", "up");
            Shell.run("ip", "-n", "fl-kb", "link", "set", "fl-kb0", "up");
            kernelPing = Shell.run("ip", "netns", "exec", "fl-ka", "ping", "-n", "-c", "20", "-i", "0.05", "198.18.66.2");
            try (KernelPeerProcess server = KernelPeerProcess.start("fl-kb", "transfer-server", "198.18.66.2",
                    "9000", String.valueOf(bytes), "2")) {
                server.await("LISTENING", 60, TimeUnit.SECONDS);
                try (KernelPeerProcess client = KernelPeerProcess.start("fl-ka", "transfer-client",
                        "198.18.66.2", "9000", String.valueOf(bytes), "1")) {
                    String elapsed = client.await("ELAPSED_NANOS", 300, TimeUnit.SECONDS);
                    kernelSeconds = Long.parseLong(elapsed.split(" ")[1]) / 1e9;
                    assertEquals(client.await("SENT", 10, TimeUnit.SECONDS).substring(5),
                            server.await("RECEIVED", 30, TimeUnit.SECONDS).substring(9));
                }
            }
        } finally {
            Shell.tryRun("ip", "netns", "del", "fl-ka");
            Shell.tryRun("ip", "netns", "del", "fl-kb");
        }

        double flyoverSeconds;
        String flyoverPing;
        try (StackOnLink link = StackOnLink.open(StackOnLink.Kind.AF_XDP, "im", 67)) {
            flyoverPing = link.ns.exec("ping", "-n", "-c", "20", "-i", "0.05", link.ns.localIpv4());
            flyoverSeconds = XdpTransferInteropTest.transfer(link, true, bytes, "AF_XDP measured").elapsedNanos() / 1e9;
        }
        double kernelRate = mib / kernelSeconds;
        double flyoverRate = mib / flyoverSeconds;
        System.out.printf("transfer %.0f MiB each way at once: kernel<->kernel %.1f MiB/s per direction, "
                + "stack(AF_XDP)<->kernel %.1f MiB/s: ratio %.2f%n", mib, kernelRate, flyoverRate, flyoverRate / kernelRate);
        double kernelRtt = avgRtt(kernelPing);
        double flyoverRtt = avgRtt(flyoverPing);
        System.out.printf("ping avg RTT: kernel->kernel %.3f ms, kernel->stack(AF_XDP) %.3f ms: ratio %.2f%n",
                kernelRtt, flyoverRtt, flyoverRtt / kernelRtt);
    }

    private static double avgRtt(String ping) {
        Matcher m = RTT.matcher(ping);
        if (!m.find()) {
            throw new AssertionError("no rtt line in:\n" + ping);
        }
        return Double.parseDouble(m.group(2));
    }
}
