package io.flyover.provider.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class OffloadRulesTest {
    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    private static final String RULES = """
            # DNS stays with the kernel, as XLIO ships it
            kernel    udp_sender    *:53
            offload   tcp_client    198.18.0.0/15:*     # the test network
            kernel    tcp_client    198.18.7.0/24:22
            offload   tcp_server    *:8080-8090
            kernel    tcp_client    [fd00::]/8:22
            offload   udp_receiver  [fd42::1]:9000
            """;

    @Test
    void firstMatchWins() {
        OffloadRules r = OffloadRules.parse(RULES, "test.conf");
        assertEquals(6, r.rules().size());
        assertEquals(OffloadPath.OFFLOAD, r.firstMatch(SocketRole.TCP_CLIENT, ip("198.18.7.1"), 22).orElseThrow().path(),
                "the earlier /15 offload rule shadows the later /24 kernel rule");
        assertEquals("test.conf:3", r.firstMatch(SocketRole.TCP_CLIENT, ip("198.19.255.255"), 1).orElseThrow().source());
        assertTrue(r.firstMatch(SocketRole.TCP_CLIENT, ip("198.20.0.1"), 80).isEmpty());
        assertEquals(OffloadPath.KERNEL, r.firstMatch(SocketRole.UDP_SENDER, ip("9.9.9.9"), 53).orElseThrow().path());
        assertTrue(r.firstMatch(SocketRole.UDP_CONNECT, ip("9.9.9.9"), 53).isEmpty(), "roles are distinct");
    }

    @Test
    void portRangesAndIpv6Brackets() {
        OffloadRules r = OffloadRules.parse(RULES, "test.conf");
        assertTrue(r.firstMatch(SocketRole.TCP_SERVER, ip("0.0.0.0"), 8090).isPresent());
        assertFalse(r.firstMatch(SocketRole.TCP_SERVER, ip("0.0.0.0"), 8091).isPresent());
        assertEquals(OffloadPath.KERNEL, r.firstMatch(SocketRole.TCP_CLIENT, ip("fdff::1"), 22).orElseThrow().path());
        assertTrue(r.firstMatch(SocketRole.UDP_RECEIVER, ip("fd42::1"), 9000).isPresent());
        assertFalse(r.firstMatch(SocketRole.UDP_RECEIVER, ip("fd42::2"), 9000).isPresent(), "no prefix means the host");
    }

    @Test
    void semicolonsSeparateRulesInOneProperty() {
        OffloadRules r = OffloadRules.parse("kernel tcp_client *:22; offload tcp_client *", "-Dflyover.rules");
        assertEquals(2, r.rules().size());
        assertEquals("-Dflyover.rules:2", r.rules().get(1).source());
    }

    @Test
    void badLinesAreErrorsThatNameTheLine() {
        assertError("offload tcp_client", "rule 1");
        assertError("use tcp_client *", "action must be");
        assertError("offload tcp_peer *", "unknown role 'tcp_peer'");
        assertError("offload tcp_client 198.18.0.0/33", "prefix length 33");
        assertError("offload tcp_client 198.18.0.0:70000", "port 70000");
        assertError("offload tcp_client 198.18.0.0:90-80", "is empty");
        assertError("offload tcp_client fd00::1:80", "brackets");
        assertError("offload tcp_client [fd00::1:80", "unclosed");
        assertError("offload tcp_client example.com:80", "not an IPv4");
        assertError("\n\nkernel tcp_client abc", "rule 3");
    }

    private static void assertError(String text, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OffloadRules.parse(text, "x.conf"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("x.conf"), e.getMessage());
    }
}
