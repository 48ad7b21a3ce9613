package io.flyover.provider.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Prerequisites;
import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.channel.FlyoverSocketChannel;
import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Figures, not a test of speed: an unmodified NIO client sending, then receiving, {@code flyover.bulk.mib}
 * MiB over TCP to a kernel peer (python3) in a namespace, through Flyover's provider on the AF_XDP veth
 * and then through the JDK's provider on the same veth, in one run, the kernel both with its default
 * offloads (64 KiB segments through the veth) and without them (one packet at a time, as AF_XDP's copy
 * mode must go). Opt-in:
 * <pre>
 * ./mvnw -q -o -pl provider -am verify -Dflyover.provider.excludedGroups= -Dtest=BulkOverAfXdpMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dflyover.it.test=none [-Dflyover.bulk.mib=256]
 * </pre>
 */
@Tag("measurement")
class BulkOverAfXdpMeasurement {
    private static final int SINK_PORT = 7090;
    private static final int SOURCE_PORT = 7091;
    private static final long MIB = Long.getLong("flyover.bulk.mib", 256);
    private static final String PY_SINK = """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4)
            print("ready", flush=True)
            buf = bytearray(1 << 20)  # recv_into: recv(n) would map and unmap n bytes per call
            while True:
                c, _ = s.accept(); n = 0
                while True:
                    k = c.recv_into(buf)
                    if not k: break
                    n += k
                c.sendall(str(n).encode()); c.close()
            """;
    private static final String PY_SOURCE = """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4)
            print("ready", flush=True)
            chunk = b"x" * (1 << 20)
            while True:
                c, _ = s.accept()
                for _ in range(int(sys.argv[3])): c.sendall(chunk)
                c.close()
            """;

    @Test
    void bulkThroughFlyoverOverAfXdpVersusTheKernel() throws Exception {
        Prerequisites.requirePython();
        try (VethWithKernelPeer veth = VethWithKernelPeer.open("bk", 75)) {
            Process sink = veth.startAndAwait("ready", Prerequisites.PYTHON, "-c", PY_SINK, veth.ns.peerIpv4(),
                    String.valueOf(SINK_PORT));
            Process source = veth.startAndAwait("ready", Prerequisites.PYTHON, "-c", PY_SOURCE, veth.ns.peerIpv4(),
                    String.valueOf(SOURCE_PORT), String.valueOf(MIB));
            try {
                InetAddress peer = InetAddress.ofLiteral(veth.ns.peerIpv4());
                double[] flyover;
                try (FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.interfaces", veth.link))) {
                    flyover = run(provider, peer, true);
                }
                double[] kernel = run(JdkSelectorProvider.get(), peer, false);
                // the kernel again, one 1500-byte packet at a time as AF_XDP in copy mode must go: no
                // segmentation or receive offloads (GSO/TSO/GRO) on either end of the veth
                io.flyover.linux.testing.Shell.run("ethtool", "-K", veth.link, "gso", "off", "tso", "off", "gro", "off");
                veth.ns.exec("ethtool", "-K", veth.ns.peerInterface, "gso", "off", "tso", "off", "gro", "off");
                double[] perPacket = run(JdkSelectorProvider.get(), peer, false);
                String out = String.format("TCP bulk, %d MiB, NIO client vs a python3 kernel peer over a veth (MiB/s):%n"
                                + "  send:    flyover(af_xdp) %.1f, kernel %.1f (ratio %.2f), kernel without GSO/TSO/GRO %.1f (ratio %.2f)%n"
                                + "  receive: flyover(af_xdp) %.1f, kernel %.1f (ratio %.2f), kernel without GSO/TSO/GRO %.1f (ratio %.2f)%n",
                        MIB, flyover[0], kernel[0], flyover[0] / kernel[0], perPacket[0], flyover[0] / perPacket[0],
                        flyover[1], kernel[1], flyover[1] / kernel[1], perPacket[1], flyover[1] / perPacket[1]);
                System.out.print(out);
                java.nio.file.Files.writeString(java.nio.file.Path.of("target", "bulk-measurement.txt"), out);
            } finally {
                sink.destroyForcibly().waitFor();
                source.destroyForcibly().waitFor();
            }
        }
    }

    /** MiB/s sending to the sink, then receiving from the source. */
    private static double[] run(SelectorProvider provider, InetAddress peer, boolean offloaded) throws Exception {
        long bytes = MIB << 20;
        double send;
        try (SocketChannel c = provider.openSocketChannel()) {
            c.connect(new InetSocketAddress(peer, SINK_PORT));
            assertEquals(offloaded, !(c instanceof FlyoverSocketChannel f) ? false : f.isOffloaded());
            ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
            long start = System.nanoTime();
            for (long sent = 0; sent < bytes; ) {
                b.clear().limit((int) Math.min(b.capacity(), bytes - sent));
                sent += c.write(b);
            }
            c.shutdownOutput();
            ByteBuffer count = ByteBuffer.allocate(32);
            while (c.read(count) >= 0) {
                // until the sink closes after its count
            }
            send = MIB / ((System.nanoTime() - start) / 1e9);
            assertEquals(String.valueOf(bytes), new String(count.array(), 0, count.position(), StandardCharsets.US_ASCII));
        }
        double receive;
        try (SocketChannel c = provider.openSocketChannel()) {
            c.connect(new InetSocketAddress(peer, SOURCE_PORT));
            ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
            long start = System.nanoTime();
            long got = 0;
            int n;
            while ((n = c.read(b.clear())) >= 0) {
                got += n;
            }
            receive = MIB / ((System.nanoTime() - start) / 1e9);
            assertTrue(got == bytes, got + " of " + bytes);
        }
        return new double[] {send, receive};
    }
}
