package io.flyover.provider.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Prerequisites;
import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.channel.FlyoverSocketChannel;
import io.flyover.provider.config.DeviceStacksProbe;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.runtime.StackRuntime;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 7 on a real interface without RDMA: {@code flyover.device=verbs} cannot drive the veth, says so in
 * one line, and the veth's sockets work through the kernel; without a choice, the factory order skips
 * verbs and AF_XDP drives it.
 */
@Timeout(60)
class DeviceFallbackOnVethTest {
    private static final int ECHO_PORT = 7071;

    @Test
    void verbsAskedForOnAVethLogsOneLineAndSocketsGoThroughTheKernel() throws Exception {
        Prerequisites.requirePython();
        try (VethWithKernelPeer veth = VethWithKernelPeer.open("e2f", 71)) {
            List<String> lines = new ArrayList<>();
            Optional<StackRuntime> none = DeviceStacksProbe.open(veth.link, Map.of("flyover.device", "verbs"), lines::add);
            assertTrue(none.isEmpty());
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.getFirst().contains("flyover.device=verbs cannot drive " + veth.link)
                    && lines.getFirst().contains("RDMA"), lines.getFirst());

            Process echo = veth.startAndAwait("ready", Prerequisites.PYTHON, "-c", OffloadDecidedEndToEndTest.PY_ECHO,
                    veth.ns.peerIpv4(), String.valueOf(ECHO_PORT));
            try (FlyoverSelectorProvider provider = Flyover.provider(Map.of(
                         "flyover.interfaces", veth.link, "flyover.device", "verbs"));
                 SocketChannel c = provider.openSocketChannel()) {
                assertTrue(provider.stacks().stream().noneMatch(r -> r.interfaceName().equals(veth.link)),
                        "no stack took the veth");
                c.connect(new InetSocketAddress(InetAddress.ofLiteral(veth.ns.peerIpv4()), ECHO_PORT));
                assertTrue(((FlyoverSocketChannel) c).isKernel());
                byte[] msg = "through the kernel".getBytes(StandardCharsets.US_ASCII);
                c.write(ByteBuffer.wrap(msg));
                ByteBuffer in = ByteBuffer.allocate(msg.length);
                while (in.hasRemaining() && c.read(in) >= 0) {
                    // blocking read until the echo is back
                }
                assertEquals(new String(msg, StandardCharsets.US_ASCII), new String(in.array(), StandardCharsets.US_ASCII));
                assertEquals(1, provider.counters().kernel(SocketRole.TCP_CLIENT));
                assertEquals(0, provider.counters().offloaded(SocketRole.TCP_CLIENT));
                assertTrue(!VethWithKernelPeer.kernelConnectionsTo(veth.ns.peerIpv4()).isEmpty(),
                        "the root kernel holds the connection");
            } finally {
                echo.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void withoutAChoiceAfXdpComesFirstWhereVerbsCannotServe() {
        Prerequisites.requireNetworkAdmin();
        try (VethWithKernelPeer veth = VethWithKernelPeer.open("e2g", 72)) {
            List<String> loaded = java.util.ServiceLoader.load(io.flyover.stack.device.NetDeviceFactory.class).stream()
                    .map(p -> p.get().kind()).toList();
            assertTrue(loaded.contains("verbs") && loaded.contains("af_xdp"), "both factories on the class path: " + loaded);
            List<String> kinds = DeviceStacksProbe.kindsInOrder(veth.link);
            assertTrue(!kinds.contains("verbs"), "no RDMA device behind a veth: " + kinds);
            assertEquals("af_xdp", kinds.getFirst(), kinds.toString());
        }
    }
}
