package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoutingAndAddressTest {

    @Test
    void addressesRoundTripAndClassify() {
        IpAddress v4 = IpAddress.parse("198.18.0.1");
        assertTrue(v4.isV4());
        assertEquals(0xC612_0001, v4.v4());
        assertEquals("198.18.0.1", v4.toString());
        IpAddress v6 = IpAddress.parse("fd00::1:2");
        assertFalse(v6.isV4());
        assertEquals(0xFD00_0000_0000_0000L, v6.hi());
        assertEquals(0x1_0002L, v6.lo());
        assertEquals(v6, IpAddress.of(v6.toInetAddress()));
        assertTrue(IpAddress.parse("239.1.2.3").isMulticast());
        assertTrue(IpAddress.parse("ff02::1").isMulticast());
        assertFalse(v4.isMulticast());
        assertTrue(IpAddress.ANY_V4.isUnspecified());
        assertTrue(IpAddress.ANY_V6.isUnspecified());
        assertTrue(IpAddress.isLinkLocalV6(IpAddress.parse("fe80::1").hi()));
        assertEquals(0x0100_5E01_0203L, MacAddress.ofIpv4Multicast(0xEF81_0203)); // high bit of the 24 dropped
        assertEquals(0x3333_FF00_0002L, MacAddress.ofIpv6Multicast(0x0000_0001_FF00_0002L));
        assertEquals("02:00:00:00:00:0a", MacAddress.format(MacAddress.parse("02:00:00:00:00:0A")));
        // RFC 4291 appendix A: 34-56-78-9A-BC-DE gives 3656:78ff:fe9a:bcde.
        assertEquals(0x3656_78FF_FE9A_BCDEL, MacAddress.interfaceId(0x3456_789A_BCDEL));
    }

    @Test
    void longestPrefixWinsAndFamiliesDoNotMix() {
        RouteTable t = new RouteTable(8);
        t.addGateway(IpAddress.parse("0.0.0.0"), 0, IpAddress.parse("198.18.0.254"));
        t.addConnected(IpAddress.parse("198.18.0.0"), 24);
        t.addGateway(IpAddress.parse("198.19.0.0"), 16, IpAddress.parse("198.18.0.253"));
        t.addConnected(IpAddress.parse("fd00::"), 64);

        IpAddress local = IpAddress.parse("198.18.0.7");
        assertTrue(t.lookup(local.hi(), local.lo()));
        assertEquals(local.lo(), t.nextHopLo());
        IpAddress far = IpAddress.parse("198.19.3.4");
        assertTrue(t.lookup(far.hi(), far.lo()));
        assertEquals(IpAddress.parse("198.18.0.253").lo(), t.nextHopLo());
        IpAddress elsewhere = IpAddress.parse("203.0.113.1");
        assertTrue(t.lookup(elsewhere.hi(), elsewhere.lo()));
        assertEquals(IpAddress.parse("198.18.0.254").lo(), t.nextHopLo());

        IpAddress v6 = IpAddress.parse("fd00::9");
        assertTrue(t.lookup(v6.hi(), v6.lo()));
        assertEquals(v6.lo(), t.nextHopLo());
        IpAddress v6far = IpAddress.parse("fd01::9");
        assertFalse(t.lookup(v6far.hi(), v6far.lo())); // the IPv4 default route does not carry IPv6
        t.removeGateway(IpAddress.parse("198.18.0.254"));
        assertFalse(t.lookup(elsewhere.hi(), elsewhere.lo()));
        assertEquals(3, t.size());
    }

    @Test
    void tokenBucketRefillsWithInjectedTime() {
        TokenBucket b = new TokenBucket(10, 3);
        long t = 1_000;
        assertTrue(b.tryTake(t));
        assertTrue(b.tryTake(t));
        assertTrue(b.tryTake(t));
        assertFalse(b.tryTake(t));
        assertFalse(b.tryTake(t + 99_999_999));
        assertTrue(b.tryTake(t + 100_000_000));
        assertFalse(b.tryTake(t + 100_000_001));
        assertTrue(b.tryTake(t + 10_000_000_000L));
        assertTrue(b.tryTake(t + 10_000_000_000L));
        assertTrue(b.tryTake(t + 10_000_000_000L));
        assertFalse(b.tryTake(t + 10_000_000_000L)); // the burst caps the refill
    }
}
