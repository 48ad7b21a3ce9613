package io.flyover.stack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parses frames Linux sent over a veth pair (captures/linux-veth.hex) with the wire views. */
class CapturedFramesTest {
    static final List<byte[]> FRAMES = Captures.linuxVeth();
    static final long MAC_A = 0x6612_e465_0ba2L; // fc-a, 198.18.0.1 / fd00::1
    static final long MAC_B = 0x2663_5890_1192L; // fc-b, 198.18.0.2 / fd00::2
    static final int IP_A = 0xC612_0001;
    static final int IP_B = 0xC612_0002;

    final EthernetFrame eth = new EthernetFrame();
    final Ipv4Packet ip = new Ipv4Packet();
    final Ipv6Packet ip6 = new Ipv6Packet();

    /** tcpdump's 1-based frame number. */
    MemorySegment frame(int number) {
        byte[] b = FRAMES.get(number - 1);
        MemorySegment s = Captures.segment(b);
        assertTrue(eth.wrap(s, 0, b.length));
        return s;
    }

    Ipv4Packet ipv4(int number) {
        MemorySegment s = frame(number);
        assertEquals(EtherType.IPV4, eth.etherType());
        assertEquals(Ipv4Packet.Check.OK, ip.wrap(s, eth.payloadOffset(), eth.payloadLength()));
        assertTrue(ip.headerChecksumValid());
        return ip;
    }

    Ipv6Packet ipv6(int number) {
        MemorySegment s = frame(number);
        assertEquals(EtherType.IPV6, eth.etherType());
        assertEquals(Ipv6Packet.Check.OK, ip6.wrap(s, eth.payloadOffset(), eth.payloadLength()));
        return ip6;
    }

    @Test
    void arpRequestAndReply() {
        MemorySegment s = frame(3);
        assertEquals(EthernetFrame.BROADCAST, eth.destination());
        assertEquals(MAC_A, eth.source());
        assertEquals(EtherType.ARP, eth.etherType());
        assertEquals(-1, eth.vlanId());
        ArpPacket arp = new ArpPacket();
        assertTrue(arp.wrap(s, eth.payloadOffset(), eth.payloadLength()));
        assertEquals(ArpPacket.OP_REQUEST, arp.operation());
        assertEquals(MAC_A, arp.senderMac());
        assertEquals(IP_A, arp.senderIp());
        assertEquals(IP_B, arp.targetIp());

        s = frame(4);
        assertTrue(arp.wrap(s, eth.payloadOffset(), eth.payloadLength()));
        assertEquals(ArpPacket.OP_REPLY, arp.operation());
        assertEquals(MAC_B, arp.senderMac());
        assertEquals(IP_B, arp.senderIp());
        assertEquals(MAC_A, arp.targetMac());
    }

    @Test
    void icmpEchoRequestAndReply() {
        Ipv4Packet p = ipv4(5);
        assertEquals(IP_A, p.source());
        assertEquals(IP_B, p.destination());
        assertEquals(IpProtocol.ICMP, p.protocol());
        assertTrue(p.dontFragment());
        assertFalse(p.isFragment());
        assertEquals(84, p.totalLength());
        Icmpv4Message icmp = new Icmpv4Message();
        assertTrue(icmp.wrap(Captures.segment(FRAMES.get(4)), p.payloadOffset(), p.payloadLength()));
        assertEquals(Icmpv4Message.ECHO_REQUEST, icmp.type());
        assertEquals(1, icmp.sequence());
        assertEquals(56, icmp.bodyLength());
        assertTrue(icmp.checksumValid());
    }

    @Test
    void ipv4FragmentsOfALargeEcho() {
        int[] offsets = {0, 1480, 2960};
        for (int i = 0; i < 3; i++) {
            Ipv4Packet p = ipv4(7 + i);
            assertTrue(p.isFragment());
            assertEquals(offsets[i], p.fragmentOffset());
            assertEquals(i < 2, p.moreFragments());
            assertEquals(i < 2 ? 1480 : 48, p.payloadLength());
        }
        int id = ipv4(7).identification();
        assertEquals(id, ipv4(9).identification());
    }

    @Test
    void ipv4RecordRouteOption() {
        Ipv4Packet p = ipv4(23);
        assertEquals(60, p.headerLength());
        assertTrue(p.optionsWellFormed());
        long rr = p.findOption(7);
        assertTrue(rr > 0);
        MemorySegment s = Captures.segment(FRAMES.get(22));
        assertEquals(39, Bytes.u8(s, rr + 1));
        assertEquals(IP_A, Bytes.i32(s, rr + 3));
    }

