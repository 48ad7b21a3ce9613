package io.flyover.stack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Canned bytes for what the captures lack (VLAN tags, RA, PTB, queries), builders, and rejections. */
class CraftedFramesTest {

    @Test
    void vlanTaggedFrame() {
        // ICMP echo frame 5 of the capture with an 802.1Q tag (PCP 5, VID 7) inserted after the MACs.
        byte[] plain = Captures.linuxVeth().get(4);
        byte[] tagged = new byte[plain.length + 4];
        System.arraycopy(plain, 0, tagged, 0, 12);
        tagged[12] = (byte) 0x81;
        tagged[13] = 0;
        tagged[14] = (byte) 0xA0;
        tagged[15] = 7;
        System.arraycopy(plain, 12, tagged, 16, plain.length - 12);
        EthernetFrame eth = new EthernetFrame();
        assertTrue(eth.wrap(MemorySegment.ofArray(tagged), 0, tagged.length));
        assertEquals(7, eth.vlanId());
        assertEquals(5, eth.vlanPriority());
        assertEquals(EtherType.IPV4, eth.etherType());
        assertEquals(18, eth.headerLength());
        Ipv4Packet ip = new Ipv4Packet();
        assertEquals(Ipv4Packet.Check.OK, ip.wrap(MemorySegment.ofArray(tagged), eth.payloadOffset(), eth.payloadLength()));

        // Truncated tag and too many tags are rejected.
        assertFalse(eth.wrap(MemorySegment.ofArray(tagged), 0, 17));
        byte[] triple = Captures.hex("ffffffffffff 020000000001 8100 0001 8100 0002 8100 0003 0800 00");
        assertFalse(eth.wrap(MemorySegment.ofArray(triple), 0, triple.length));
    }

    @Test
    void ethernetHeaderBuilderRoundTrip() {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        EthernetHeader h = new EthernetHeader().set(0x0200_0000_0002L, 0x0200_0000_0001L, EtherType.IPV6);
        h.vlanId = 42;
        h.vlanPriority = 3;
        assertEquals(18, h.emit(s, 0));
        EthernetFrame eth = new EthernetFrame();
        assertTrue(eth.wrap(s, 0, 64));
        assertEquals(0x0200_0000_0002L, eth.destination());
        assertEquals(0x0200_0000_0001L, eth.source());
        assertEquals(42, eth.vlanId());
        assertEquals(3, eth.vlanPriority());
        assertEquals(EtherType.IPV6, eth.etherType());
    }

    @Test
    void routerAdvertisementWithOptions() {
        // RA from fe80::1: hop limit 64, M=0 O=0, lifetime 1800, reachable 0, retrans 0,
        // SLLA 02:00:00:00:00:01, MTU 1400, prefix fd00:1::/64 L+A valid 86400 preferred 14400.
        byte[] ra = Captures.hex("""
                86 00 0000 40 00 0708 00000000 00000000
                01 01 020000000001
                05 01 0000 00000578
                03 04 40 c0 00015180 00003840 00000000 fd000001000000000000000000000000
                """);
        MemorySegment s = MemorySegment.ofArray(ra);
        Icmpv6Message m = new Icmpv6Message();
        assertTrue(m.wrap(s, 0, ra.length));
        assertEquals(Icmpv6Message.ROUTER_ADVERTISEMENT, m.type());
        assertTrue(m.isRouterAdvertisementLongEnough());
        assertEquals(64, m.raCurHopLimit());
        assertEquals(1800, m.raRouterLifetime());
        assertTrue(m.optionsWellFormed(Icmpv6Message.RA_OPTIONS));
        assertEquals(0x0200_0000_0001L, m.linkAddressOption(Icmpv6Message.RA_OPTIONS, Icmpv6Message.OPT_SOURCE_LINK_ADDRESS));
        assertEquals(1400, m.raMtuOption());
        long p = m.raPrefixOption(0);
        assertTrue(p > 0);
        assertEquals(64, m.prefixLength(p));
        assertEquals(0xC0, m.prefixFlags(p));
        assertEquals(86_400, m.prefixValidLifetime(p));
        assertEquals(14_400, m.prefixPreferredLifetime(p));
        assertEquals(0xFD00_0001_0000_0000L, m.prefixHi(p));
        assertEquals(0L, m.prefixLo(p));
        assertEquals(-1, m.raPrefixOption(1));

        // An option with length 0 makes the list malformed (RFC 4861 section 4.6).
        ra[17] = 0;
        assertFalse(m.optionsWellFormed(Icmpv6Message.RA_OPTIONS));
    }

