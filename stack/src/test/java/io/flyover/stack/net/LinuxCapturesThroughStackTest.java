package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import io.flyover.stack.RawPeer;
import io.flyover.stack.wire.ArpPacket;
import io.flyover.stack.wire.Captures;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.EtherType;
import io.flyover.stack.wire.EthernetFrame;
import io.flyover.stack.wire.Icmpv4Message;
import io.flyover.stack.wire.Icmpv6Message;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.Ipv4Packet;
import io.flyover.stack.wire.Ipv6Packet;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replays what Linux (fc-a, 198.18.0.1 / fd00::1) sent to fc-b at a stack that owns fc-b's addresses and
 * MAC, and checks the stack answers as Linux's fc-b did.
 */
class LinuxCapturesThroughStackTest {
    static final List<byte[]> LINUX = Captures.linuxVeth();

    final EthernetFrame eth = new EthernetFrame();
    final Ipv4Packet ip = new Ipv4Packet();
    final Ipv6Packet ip6 = new Ipv6Packet();

    @Test
    void answersArpThenEchoLikeLinux() {
        try (RawPeer peer = new RawPeer().started()) {
            peer.inject(LINUX.get(2)); // who-has 198.18.0.2 tell 198.18.0.1
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(1, out.size());
            MemorySegment s = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(s, 0, out.get(0).length));
            assertEquals(EtherType.ARP, eth.etherType());
            assertEquals(RawPeer.PEER_MAC, eth.destination());
            ArpPacket arp = new ArpPacket();
            assertTrue(arp.wrap(s, eth.payloadOffset(), eth.payloadLength()));
            assertEquals(ArpPacket.OP_REPLY, arp.operation());
            assertEquals(RawPeer.STACK_MAC, arp.senderMac());
            assertEquals(0xC612_0002, arp.senderIp());
            // Same answer as Linux gave (frame 4), byte for byte in the ARP part.
            assertEquals(MemorySegment.ofArray(LINUX.get(3)).asSlice(14, 28).mismatch(s.asSlice(14, 28)), -1);

            peer.inject(LINUX.get(4)); // echo request; the ARP exchange taught the stack fc-a's MAC
            peer.poll();
            out = peer.sent();
            assertEquals(1, out.size());
            s = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(s, 0, out.get(0).length));
            assertEquals(Ipv4Packet.Check.OK, ip.wrap(s, eth.payloadOffset(), eth.payloadLength()));
            assertTrue(ip.headerChecksumValid());
            assertEquals(0xC612_0001, ip.destination());
            Icmpv4Message icmp = new Icmpv4Message();
            assertTrue(icmp.wrap(s, ip.payloadOffset(), ip.payloadLength()));
            assertEquals(Icmpv4Message.ECHO_REPLY, icmp.type());
            assertTrue(icmp.checksumValid());
            // Linux's reply (frame 6) carries the same ICMP message.
            MemorySegment linux = MemorySegment.ofArray(LINUX.get(5));
            assertEquals(-1, linux.asSlice(34, 64).mismatch(s.asSlice(ip.payloadOffset(), 64)));
            assertEquals(0, peer.stack.counters().rxDropped(), peer.stack.counters().toString());
        }
    }

    @Test
    void reassemblesLinuxFragmentsAndFragmentsTheReply() {
        try (RawPeer peer = new RawPeer().started()) {
            peer.inject(LINUX.get(2));
            peer.poll();
            peer.sent();
            for (int i = 6; i <= 8; i++) {
                peer.inject(LINUX.get(i)); // 3000-byte echo in three IPv4 fragments
            }
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(3, out.size());
            int total = 0;
            for (byte[] f : out) {
                MemorySegment s = MemorySegment.ofArray(f);
                assertTrue(eth.wrap(s, 0, f.length));
                assertEquals(Ipv4Packet.Check.OK, ip.wrap(s, eth.payloadOffset(), eth.payloadLength()));
                assertTrue(ip.headerChecksumValid());
                assertEquals(total, ip.fragmentOffset());
                total += ip.payloadLength();
            }
            assertEquals(3008, total);
        }
    }

    @Test
    void answersNeighborSolicitationThenIpv6EchoAndFragments() {
        try (RawPeer peer = new RawPeer().started()) {
            peer.inject(LINUX.get(12)); // NS for fd00::2 from fd00::1 with SLLA
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(1, out.size());
            MemorySegment s = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(s, 0, out.get(0).length));
            assertEquals(RawPeer.PEER_MAC, eth.destination());
            assertEquals(Ipv6Packet.Check.OK, ip6.wrap(s, eth.payloadOffset(), eth.payloadLength()));
            assertEquals(255, ip6.hopLimit());
            Icmpv6Message m = new Icmpv6Message();
            assertTrue(m.wrap(s, ip6.upperOffset(), ip6.upperLength()));
            assertEquals(Icmpv6Message.NEIGHBOR_ADVERTISEMENT, m.type());
            assertTrue(m.checksumValid(Checksum.pseudoHeaderV6(ip6.sourceHi(), ip6.sourceLo(), ip6.destinationHi(), ip6.destinationLo(), 58, m.length())));
            assertEquals(Icmpv6Message.NA_FLAG_SOLICITED | Icmpv6Message.NA_FLAG_OVERRIDE, m.rest());
            assertEquals(RawPeer.STACK_MAC, m.linkAddressOption(Icmpv6Message.ND_OPTIONS, Icmpv6Message.OPT_TARGET_LINK_ADDRESS));
            // Linux's NA (frame 14) has the same ICMPv6 bytes.
            assertEquals(-1, MemorySegment.ofArray(LINUX.get(13)).asSlice(54, 32).mismatch(s.asSlice(ip6.upperOffset(), 32)));

            peer.inject(LINUX.get(14)); // echo request
            for (int i = 16; i <= 18; i++) {
                peer.inject(LINUX.get(i)); // 3000-byte echo in IPv6 fragments
            }
            peer.poll();
            out = peer.sent();
            assertEquals(4, out.size());
            int fragments = 0;
            for (byte[] f : out) {
                MemorySegment o = MemorySegment.ofArray(f);
                assertTrue(eth.wrap(o, 0, f.length));
                assertEquals(Ipv6Packet.Check.OK, ip6.wrap(o, eth.payloadOffset(), eth.payloadLength()));
                assertEquals(IpProtocol.ICMPV6, ip6.upperProtocol());
                if (ip6.isFragment()) {
                    fragments++;
                }
            }
            assertEquals(3, fragments);
            assertEquals(0, peer.stack.counters().rxDropped(), peer.stack.counters().toString());
        }
    }

    @Test
    void answersUdpToAClosedPortWithPortUnreachableInBothFamilies() {
        try (RawPeer peer = new RawPeer().started()) {
            peer.inject(LINUX.get(2));
            peer.inject(LINUX.get(12));
            peer.poll();
            peer.sent();
            peer.inject(LINUX.get(24)); // UDP to 198.18.0.2:9
            peer.inject(LINUX.get(26)); // UDP to [fd00::2]:9
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(2, out.size());
            MemorySegment s = MemorySegment.ofArray(out.get(0));
            assertTrue(eth.wrap(s, 0, out.get(0).length));
            assertEquals(Ipv4Packet.Check.OK, ip.wrap(s, eth.payloadOffset(), eth.payloadLength()));
            Icmpv4Message icmp = new Icmpv4Message();
            assertTrue(icmp.wrap(s, ip.payloadOffset(), ip.payloadLength()));
            assertEquals(Icmpv4Message.DESTINATION_UNREACHABLE, icmp.type());
            assertEquals(Icmpv4Message.CODE_PORT_UNREACHABLE, icmp.code());
            assertTrue(icmp.checksumValid());
            // The quoted datagram is the one Linux sent, as in Linux's own error (frame 26).
            assertEquals(-1, MemorySegment.ofArray(LINUX.get(24)).asSlice(14, 45).mismatch(s.asSlice(icmp.bodyOffset(), 45)));

            s = MemorySegment.ofArray(out.get(1));
            assertTrue(eth.wrap(s, 0, out.get(1).length));
            assertEquals(Ipv6Packet.Check.OK, ip6.wrap(s, eth.payloadOffset(), eth.payloadLength()));
            Icmpv6Message m = new Icmpv6Message();
            assertTrue(m.wrap(s, ip6.upperOffset(), ip6.upperLength()));
            assertEquals(Icmpv6Message.DESTINATION_UNREACHABLE, m.type());
            assertEquals(Icmpv6Message.CODE_PORT_UNREACHABLE, m.code());
            assertEquals(2, peer.stack.counters().drops(DropReason.UDP_NO_SOCKET));
        }
    }

    @Test
    void everyCapturedFrameIsConsumedOrDroppedWithAReason() {
        try (RawPeer peer = new RawPeer().started()) {
            for (byte[] f : LINUX) {
                peer.inject(f);
                peer.poll();
            }
            peer.sent();
            var c = peer.stack.counters();
            assertEquals(LINUX.size(), c.rxFrames());
            assertEquals(c.rxFrames(), c.rxConsumed() + c.rxDropped(), c.toString());
        }
    }
}
