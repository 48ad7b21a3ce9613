package io.flyover.samples.sockperf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.runtime.StackRuntime;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6, functional half: the real {@code sockperf} client (in a namespace, on the kernel) plays
 * ping-pong with {@link SockperfServer} running on Flyover over AF_XDP, a few hundred messages on TCP
 * and on UDP, none lost, all answered through Flyover's stack (its counters, not the kernel's).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SockperfOverAfXdpTest {

    @Test
    void sockperfPingPongAgainstTheServerOnFlyoverOverAfXdp() throws Exception {
        try (SockperfOnVeth veth = SockperfOnVeth.open("spf", 73);
             FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.interfaces", veth.link))) {
            StackRuntime stack = provider.stacks().stream()
                    .filter(r -> r.interfaceName().equals(veth.link)).findFirst().orElseThrow();
            SockperfServer server = SockperfServer.open(provider,
                    new InetSocketAddress(InetAddress.ofLiteral(veth.ns.localIpv4()), 0));
            int port = server.localAddress().getPort();
            Thread serving = Thread.ofPlatform().name("sockperf-server").start(server);
            long rxBefore = stack.counters().rxFrames();
            SockperfOnVeth.Result tcp;
            SockperfOnVeth.Result udp;
            try {
                tcp = veth.pingPong(port, true, "-t", "1", "--mps", "300");
                udp = veth.pingPong(port, false, "-t", "1", "--mps", "300");
            } finally {
                server.close();
                serving.join(10_000);
            }
            assertTrue(tcp.complete(), tcp.output());
            assertTrue(udp.complete(), udp.output());
            assertTrue(tcp.sent() >= 100 && udp.sent() >= 100, "a few hundred messages each: " + tcp.sent() + ", " + udp.sent());
            assertTrue(tcp.percentilesUsec().containsKey("50.000"), tcp.output());

            assertEquals(1, provider.counters().offloaded(SocketRole.TCP_SERVER));
            assertEquals(1, provider.counters().offloaded(SocketRole.UDP_RECEIVER));
            assertEquals(1, provider.counters().accepted(OffloadPath.OFFLOAD), "sockperf's TCP connection came through Flyover");
            SockperfCounters c = server.counters();
            assertTrue(c.replies() >= tcp.received() + udp.received(),
                    "the server answered every message sockperf got back: " + c.replies());
            assertEquals(0, c.malformed());
            assertTrue(stack.counters().rxFrames() - rxBefore >= tcp.sent() + udp.sent(),
                    "the veth's Flyover stack received the pings");
        }
    }
}
