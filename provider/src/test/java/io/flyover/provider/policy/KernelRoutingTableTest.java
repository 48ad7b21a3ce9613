package io.flyover.provider.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The /proc formats as the kernel writes them (the canned files are copies of real ones, edited). */
class KernelRoutingTableTest {

    private static KernelRoutingTable canned() throws URISyntaxException {
        Path dir = Path.of(KernelRoutingTableTest.class.getResource("/proc/route").toURI()).getParent();
        return KernelRoutingTable.read(dir.resolve("route"), dir.resolve("ipv6_route"));
    }

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    @Test
    void parsesIpv4RoutesInKernelByteOrderAndSkipsRejectAndGarbage() throws Exception {
        KernelRoutingTable t = canned();
        KernelRoute def = t.routes().getFirst();
        assertEquals(ip("0.0.0.0"), def.destination());
        assertEquals(0, def.prefixLength());
        assertEquals(ip("192.0.2.1"), def.gateway());
        assertEquals(100, def.metric());
        KernelRoute connected = t.routes().get(1);
        assertEquals(ip("192.0.2.0"), connected.destination());
        assertEquals(24, connected.prefixLength());
        assertNull(connected.gateway());
        assertTrue(t.routes().stream().noneMatch(r -> r.interfaceName().equals("bad") || r.interfaceName().equals("rej")));
    }

    @Test
    void longestPrefixWinsThenLowestMetric() throws Exception {
        KernelRoutingTable t = canned();
        assertEquals(Optional.of("fl2"), t.lookup(ip("198.18.1.7")), "/24 beats /15");
        assertEquals(Optional.of("fl0"), t.lookup(ip("198.18.200.1")), "equal /15: metric 0 beats 50");
        assertEquals(Optional.of("eth0"), t.lookup(ip("203.0.113.9")), "default route");
        assertEquals(Optional.of("fl0"), t.lookup(ip("198.19.0.1")), "the rejected /24 inside the /15 does not count");
    }

    @Test
    void parsesIpv6RoutesAndIgnoresLoopbackDeviceEntries() throws Exception {
        KernelRoutingTable t = canned();
        assertEquals(Optional.of("fl0"), t.lookup(ip("fd42::9")));
        assertEquals(Optional.of("eth0"), t.lookup(ip("fd00::5")));
        assertEquals(ip("fd00::1"), t.bestRoute(ip("2001:db8::1")).orElseThrow().gateway());
        assertTrue(t.routes().stream().noneMatch(r -> r.interfaceName().equals("lo")));
    }

    @Test
    void loopbackIsAnsweredWithoutTheTable() {
        KernelRoutingTable empty = new KernelRoutingTable(java.util.List.of());
        assertEquals(Optional.of("lo"), empty.lookup(ip("127.0.0.1")));
        assertEquals(Optional.of("lo"), empty.lookup(ip("127.9.9.9")));
        assertEquals(Optional.of("lo"), empty.lookup(ip("::1")));
        assertEquals(Optional.empty(), empty.lookup(ip("198.18.0.1")));
    }

    @Test
    void readsTheRunningKernelsTable() {
        KernelRoutingTable live = KernelRoutingTable.readSystem();
        assertEquals(Optional.of("lo"), live.lookup(ip("127.0.0.1")));
        for (KernelRoute r : live.routes()) {
            assertTrue(r.prefixLength() >= 0 && !r.interfaceName().isEmpty(), r.toString());
        }
    }
}