    @Test
    void packetTooBigAndFragmentationNeeded() {
        byte[] ptb = Captures.hex("02 00 0000 00000500 60000000 0008 11 40" + "fd00".repeat(8) + "fd00".repeat(8) + "0001000200080000");
        Icmpv6Message m = new Icmpv6Message();
        assertTrue(m.wrap(MemorySegment.ofArray(ptb), 0, ptb.length));
        assertEquals(Icmpv6Message.PACKET_TOO_BIG, m.type());
        assertEquals(1280, m.mtu());
        Ipv6Packet quoted = new Ipv6Packet();
        assertEquals(Ipv6Packet.Check.OK, quoted.wrap(MemorySegment.ofArray(ptb), m.bodyOffset(), m.bodyLength()));
        assertEquals(IpProtocol.UDP, quoted.upperProtocol());

        MemorySegment s = MemorySegment.ofArray(new byte[36]);
        Ipv4Header h = new Ipv4Header();
        h.protocol = IpProtocol.UDP;
        h.source = 0xC612_0001;
        h.destination = 0xC612_0002;
        h.dontFragment = true;
        h.emit(s, 8, 8);
        Icmpv4Message.emit(s, 0, Icmpv4Message.DESTINATION_UNREACHABLE, Icmpv4Message.CODE_FRAGMENTATION_NEEDED, 1400, 36);
        Icmpv4Message icmp = new Icmpv4Message();
        assertTrue(icmp.wrap(s, 0, 36));
        assertTrue(icmp.checksumValid());
        assertTrue(icmp.isError());
        assertEquals(Icmpv4Message.CODE_FRAGMENTATION_NEEDED, icmp.code());
        assertEquals(1400, icmp.nextHopMtu());
    }

    @Test
    void igmpAndMldQueries() {
        IgmpMessage igmp = new IgmpMessage();
        byte[] v2 = Captures.hex("11 64 ee9b 00000000");
        assertTrue(igmp.wrap(MemorySegment.ofArray(v2), 0, v2.length));
        assertEquals(IgmpMessage.MEMBERSHIP_QUERY, igmp.type());
        assertFalse(igmp.isV3Query());
        assertEquals(100, igmp.maxResponseCode());
        assertTrue(igmp.checksumValid());
        byte[] v3 = Captures.hex("11 64 0000 ef010203 02 7d 0001 c6120009");
        assertTrue(igmp.wrap(MemorySegment.ofArray(v3), 0, v3.length));
        assertTrue(igmp.isV3Query());
        assertEquals(1, igmp.querySourceCount());
        v3[11] = 2; // two sources announced, one present
        assertFalse(igmp.wrap(MemorySegment.ofArray(v3), 0, v3.length));

        MldMessage mld = new MldMessage();
        byte[] q = Captures.hex("82 00 0000 2710 0000" + "0".repeat(32) + "02 7d 0000");
        assertTrue(mld.wrap(MemorySegment.ofArray(q), 0, q.length));
        assertTrue(mld.isV2Query());
        assertEquals(10_000, mld.maxResponseCode());
        assertEquals(0L, mld.addressHi());
        assertFalse(mld.wrap(MemorySegment.ofArray(q), 0, 20));
    }

    @Test
    void reportBuildersRoundTrip() {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        assertEquals(16, IgmpMessage.emitV3Report(s, 0, IgmpMessage.CHANGE_TO_EXCLUDE, 0xEF01_0203));
        IgmpMessage igmp = new IgmpMessage();
        assertTrue(igmp.wrap(s, 0, 16));
        assertTrue(igmp.checksumValid());
        assertEquals(0xEF01_0203, igmp.recordGroup(igmp.record(0)));

        assertEquals(28, MldMessage.emitV2Report(s, 0, IgmpMessage.CHANGE_TO_INCLUDE, 0xFF15_0000_0000_0000L, 0x1234));
        MldMessage mld = new MldMessage();
        assertTrue(mld.wrap(s, 0, 28));
        assertEquals(1, mld.recordCount());
        assertEquals(IgmpMessage.CHANGE_TO_INCLUDE, mld.recordType(mld.record(0)));
        assertEquals(0x1234, mld.recordGroupLo(mld.record(0)));
    }

