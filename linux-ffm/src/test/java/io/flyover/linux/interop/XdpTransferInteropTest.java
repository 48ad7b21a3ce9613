package io.flyover.linux.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Shell;
import io.flyover.linux.testing.StackOnLink;
import io.flyover.stack.SeededRandom;
import io.flyover.stack.StackConfig;
import io.flyover.stack.device.soft.ImpairedDevice;
import io.flyover.stack.device.soft.Impairment;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bulk TCP both ways at once between a Flyover stack on AF_XDP and a kernel-socket JVM in the
 * namespace: every byte arrives, in order, proven by equal SHA-256 digests on the sending and the
 * receiving side of each direction.
 *
 * <p>Sizes, each way: {@code -Dflyover.interop.transferBytes} (IPv4, default 256 MiB),
 * {@code -Dflyover.interop.transferBytes.ipv6} (default 256 MiB),
 * {@code -Dflyover.interop.impairedBytes} (both impaired runs, default 32 MiB: loss makes them several
 * times slower); the impairment's seed: {@code -Dflyover.interop.impairmentSeed}.
 */
class XdpTransferInteropTest {
    static final long MIB = 1L << 20;
    static final int PORT = 9000;

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void bulkBothWaysAtOnceArrivesIntact(boolean v4) throws Exception {
        long bytes = v4 ? Long.getLong("flyover.interop.transferBytes", 256 * MIB)
                : Long.getLong("flyover.interop.transferBytes.ipv6", 256 * MIB);
        try (StackOnLink link = StackOnLink.open(StackOnLink.Kind.AF_XDP, "ib", 63)) {
            transfer(link, v4, bytes, "AF_XDP " + (v4 ? "IPv4" : "IPv6"));
        }
    }

    /**
     * The same with Flyover's own {@link ImpairedDevice} between the stack and AF_XDP, both ways:
     * frames lost, duplicated, held back (reordered) and bit-flipped, so that loss recovery, reassembly,
     * duplicate detection and checksums of both TCPs work against each other.
     */
    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void bulkBothWaysOverAnImpairedLinkArrivesIntact(boolean v4) throws Exception {
        long bytes = Long.getLong("flyover.interop.impairedBytes", 32 * MIB);
        long seed = Long.getLong("flyover.interop.impairmentSeed", 20_251_201L);
        Impairment impairment = Impairment.builder().loss(0.01).duplicate(0.01).reorder(0.02, 300_000).corrupt(0.001)
                .build();
        ImpairedDevice[] impaired = new ImpairedDevice[1];
        try (StackOnLink link = StackOnLink.open(StackOnLink.Kind.AF_XDP, "iq", 64, true, StackConfig.builder(),
                device -> impaired[0] = new ImpairedDevice(device, impairment, impairment, new SeededRandom(seed)))) {
            transfer(link, v4, bytes, "AF_XDP impaired (seed " + seed + ") " + (v4 ? "IPv4" : "IPv6"));
            String report = link.runner.call(() -> impaired[0].toString());
            System.out.println("  " + report);
            long[] counts = link.runner.call(() -> new long[] {
                    impaired[0].transmitStage().lost() + impaired[0].receiveStage().lost(),
                    impaired[0].transmitStage().duplicated() + impaired[0].receiveStage().duplicated(),
                    impaired[0].transmitStage().reordered() + impaired[0].receiveStage().reordered()});
            assertTrue(counts[0] > 0 && counts[1] > 0 && counts[2] > 0, "the link really was impaired: " + report);
        }
    }

    /** Connects from the stack to a {@link KernelPeer} transfer server and moves {@code bytes} each way. */
    static FlyoverTransfer transfer(StackOnLink link, boolean v4, long bytes, String label) throws Exception {
        try (KernelPeerProcess peer = KernelPeerProcess.start(link.ns, "transfer-server", link.peerAddress(v4),
                String.valueOf(PORT), String.valueOf(bytes), "2")) {
            assertTrue(peer.await("PROVIDER", 60, TimeUnit.SECONDS).startsWith("PROVIDER sun.nio.ch."),
                    "the peer runs on the JDK's kernel sockets");
            peer.await("LISTENING", 60, TimeUnit.SECONDS);
            FlyoverTransfer t = FlyoverTransfer.start(link, v4, PORT, bytes, 1);
            assertEquals("ACCEPTED " + link.address(v4), peer.await("ACCEPTED", 30, TimeUnit.SECONDS),
                    "the kernel saw the stack's address");
            awaitWithProgress(link, t);
            assertNull(t.failure(), t.toString());
            String peerReceived = peer.await("RECEIVED", 30, TimeUnit.SECONDS);
            String peerSent = peer.await("SENT", 30, TimeUnit.SECONDS);
            assertEquals(0, peer.waitFor(30, TimeUnit.SECONDS), peer.output());
            assertEquals("RECEIVED " + bytes + " " + t.sentSha256(), peerReceived, "stack -> kernel");
            assertEquals("SENT " + bytes + " " + t.receivedSha256(), peerSent, "kernel -> stack");
            assertEquals(bytes, t.received());
            String stats = link.runner.call(() -> link.stack.counters() + "; tcp "
                    + t.connectionReport(link.stack.tcp().stats()));
            System.out.println(label + ": " + bytes / MIB + " MiB each way: " + t.rates() + "; stack " + stats
                    + "; runner " + link.runner.activity() + "; kernel " + kernelTcpCounters(link));
            return t;
        }
    }

    /** The namespace kernel's view of loss and recovery ({@code nstat}, iproute2). */
    static String kernelTcpCounters(StackOnLink link) {
        Shell.Result r = link.ns.tryExec("nstat", "-az", "TcpOutSegs", "TcpRetransSegs", "TcpExtTCPLossProbes",
                "TcpExtTCPSACKRecovery", "TcpExtTCPDSACKRecv", "TcpExtTCPOFOQueue", "TcpInErrs", "TcpInCsumErrors");
        StringBuilder b = new StringBuilder();
        for (String line : r.output().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && !line.startsWith("#")) {
                b.append(f[0].replace("TcpExt", "")).append('=').append(f[1]).append(' ');
            }
        }
        return b.toString().trim();
    }

    /** Waits while the transfer moves; fails when it stops moving for 30 s (no limit on the whole). */
    private static void awaitWithProgress(StackOnLink link, FlyoverTransfer t) {
        long lastMoved = System.nanoTime();
        long lastCount = -1;
        while (!link.runner.await(t::finished, TimeUnit.SECONDS.toNanos(1))) {
            long count = t.sent() + t.received();
            if (count != lastCount) {
                lastCount = count;
                lastMoved = System.nanoTime();
            } else if (System.nanoTime() - lastMoved > TimeUnit.SECONDS.toNanos(30)) {
                throw new AssertionError("transfer stalled for 30 s: " + t);
            }
        }
    }
}
