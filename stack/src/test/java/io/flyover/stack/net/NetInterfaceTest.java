package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import io.flyover.stack.RawPeer;
import io.flyover.stack.StackConfig;
import io.flyover.stack.TwoStacks;
import io.flyover.stack.udp.UdpSocket;
import io.flyover.stack.wire.ArpPacket;
import io.flyover.stack.wire.Captures;
import io.flyover.stack.wire.EtherType;
import io.flyover.stack.wire.EthernetFrame;
import io.flyover.stack.wire.EthernetHeader;
import io.flyover.stack.wire.Icmpv6Message;
import io.flyover.stack.wire.IgmpMessage;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.Ipv4Header;
import io.flyover.stack.wire.Ipv4Packet;
import io.flyover.stack.wire.Ipv6Packet;
import io.flyover.stack.wire.MldMessage;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetInterfaceTest {
    final EthernetFrame eth = new EthernetFrame();
    final Ipv4Packet ip = new Ipv4Packet();
    final Ipv6Packet ip6 = new Ipv6Packet();

    @Test
    void announcesWithGratuitousArpAndUnsolicitedNeighborAdvertisements() {
        try (RawPeer peer = new RawPeer()) {
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(3, out.size()); // GARP, NA for the link-local address, NA for fd00::2
            MemorySegment s = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(s, 0, out.get(0).length));
            assertEquals(EthernetFrame.BROADCAST, eth.destination());
            ArpPacket arp = new ArpPacket();
            assertTrue(arp.wrap(s, eth.payloadOffset(), eth.payloadLength()));
            assertEquals(0xC612_0002, arp.senderIp());
            assertEquals(0xC612_0002, arp.targetIp());
            for (int i = 1; i < 3; i++) {
                s = MemorySegment.ofArray(out.get(i));
                assertTrue(eth.wrap(s, 0, out.get(i).length));
                assertEquals(0x3333_0000_0001L, eth.destination());
                assertEquals(Ipv6Packet.Check.OK, ip6.wrap(s, eth.payloadOffset(), eth.payloadLength()));
                Icmpv6Message m = new Icmpv6Message();
                assertTrue(m.wrap(s, ip6.upperOffset(), ip6.upperLength()));
                assertEquals(Icmpv6Message.NEIGHBOR_ADVERTISEMENT, m.type());
                assertEquals(Icmpv6Message.NA_FLAG_OVERRIDE, m.rest());
            }
            peer.poll();
            assertTrue(peer.sent().isEmpty()); // only once
        }
    }

    @Test
    void unansweredResolutionRetriesThenDropsTheQueuedPacketsAndBoundsTheQueue() throws Exception {
        try (RawPeer peer = new RawPeer(StackConfig.builder().neighbors(64, 4)).started()) {
            UdpSocket s = peer.stack.openUdp();
            for (int i = 0; i < 6; i++) {
                s.sendTo(MemorySegment.ofArray(new byte[10]), 0, 10, IpAddress.parse("198.18.0.99"), 9);
            }
            peer.poll();
            assertEquals(1, peer.sent().size()); // one ARP request, not six
            assertEquals(2, peer.stack.counters().drops(DropReason.NEIGHBOR_QUEUE_FULL));
            peer.now += 1_000_000_000L;
            peer.poll();
            assertEquals(1, peer.sent().size()); // retransmitted request
            peer.now += 1_000_000_000L;
            peer.poll();
            assertEquals(1, peer.sent().size());
            peer.now += 1_000_000_000L;
            long next = peer.poll();
            assertTrue(peer.sent().isEmpty());
            assertEquals(4, peer.stack.counters().drops(DropReason.NEIGHBOR_UNREACHABLE));
            assertEquals(Long.MAX_VALUE, next);
        }
    }

    @Test
    void gatewayRouteResolvesTheGatewayNotTheDestination() throws Exception {
        try (RawPeer peer = new RawPeer(StackConfig.builder().ipv4Gateway("198.18.0.254")).started()) {
            UdpSocket s = peer.stack.openUdp();
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.19.5.5"), 9);
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("fd01::5"), 9); // no IPv6 route
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(1, out.size());
            ArpPacket arp = new ArpPacket();
            MemorySegment m = MemorySegment.ofArray(out.get(0));
            assertTrue(arp.wrap(m, 14, out.get(0).length - 14));
            assertEquals(0xC612_00FE, arp.targetIp());
            assertEquals(1, peer.stack.counters().drops(DropReason.IP_NO_ROUTE));
        }
    }

    @Test
    void routerAdvertisementInstallsADefaultRoute() throws Exception {
        try (RawPeer peer = new RawPeer().started()) {
            // RA from fe80::1 with SLLA, built by hand (the capture network had no router).
            byte[] ra = Captures.hex("86 00 0000 40 00 0708 00000000 00000000 01 01 020000000001");
            byte[] frame = ipv6Frame(0x3333_0000_0001L, 0xFE80_0000_0000_0000L, 1, 0xFF02_0000_0000_0000L, 1, 255, ra);
            peer.inject(frame);
            peer.poll();
            assertEquals(0, peer.stack.counters().rxDropped(), peer.stack.counters().toString());
            UdpSocket s = peer.stack.openUdp();
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("fd01::5"), 9);
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(1, out.size()); // the router's MAC is known from the RA: the datagram goes straight out
            assertTrue(eth.wrap(MemorySegment.ofArray(out.get(0)), 0, out.get(0).length));
            assertEquals(0x0200_0000_0001L, eth.destination());
        }
    }

    @Test
    void joinAndLeaveSendIgmpAndMldReportsAndQueriesAreAnswered() throws Exception {
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket s = peer.stack.openUdp();
            s.bind(IpAddress.ANY_V6, 5000);
            s.join(IpAddress.parse("239.1.2.3"));
            s.join(IpAddress.parse("ff15::1234"));
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(2, out.size());
            MemorySegment f = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(f, 0, out.get(0).length));
            assertEquals(0x0100_5E00_0016L, eth.destination());
            assertEquals(Ipv4Packet.Check.OK, ip.wrap(f, eth.payloadOffset(), eth.payloadLength()));
            assertTrue(ip.headerChecksumValid());
            assertEquals(1, ip.ttl());
            assertTrue(ip.findOption(0x94) > 0);
            IgmpMessage igmp = new IgmpMessage();
            assertTrue(igmp.wrap(f, ip.payloadOffset(), ip.payloadLength()));
            assertTrue(igmp.checksumValid());
            assertEquals(IgmpMessage.CHANGE_TO_EXCLUDE, igmp.recordType(igmp.record(0)));
            assertEquals(0xEF01_0203, igmp.recordGroup(igmp.record(0)));

            f = MemorySegment.ofArray(out.get(1));
            assertTrue(eth.wrap(f, 0, out.get(1).length));
            assertEquals(0x3333_0000_0016L, eth.destination());
            assertEquals(Ipv6Packet.Check.OK, ip6.wrap(f, eth.payloadOffset(), eth.payloadLength()));
            assertTrue(ip6.hasHopByHop());
            assertTrue(IpAddress.isLinkLocalV6(ip6.sourceHi()));
            MldMessage mld = new MldMessage();
            assertTrue(mld.wrap(f, ip6.upperOffset(), ip6.upperLength()));
            assertEquals(0xFF15_0000_0000_0000L, mld.recordGroupHi(mld.record(0)));
            Icmpv6Message m = new Icmpv6Message();
            assertTrue(m.wrap(f, ip6.upperOffset(), ip6.upperLength()));
            assertTrue(m.checksumValid(io.flyover.stack.wire.Checksum.pseudoHeaderV6(ip6.sourceHi(), ip6.sourceLo(),
                    ip6.destinationHi(), ip6.destinationLo(), 58, m.length())));

            // RFC 3376 section 5.1: the unsolicited report is repeated once within a second.
            peer.poll();
            assertTrue(peer.sent().isEmpty());
            peer.now += 1_000_000_000L;
            peer.poll();
            assertEquals(2, peer.sent().size());
            peer.now += 5_000_000_000L;
            peer.poll();
            assertTrue(peer.sent().isEmpty());

            // An IGMPv2 general query to 224.0.0.1 is answered with a current-state report within 10 s.
            byte[] query = Captures.hex("11 64 ee9b 00000000");
            peer.inject(ipv4Frame(0x0100_5E00_0001L, 0xC612_00FE, 0xE000_0001, IpProtocol.IGMP, 1, query));
            // An MLD general query from a link-local router with hop limit 1.
            byte[] mldQuery = Captures.hex("82 00 0000 2710 0000" + "0".repeat(32) + "02 7d 0000");
            long qHi = 0xFE80_0000_0000_0000L;
            byte[] mq = ipv6Frame(0x3333_0000_0001L, qHi, 1, 0xFF02_0000_0000_0000L, 1, 1, mldQuery);
            peer.inject(mq);
            long next = peer.poll();
            assertTrue(peer.sent().isEmpty());
            assertTrue(next > peer.now && next <= peer.now + 10_000_000_000L, "next deadline " + (next - peer.now));
            peer.now += 10_000_000_000L;
            peer.poll();
            out = peer.sent();
            assertEquals(2, out.size(), peer.stack.counters().toString());
            // The query was IGMPv2, so the stack answers in v2 (RFC 3376 section 7.2.1) to the group itself.
            f = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(f, 0, out.get(0).length));
            ip.wrap(f, eth.payloadOffset(), eth.payloadLength());
            assertTrue(igmp.wrap(f, ip.payloadOffset(), ip.payloadLength()));
            assertEquals(IgmpMessage.V2_REPORT, igmp.type());
            assertEquals(0xEF01_0203, igmp.group());
            assertEquals(0xEF01_0203, ip.destination());
            assertTrue(igmp.checksumValid());

            s.leave(IpAddress.parse("239.1.2.3"));
            s.close();
            peer.poll();
            out = peer.sent();
            assertEquals(2, out.size());
            f = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(f, 0, out.get(0).length));
            ip.wrap(f, eth.payloadOffset(), eth.payloadLength());
            igmp.wrap(f, ip.payloadOffset(), ip.payloadLength());
            assertEquals(IgmpMessage.V2_LEAVE, igmp.type()); // still within the v2 querier timeout
            assertEquals(IgmpMessage.ALL_ROUTERS, ip.destination());
            // After the older-querier timeout (260 s) the stack speaks IGMPv3 again.
            peer.now += 261_000_000_000L;
            peer.poll();
            peer.sent();
            UdpSocket again = peer.stack.openUdp();
            again.join(IpAddress.parse("239.7.7.7"));
            out = peer.sent();
            assertEquals(1, out.size());
            f = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(f, 0, out.get(0).length));
            ip.wrap(f, eth.payloadOffset(), eth.payloadLength());
            igmp.wrap(f, ip.payloadOffset(), ip.payloadLength());
            assertEquals(IgmpMessage.V3_REPORT, igmp.type());
            assertEquals(IgmpMessage.CHANGE_TO_EXCLUDE, igmp.recordType(igmp.record(0)));
            again.close();
        }
    }

    @Test
    void reassemblyTimesOutAndIsBoundedInSlots() {
        try (RawPeer peer = new RawPeer(StackConfig.builder().reassembly(2, 30_000_000_000L)).started()) {
            for (int id = 1; id <= 3; id++) {
                peer.inject(fragment(id, 0, true, new byte[64]));
            }
            peer.poll();
            assertEquals(1, peer.stack.counters().drops(DropReason.IP_REASSEMBLY_OVERFLOW));
            peer.now += 29_000_000_000L;
            peer.poll();
            assertEquals(0, peer.stack.counters().drops(DropReason.IP_REASSEMBLY_TIMEOUT));
            peer.now += 2_000_000_000L;
            peer.poll();
            assertEquals(2, peer.stack.counters().drops(DropReason.IP_REASSEMBLY_TIMEOUT));
            // Overlapping fragments discard the datagram (RFC 5722).
            peer.inject(fragment(9, 0, true, new byte[64]));
            peer.inject(fragment(9, 56, true, new byte[64]));
            peer.poll();
            assertEquals(1, peer.stack.counters().drops(DropReason.IP_FRAGMENT_MALFORMED));
        }
    }

    @Test
    void vlanMembershipFiltersFramesAndTagsOutput() throws Exception {
        try (RawPeer peer = new RawPeer(StackConfig.builder().vlan(7)).started()) {
            byte[] arp = Captures.linuxVeth().get(2);
            peer.inject(arp); // untagged: not our VLAN
            byte[] tagged = new byte[arp.length + 4];
            System.arraycopy(arp, 0, tagged, 0, 12);
            tagged[12] = (byte) 0x81;
            tagged[15] = 7;
            System.arraycopy(arp, 12, tagged, 16, arp.length - 12);
            peer.inject(tagged);
            tagged[15] = 8;
            peer.inject(tagged);
            peer.poll();
            assertEquals(2, peer.stack.counters().drops(DropReason.ETHERNET_VLAN_NOT_OURS));
            List<byte[]> out = peer.sent();
            assertEquals(1, out.size());
            assertTrue(eth.wrap(MemorySegment.ofArray(out.get(0)), 0, out.get(0).length));
            assertEquals(7, eth.vlanId());
            assertEquals(EtherType.ARP, eth.etherType());
        }
    }

    @Test
    void pingBetweenStacksInBothFamilies() {
        try (TwoStacks net = new TwoStacks()) {
            net.run(2);
            for (int i = 0; i < 5; i++) {
                assertTrue(net.a.ping(TwoStacks.B4, 7, i, 32));
                assertTrue(net.b.ping(TwoStacks.A6, 7, i, 32));
                net.run(3);
            }
            assertEquals(5, net.a.counters().echoRepliesReceived());
            assertEquals(5, net.b.counters().echoRepliesReceived());
            assertFalse(net.a.counters().rxFrames() == 0);
        }
    }

    // --- frame builders ---

    static byte[] ipv4Frame(long dstMac, int src, int dst, int protocol, int ttl, byte[] payload) {
        byte[] b = new byte[14 + 20 + payload.length];
        MemorySegment s = MemorySegment.ofArray(b);
        new EthernetHeader().set(dstMac, RawPeer.PEER_MAC, EtherType.IPV4).emit(s, 0);
        Ipv4Header h = new Ipv4Header();
        h.protocol = protocol;
        h.source = src;
        h.destination = dst;
        h.ttl = ttl;
        h.emit(s, 14, payload.length);
        MemorySegment.copy(MemorySegment.ofArray(payload), 0, s, 34, payload.length);
        return b;
    }

    static byte[] fragment(int id, int offset, boolean more, byte[] payload) {
        byte[] b = new byte[14 + 20 + payload.length];
        MemorySegment s = MemorySegment.ofArray(b);
        new EthernetHeader().set(RawPeer.STACK_MAC, RawPeer.PEER_MAC, EtherType.IPV4).emit(s, 0);
        Ipv4Header h = new Ipv4Header();
        h.protocol = IpProtocol.UDP;
        h.source = 0xC612_0001;
        h.destination = 0xC612_0002;
        h.identification = id;
        h.fragmentOffset = offset;
        h.moreFragments = more;
        h.emit(s, 14, payload.length);
        return b;
    }

    static byte[] ipv6Frame(long dstMac, long srcHi, long srcLo, long dstHi, long dstLo, int hopLimit, byte[] icmp) {
        byte[] b = new byte[14 + 40 + icmp.length];
        MemorySegment s = MemorySegment.ofArray(b);
        new EthernetHeader().set(dstMac, RawPeer.PEER_MAC, EtherType.IPV6).emit(s, 0);
        io.flyover.stack.wire.Ipv6Header h = new io.flyover.stack.wire.Ipv6Header();
        h.nextHeader = IpProtocol.ICMPV6;
        h.sourceHi = srcHi;
        h.sourceLo = srcLo;
        h.destinationHi = dstHi;
        h.destinationLo = dstLo;
        h.hopLimit = hopLimit;
        h.emit(s, 14, icmp.length);
        MemorySegment.copy(MemorySegment.ofArray(icmp), 0, s, 54, icmp.length);
        Icmpv6Message.fillChecksum(s, 54, icmp.length,
                io.flyover.stack.wire.Checksum.pseudoHeaderV6(srcHi, srcLo, dstHi, dstLo, 58, icmp.length));
        return b;
    }
}