    @Test
    void udpAndPortUnreachableOverIpv4() {
        Ipv4Packet p = ipv4(25);
        MemorySegment s = Captures.segment(FRAMES.get(24));
        UdpDatagram udp = new UdpDatagram();
        assertTrue(udp.wrap(s, p.payloadOffset(), p.payloadLength()));
        assertEquals(9, udp.destinationPort());
        assertEquals(17, udp.payloadLength());
        assertEquals("hello flyover udp", new String(s.asSlice(udp.payloadOffset(), 17).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));

        p = ipv4(26);
        MemorySegment e = Captures.segment(FRAMES.get(25));
        Icmpv4Message icmp = new Icmpv4Message();
        assertTrue(icmp.wrap(e, p.payloadOffset(), p.payloadLength()));
        assertEquals(Icmpv4Message.DESTINATION_UNREACHABLE, icmp.type());
        assertEquals(Icmpv4Message.CODE_PORT_UNREACHABLE, icmp.code());
        assertTrue(icmp.checksumValid());
        Ipv4Packet quoted = new Ipv4Packet();
        assertEquals(Ipv4Packet.Check.OK, quoted.wrap(e, icmp.bodyOffset(), icmp.bodyLength()));
        assertEquals(IpProtocol.UDP, quoted.protocol());
        assertEquals(IP_B, quoted.destination());
    }

    @Test
    void neighborSolicitationAndAdvertisement() {
        Ipv6Packet p = ipv6(13);
        assertEquals(255, p.hopLimit());
        assertEquals(0xFF02_0000_0000_0000L, p.destinationHi());
        assertEquals(0x0000_0001_FF00_0002L, p.destinationLo());
        assertEquals(IpProtocol.ICMPV6, p.upperProtocol());
        MemorySegment s = Captures.segment(FRAMES.get(12));
        Icmpv6Message m = new Icmpv6Message();
        assertTrue(m.wrap(s, p.upperOffset(), p.upperLength()));
        assertEquals(Icmpv6Message.NEIGHBOR_SOLICITATION, m.type());
        assertTrue(m.checksumValid(Checksum.pseudoHeaderV6(p.sourceHi(), p.sourceLo(), p.destinationHi(), p.destinationLo(), 58, m.length())));
        assertTrue(m.isNeighborMessageLongEnough());
        assertEquals(0xFD00_0000_0000_0000L, m.targetHi());
        assertEquals(2L, m.targetLo());
        assertTrue(m.optionsWellFormed(Icmpv6Message.ND_OPTIONS));
        assertEquals(MAC_A, m.linkAddressOption(Icmpv6Message.ND_OPTIONS, Icmpv6Message.OPT_SOURCE_LINK_ADDRESS));

        p = ipv6(14);
        s = Captures.segment(FRAMES.get(13));
        assertTrue(m.wrap(s, p.upperOffset(), p.upperLength()));
        assertEquals(Icmpv6Message.NEIGHBOR_ADVERTISEMENT, m.type());
        assertEquals(Icmpv6Message.NA_FLAG_SOLICITED | Icmpv6Message.NA_FLAG_OVERRIDE, m.rest());
        assertEquals(MAC_B, m.linkAddressOption(Icmpv6Message.ND_OPTIONS, Icmpv6Message.OPT_TARGET_LINK_ADDRESS));
    }

    @Test
    void ipv6FragmentHeaderChain() {
        int[] offsets = {0, 1448, 2896};
        int id = 0;
        for (int i = 0; i < 3; i++) {
            Ipv6Packet p = ipv6(17 + i);
            assertTrue(p.hasFragmentHeader());
            assertTrue(p.isFragment());
            assertEquals(offsets[i], p.fragmentOffset());
            assertEquals(i < 2, p.moreFragments());
            assertEquals(IpProtocol.ICMPV6, p.upperProtocol());
            assertEquals(i < 2 ? 1448 : 112, p.upperLength());
            if (i == 0) {
                id = p.fragmentIdentification();
            } else {
                assertEquals(id, p.fragmentIdentification());
            }
        }
    }

    @Test
    void icmpv6EchoAndPortUnreachable() {
        Ipv6Packet p = ipv6(15);
        MemorySegment s = Captures.segment(FRAMES.get(14));
        Icmpv6Message m = new Icmpv6Message();
        assertTrue(m.wrap(s, p.upperOffset(), p.upperLength()));
        assertEquals(Icmpv6Message.ECHO_REQUEST, m.type());
        assertEquals(1, m.sequence());

        p = ipv6(28);
        s = Captures.segment(FRAMES.get(27));
        assertTrue(m.wrap(s, p.upperOffset(), p.upperLength()));
        assertEquals(Icmpv6Message.DESTINATION_UNREACHABLE, m.type());
        assertEquals(Icmpv6Message.CODE_PORT_UNREACHABLE, m.code());
        assertTrue(m.isError());
        assertTrue(m.checksumValid(Checksum.pseudoHeaderV6(p.sourceHi(), p.sourceLo(), p.destinationHi(), p.destinationLo(), 58, m.length())));
        Ipv6Packet quoted = new Ipv6Packet();
        assertEquals(Ipv6Packet.Check.OK, quoted.wrap(s, m.bodyOffset(), m.bodyLength()));
        assertEquals(IpProtocol.UDP, quoted.upperProtocol());
    }