    @Test
    void ipv4HeaderBuilderRoundTripAndRejections() {
        MemorySegment s = MemorySegment.ofArray(new byte[100]);
        Ipv4Header h = new Ipv4Header();
        h.protocol = IpProtocol.IGMP;
        h.source = 0xC612_0001;
        h.destination = 0xE000_0016;
        h.ttl = 1;
        h.routerAlert = true;
        h.identification = 77;
        h.moreFragments = true;
        h.fragmentOffset = 1480;
        assertEquals(24, h.emit(s, 0, 16));
        Ipv4Packet p = new Ipv4Packet();
        assertEquals(Ipv4Packet.Check.OK, p.wrap(s, 0, 100));
        assertTrue(p.headerChecksumValid());
        assertTrue(p.optionsWellFormed());
        assertTrue(p.findOption(0x94) >= 0);
        assertEquals(40, p.totalLength());
        assertEquals(1480, p.fragmentOffset());
        assertTrue(p.moreFragments());
        assertEquals(77, p.identification());

        assertEquals(Ipv4Packet.Check.TRUNCATED, p.wrap(s, 0, 19));
        assertEquals(Ipv4Packet.Check.BAD_TOTAL_LENGTH, p.wrap(s, 0, 39));
        Bytes.u8(s, 0, 0x44);
        assertEquals(Ipv4Packet.Check.BAD_HEADER_LENGTH, p.wrap(s, 0, 100));
        Bytes.u8(s, 0, 0x66);
        assertEquals(Ipv4Packet.Check.BAD_VERSION, p.wrap(s, 0, 100));
        // An option whose length runs past the header is malformed.
        h.emit(s, 0, 16);
        Bytes.u8(s, 21, 9);
        p.wrap(s, 0, 100);
        assertFalse(p.optionsWellFormed());
    }

    @Test
    void ipv6HeaderBuilderChainsAndRejections() {
        MemorySegment s = MemorySegment.ofArray(new byte[128]);
        Ipv6Header h = new Ipv6Header();
        h.nextHeader = IpProtocol.UDP;
        h.sourceHi = 0xFD00_0000_0000_0000L;
        h.sourceLo = 1;
        h.destinationHi = 0xFD00_0000_0000_0000L;
        h.destinationLo = 2;
        h.routerAlert = true;
        h.fragment = true;
        h.fragmentOffset = 1448;
        h.moreFragments = true;
        h.fragmentId = 0x1234_5678;
        assertEquals(56, h.emit(s, 0, 16));
        Ipv6Packet p = new Ipv6Packet();
        assertEquals(Ipv6Packet.Check.OK, p.wrap(s, 0, 128));
        assertTrue(p.hasHopByHop());
        assertTrue(p.isFragment());
        assertEquals(1448, p.fragmentOffset());
        assertTrue(p.moreFragments());
        assertEquals(0x1234_5678, p.fragmentIdentification());
        assertEquals(IpProtocol.UDP, p.upperProtocol());
        assertEquals(16, p.upperLength());
        assertEquals(2L, p.destinationLo());

        assertTrue(p.extensionOptionsAcceptable()); // Router Alert and PadN
        assertEquals(Ipv6Packet.Check.BAD_PAYLOAD_LENGTH, p.wrap(s, 0, 60));
        // An unknown hop-by-hop option whose action bits say "discard" (RFC 8200 section 4.2).
        Bytes.u8(s, 42, 0x85);
        assertEquals(Ipv6Packet.Check.OK, p.wrap(s, 0, 128));
        assertFalse(p.extensionOptionsAcceptable());
        Bytes.u8(s, 42, 0x05);
        Bytes.u8(s, 43, 9); // an option longer than its header
        p.wrap(s, 0, 128);
        assertFalse(p.extensionOptionsAcceptable());
        assertEquals(Ipv6Packet.Check.TRUNCATED, p.wrap(s, 0, 39));
        // Hop-by-hop anywhere but first is rejected (RFC 8200 section 4.3).
        h.routerAlert = false;
        h.fragment = false;
        h.nextHeader = IpProtocol.IPV6_DEST_OPTIONS;
        h.emit(s, 0, 16);
        Bytes.u8(s, 40, IpProtocol.HOP_BY_HOP);
        Bytes.u8(s, 41, 0);
        assertEquals(Ipv6Packet.Check.BAD_EXTENSION_HEADER, p.wrap(s, 0, 128));
        // An extension header longer than the payload is rejected.
        Bytes.u8(s, 40, IpProtocol.UDP);
        Bytes.u8(s, 41, 5);
        assertEquals(Ipv6Packet.Check.BAD_EXTENSION_HEADER, p.wrap(s, 0, 128));
    }

    @Test
    void udpLengthMustFitThePacket() {
        MemorySegment s = MemorySegment.ofArray(new byte[20]);
        UdpDatagram.emit(s, 0, 1000, 2000, 20);
        UdpDatagram u = new UdpDatagram();
        assertTrue(u.wrap(s, 0, 20));
        assertEquals(12, u.payloadLength());
        assertFalse(u.wrap(s, 0, 19));
        UdpDatagram.emit(s, 0, 1000, 2000, 7);
        assertFalse(u.wrap(s, 0, 20));
    }
}
