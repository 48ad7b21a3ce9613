package io.flyover.samples;

import java.io.PrintStream;
import java.util.List;

/**
 * The README's demo: the same ping-pong over Flyover and over the kernel, side by side, with the
 * ratios, and which path each socket took.
 */
public final class Demo {
    private static final int WARMUP = 20_000;
    private static final int ROUNDS = 100_000;
    private static final int PAYLOAD = 64;

    private Demo() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        out.println("Flyover demo: 64-byte UDP ping-pong, " + ROUNDS + " round trips after " + WARMUP + " warm-up, one thread");
        out.println("(Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs)");
        out.println();
        out.print("  kernel ... ");
        PingPongResult kernel = KernelUdpPingPong.run(WARMUP, ROUNDS, PAYLOAD);
        out.println("done");
        out.print("  Flyover ... ");
        PingPongResult flyover = FlyoverUdpPingPong.run(WARMUP, ROUNDS, PAYLOAD);
        out.println("done");
        printTable(out, List.of(kernel, flyover), kernel);
        out.println("  Paths: the kernel pair is two JDK DatagramChannels on 127.0.0.1 (system calls, the kernel's UDP/IP");
        out.println("  and loopback device); the Flyover pair is two Flyover stacks in this process (UDP, IPv4, ARP, Ethernet,");
        out.println("  checksums) joined by an in-process link, 198.18.0.1 <-> 198.18.0.2, never entering the kernel.");
        out.println("  The JDK channel API over Flyover (SelectorProvider) and real NICs are not in this demo yet.");
    }

    static void printTable(PrintStream out, List<PingPongResult> results, PingPongResult baseline) {
        out.println();
        out.printf("  %-58s %10s %10s %10s %8s%n", "path", "p50 (us)", "p99 (us)", "p99.9 (us)", "p50 x");
        for (PingPongResult r : results) {
            out.printf("  %-58s %10.2f %10.2f %10.2f %8.1f%n", r.path(), r.p50() / 1e3, r.p99() / 1e3, r.p999() / 1e3,
                    (double) baseline.p50() / r.p50());
        }
        out.println();
        out.println("  'p50 x' is how many times lower the round trip is than the kernel's in this same run.");
    }
}
