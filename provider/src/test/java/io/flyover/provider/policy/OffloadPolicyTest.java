package io.flyover.provider.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OffloadPolicyTest {
    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    private static final KernelRoutingTable ROUTES = new KernelRoutingTable(List.of(
            new KernelRoute(ip("0.0.0.0"), 0, ip("192.0.2.1"), 0, "eth0"),
            new KernelRoute(ip("198.18.0.0"), 15, null, 0, "fl0"),
            new KernelRoute(ip("fd42::"), 48, null, 0, "fl0")));

    private static OffloadPolicy policy(String rules, boolean loopbackOffload) {
        return new OffloadPolicy(OffloadRules.parse(rules, "rules"), () -> ROUTES, Set.of("fl0")::contains, loopbackOffload);
    }

    @Test
    void routeThroughAServedInterfaceIsOffloaded() {
        OffloadDecision d = policy("", false).decide(SocketRole.TCP_CLIENT, ip("198.18.0.2"), 80);
        assertTrue(d.offloaded());
        assertEquals("fl0", d.interfaceName());
        assertTrue(policy("", false).decide(SocketRole.UDP_CONNECT, ip("fd42::7"), 9).offloaded());
    }

    @Test
    void routeThroughAnotherInterfaceGoesToTheKernel() {
        OffloadDecision d = policy("", false).decide(SocketRole.TCP_CLIENT, ip("203.0.113.5"), 443);
        assertFalse(d.offloaded());
        assertNull(d.interfaceName());
        assertTrue(d.reason().contains("eth0"), d.reason());
        assertTrue(policy("", false).decide(SocketRole.TCP_CLIENT, ip("2001:db8::1"), 1).reason().startsWith("no route"));
    }

    @Test
    void kernelRuleBeatsTheRoute() {
        OffloadDecision d = policy("kernel tcp_client 198.18.0.9:*", false).decide(SocketRole.TCP_CLIENT, ip("198.18.0.9"), 80);
        assertFalse(d.offloaded());
        assertEquals("rule rules:1", d.reason());
    }

    @Test
    void offloadRuleCannotSendTrafficWhereNoDeviceReaches() {
        assertFalse(policy("offload tcp_client *", false).decide(SocketRole.TCP_CLIENT, ip("203.0.113.5"), 1).offloaded());
    }

    @Test
    void loopbackFollowsTheLoopbackOffloadSwitch() {
        assertFalse(policy("", false).decide(SocketRole.TCP_CLIENT, ip("127.0.0.1"), 6379).offloaded());
        OffloadDecision on = policy("", true).decide(SocketRole.TCP_CLIENT, ip("::1"), 6379);
        assertTrue(on.offloaded());
        assertEquals("lo", on.interfaceName());
        assertFalse(policy("kernel tcp_client 127.0.0.0/8:6379", true).decide(SocketRole.TCP_CLIENT, ip("127.0.0.1"), 6379).offloaded());
    }

    @Test
    void wildcardBindsAreOffloadedAndWildcardRemotesAreNot() {
        assertTrue(policy("", false).decide(SocketRole.TCP_SERVER, ip("0.0.0.0"), 8080).offloaded());
        assertTrue(policy("", false).decide(SocketRole.UDP_RECEIVER, ip("::"), 8080).offloaded());
        assertFalse(policy("", false).decide(SocketRole.UDP_SENDER, ip("0.0.0.0"), 8080).offloaded());
    }
}