    @Test
    void igmpV3ReportWithRouterAlert() {
        Ipv4Packet p = ipv4(29);
        assertEquals(0x01_00_5e_00_00_16L, eth.destination());
        assertEquals(IgmpMessage.ALL_IGMPV3_ROUTERS, p.destination());
        assertEquals(1, p.ttl());
        assertEquals(24, p.headerLength());
        assertTrue(p.findOption(0x94) > 0);
        MemorySegment s = Captures.segment(FRAMES.get(28));
        IgmpMessage igmp = new IgmpMessage();
        assertTrue(igmp.wrap(s, p.payloadOffset(), p.payloadLength()));
        assertEquals(IgmpMessage.V3_REPORT, igmp.type());
        assertTrue(igmp.checksumValid());
        assertEquals(1, igmp.recordCount());
        long r = igmp.record(0);
        assertEquals(IgmpMessage.CHANGE_TO_EXCLUDE, igmp.recordType(r));
        assertEquals(0xEF01_0203, igmp.recordGroup(r));
    }

    @Test
    void igmpV2ReportAndLeave() {
        IgmpMessage igmp = new IgmpMessage();
        Ipv4Packet p = ipv4(36);
        assertTrue(igmp.wrap(Captures.segment(FRAMES.get(35)), p.payloadOffset(), p.payloadLength()));
        assertEquals(IgmpMessage.V2_REPORT, igmp.type());
        assertEquals(0xEF04_0506, igmp.group());
        assertTrue(igmp.checksumValid());
        p = ipv4(40);
        assertTrue(igmp.wrap(Captures.segment(FRAMES.get(39)), p.payloadOffset(), p.payloadLength()));
        assertEquals(IgmpMessage.V2_LEAVE, igmp.type());
        assertEquals(IgmpMessage.ALL_ROUTERS, p.destination());
    }

    @Test
    void mldV2ReportBehindHopByHop() {
        Ipv6Packet p = ipv6(30);
        assertTrue(p.hasHopByHop());
        assertEquals(IpProtocol.HOP_BY_HOP, p.nextHeader());
        assertEquals(IpProtocol.ICMPV6, p.upperProtocol());
        assertEquals(1, p.hopLimit());
        MemorySegment s = Captures.segment(FRAMES.get(29));
        MldMessage mld = new MldMessage();
        assertTrue(mld.wrap(s, p.upperOffset(), p.upperLength()));
        assertEquals(Icmpv6Message.MLD_V2_REPORT, mld.type());
        assertEquals(1, mld.recordCount());
        long r = mld.record(0);
        assertEquals(IgmpMessage.CHANGE_TO_EXCLUDE, mld.recordType(r));
        assertEquals(0xFF15_0000_0000_0000L, mld.recordGroupHi(r));
        assertEquals(0x1234L, mld.recordGroupLo(r));
        Icmpv6Message m = new Icmpv6Message();
        assertTrue(m.wrap(s, p.upperOffset(), p.upperLength()));
        assertTrue(m.checksumValid(Checksum.pseudoHeaderV6(p.sourceHi(), p.sourceLo(), p.destinationHi(), p.destinationLo(), 58, m.length())));
    }

    @Test
    void broadcastAndMulticastUdp() {
        Ipv4Packet p = ipv4(41);
        assertEquals(EthernetFrame.BROADCAST, eth.destination());
        assertEquals(0xC612_00FF, p.destination());
        p = ipv4(31);
        assertTrue(EthernetFrame.isMulticast(eth.destination()));
        assertEquals(0x01_00_5e_01_02_03L, eth.destination());
        assertEquals(0xEF01_0203, p.destination());
    }

    @Test
    void everyCapturedIpv4HeaderChecksumVerifiesAndEveryFrameParses() {
        int v4 = 0, v6 = 0;
        for (byte[] b : FRAMES) {
            MemorySegment s = MemorySegment.ofArray(b);
            assertTrue(eth.wrap(s, 0, b.length));
            if (eth.etherType() == EtherType.IPV4) {
                assertEquals(Ipv4Packet.Check.OK, ip.wrap(s, eth.payloadOffset(), eth.payloadLength()));
                assertTrue(ip.headerChecksumValid());
                v4++;
            } else if (eth.etherType() == EtherType.IPV6) {
                assertEquals(Ipv6Packet.Check.OK, ip6.wrap(s, eth.payloadOffset(), eth.payloadLength()));
                v6++;
            }
        }
        assertTrue(v4 > 15 && v6 > 15, v4 + " " + v6);
    }
}
