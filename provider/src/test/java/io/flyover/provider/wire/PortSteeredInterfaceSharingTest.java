package io.flyover.provider.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Prerequisites;
import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.channel.FlyoverSocketChannel;
import io.flyover.provider.runtime.StackRuntime;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code flyover.xdp.steering=ports}: the provider accelerates a veth over AF_XDP steering only the ports
 * its sockets hold, so a socket a {@code kernel} rule sends to the kernel on that same interface and
 * address works beside an offloaded one (with whole-queue steering its replies would go to Flyover's stack).
 */
@Timeout(60)
class PortSteeredInterfaceSharingTest {
    private static final int OFFLOADED_PORT = 7080;
    private static final int KERNEL_PORT = 7081;

    @Test
    void anOffloadedAndAKernelRuledConnectionShareTheInterface() throws Exception {
        Prerequisites.requirePython();
        try (VethWithKernelPeer veth = VethWithKernelPeer.open("e2p", 78);
             FlyoverSelectorProvider provider = Flyover.provider(Map.of(
                     "flyover.interfaces", veth.link,
                     "flyover.device", "af_xdp",
                     "flyover.xdp.steering", "ports",
                     "flyover.rules", "kernel tcp_client *:" + KERNEL_PORT))) {
            Process offloadedEcho = veth.startAndAwait("ready", Prerequisites.PYTHON, "-c",
                    OffloadDecidedEndToEndTest.PY_ECHO, veth.ns.peerIpv4(), String.valueOf(OFFLOADED_PORT));
            Process kernelEcho = veth.startAndAwait("ready", Prerequisites.PYTHON, "-c",
                    OffloadDecidedEndToEndTest.PY_ECHO, veth.ns.peerIpv4(), String.valueOf(KERNEL_PORT));
            try {
                StackRuntime stack = provider.stacks().stream()
                        .filter(r -> r.interfaceName().equals(veth.link)).findFirst().orElseThrow();
                stack.lock();
                try {
                    assertTrue(stack.stack().device().name().startsWith("af_xdp:" + veth.link),
                            stack.stack().device().name());
                } finally {
                    stack.unlock();
                }
                InetAddress peer = InetAddress.ofLiteral(veth.ns.peerIpv4());
                InetSocketAddress offloadedLocal;
                try (SocketChannel offloaded = provider.openSocketChannel();
                     SocketChannel kernel = provider.openSocketChannel()) {
                    offloaded.connect(new InetSocketAddress(peer, OFFLOADED_PORT));
                    kernel.connect(new InetSocketAddress(peer, KERNEL_PORT));
                    assertTrue(((FlyoverSocketChannel) offloaded).isOffloaded(), "routed through the accelerated veth");
                    assertTrue(((FlyoverSocketChannel) kernel).isKernel(), "the kernel rule");
                    for (int round = 0; round < 3; round++) {
                        assertEquals("offloaded " + round, echo(offloaded, "offloaded " + round));
                        assertEquals("kernel " + round, echo(kernel, "kernel " + round));
                    }
                    // the root kernel holds the kernel-ruled connection on the shared address, not the offloaded one
                    String kernelView = VethWithKernelPeer.kernelConnectionsTo(veth.ns.peerIpv4());
                    assertTrue(lists(kernelView, veth.ns.peerIpv4(), KERNEL_PORT), kernelView);
                    assertTrue(!lists(kernelView, veth.ns.peerIpv4(), OFFLOADED_PORT), kernelView);

                    // the offloaded connection's ephemeral port came from the kernel and is held there: a
                    // kernel socket on the shared address cannot draw it (and lose its replies to Flyover)
                    InetSocketAddress local = (InetSocketAddress) offloaded.getLocalAddress();
                    offloadedLocal = local;
                    String[] range = java.nio.file.Files.readAllLines( // readString sees procfs's size 0
                            java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst().trim().split("\\s+");
                    assertTrue(local.getPort() >= Integer.parseInt(range[0]) && local.getPort() <= Integer.parseInt(range[1]),
                            "in the kernel's ephemeral range " + String.join("-", range) + ": " + local);
                    try (SocketChannel squatter = io.flyover.provider.kernel.JdkSelectorProvider.get().openSocketChannel()) {
                        org.junit.jupiter.api.Assertions.assertThrows(java.net.BindException.class, () -> squatter.bind(local),
                                "the kernel holds " + local + " for the offloaded connection");
                    }
                    // so does an unbound datagram channel connected over Flyover
                    try (java.nio.channels.DatagramChannel udp = provider.openDatagramChannel()) {
                        udp.connect(new InetSocketAddress(peer, OFFLOADED_PORT));
                        assertTrue(((io.flyover.provider.channel.FlyoverDatagramChannel) udp).isOffloaded());
                        int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
                        assertTrue(port >= Integer.parseInt(range[0]) && port <= Integer.parseInt(range[1]),
                                "in the kernel's ephemeral range: " + port);
                        try (java.nio.channels.DatagramChannel squatter =
                                     io.flyover.provider.kernel.JdkSelectorProvider.get().openDatagramChannel()) {
                            org.junit.jupiter.api.Assertions.assertThrows(java.net.BindException.class,
                                    () -> squatter.bind(new InetSocketAddress(local.getAddress(), port)),
                                    "the kernel holds UDP port " + port + " for the offloaded datagram channel");
                        }
                    }
                }
                // closed by the application, the connection still holds its port through FIN-WAIT and
                // TIME-WAIT, and so does the kernel socket that reserved it
                try (SocketChannel squatter = io.flyover.provider.kernel.JdkSelectorProvider.get().openSocketChannel()) {
                    org.junit.jupiter.api.Assertions.assertThrows(java.net.BindException.class,
                            () -> squatter.bind(offloadedLocal), "still held after close: " + offloadedLocal);
                }
            } finally {
                offloadedEcho.destroyForcibly().waitFor();
                kernelEcho.destroyForcibly().waitFor();
            }
        }
    }

    /** Whether {@code ss} output names {@code ip:port} (plain, or IPv4-mapped in brackets for a dual-stack socket). */
    private static boolean lists(String ss, String ip, int port) {
        return ss.contains(" " + ip + ":" + port) || ss.contains(":" + ip + "]:" + port);
    }

    private static String echo(SocketChannel c, String message) throws Exception {
        ByteBuffer out = ByteBuffer.wrap(message.getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            c.write(out);
        }
        ByteBuffer in = ByteBuffer.allocate(message.length());
        while (in.hasRemaining()) {
            if (c.read(in) < 0) {
                throw new java.io.EOFException("closed after " + in.position() + " bytes");
            }
        }
        return new String(in.array(), StandardCharsets.US_ASCII);
    }
}
