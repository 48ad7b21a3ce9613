package io.flyover.stack.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import io.flyover.stack.LoopbackHost;
import io.flyover.stack.RawPeer;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.net.MacAddress;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.EtherType;
import io.flyover.stack.wire.EthernetFrame;
import io.flyover.stack.wire.EthernetHeader;
import io.flyover.stack.wire.IgmpMessage;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.Ipv4Header;
import io.flyover.stack.wire.Ipv4Packet;
import io.flyover.stack.wire.Ipv6Header;
import io.flyover.stack.wire.Ipv6Packet;
import io.flyover.stack.wire.MldMessage;
import io.flyover.stack.wire.UdpDatagram;
import java.lang.foreign.MemorySegment;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Source-specific multicast (RFC 3376 IGMPv3, RFC 3810 MLDv2) as {@code DatagramChannel.join(group,
 * interface, source)} and {@code MembershipKey.block/unblock} need it: delivery filtered per socket and
 * per interface, and the state-change and current-state reports that say so.
 */
class MulticastSourceFilterTest {
    private static final int PORT = 5000;

    /** Group and two sources of one family. */
    record Family(IpAddress group, IpAddress s1, IpAddress s2) {
        static Family of(boolean v4) {
            return v4 ? new Family(IpAddress.parse("232.1.2.3"), IpAddress.parse("198.18.0.11"), IpAddress.parse("198.18.0.12"))
                    : new Family(IpAddress.parse("ff3e::8000:1"), IpAddress.parse("fd00::11"), IpAddress.parse("fd00::12"));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void sourceSpecificJoinsReceiveOnlyTheJoinedSources(boolean v4) throws Exception {
        Family f = Family.of(v4);
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket s = bound(peer, v4);
            s.join(f.group, f.s1);
            assertEquals(List.of("1"), deliver(peer, s, f, f.s1, f.s2));
            assertEquals(1, peer.stack.counters().drops(DropReason.IP_SOURCE_FILTERED)); // the interface refuses s2
            s.join(f.group, f.s2);
            s.join(f.group, f.s2); // again: nothing changes
            assertEquals(List.of("1", "2"), deliver(peer, s, f, f.s1, f.s2));
            s.leave(f.group, f.s1);
            assertEquals(List.of("2"), deliver(peer, s, f, f.s1, f.s2));
            s.leave(f.group, f.s2); // the last source: the membership ends
            assertTrue(!s.isMember(f.group));
            assertEquals(List.of(), deliver(peer, s, f, f.s1, f.s2));
            s.close();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void blockedSourcesAreRefusedUntilUnblocked(boolean v4) throws Exception {
        Family f = Family.of(v4);
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket s = bound(peer, v4);
            s.join(f.group);
            s.block(f.group, f.s1);
            s.block(f.group, f.s1); // again: nothing changes
            assertEquals(List.of("2"), deliver(peer, s, f, f.s1, f.s2));
            assertEquals(1, peer.stack.counters().drops(DropReason.IP_SOURCE_FILTERED));
            s.unblock(f.group, f.s1);
            assertEquals(List.of("1", "2"), deliver(peer, s, f, f.s1, f.s2));
            s.close();
        }
    }

    @Test
    void eachSocketFiltersForItselfAndTheInterfaceMergesThem() throws Exception {
        Family f = Family.of(true);
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket any = peer.stack.openUdp();
            any.setReuseAddress(true);
            any.bind(IpAddress.ANY_V4, PORT);
            UdpSocket only = peer.stack.openUdp();
            only.setReuseAddress(true);
            only.bind(IpAddress.ANY_V4, PORT);
            any.join(f.group);
            any.block(f.group, f.s1);
            only.join(f.group, f.s1);
            // The interface is EXCLUDE {} (s1 is blocked by one socket but wanted by another): both pass it.
            List<String> toAny = deliver(peer, any, f, f.s1, f.s2);
            assertEquals(List.of("2"), toAny);
            assertEquals(List.of("1"), received(only));
            assertEquals(0, peer.stack.counters().drops(DropReason.IP_SOURCE_FILTERED));
            // Without the source-specific socket the interface itself refuses s1.
            only.close();
            assertEquals(List.of("2"), deliver(peer, any, f, f.s1, f.s2));
            assertEquals(1, peer.stack.counters().drops(DropReason.IP_SOURCE_FILTERED));
            any.close();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void stateChangesAreReportedWithTheirSourceLists(boolean v4) throws Exception {
        Family f = Family.of(v4);
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket s = bound(peer, v4);
            s.join(f.group, f.s1);
            assertEquals(List.of(record(IgmpMessage.ALLOW_NEW_SOURCES, f.group, f.s1)), reports(peer));
            s.join(f.group, f.s2);
            assertEquals(List.of(record(IgmpMessage.ALLOW_NEW_SOURCES, f.group, f.s2)), reports(peer));
            s.leave(f.group, f.s1);
            assertEquals(List.of(record(IgmpMessage.BLOCK_OLD_SOURCES, f.group, f.s1)), reports(peer));
            // RFC 3376 section 5.1: repeated once within a second, with the whole state then current.
            peer.now += 1_000_000_000L;
            peer.poll();
            assertEquals(List.of(record(IgmpMessage.CHANGE_TO_INCLUDE, f.group, f.s2)), reports(peer));
            peer.now += 5_000_000_000L;
            peer.poll();
            assertEquals(List.of(), reports(peer));
            s.leave(f.group, f.s2);
            assertEquals(List.of(record(IgmpMessage.BLOCK_OLD_SOURCES, f.group, f.s2)), reports(peer));

            // Any-source: TO_EX({}), then blocks and unblocks as BLOCK / ALLOW, and the leave as TO_IN({}).
            s.join(f.group);
            assertEquals(List.of(record(IgmpMessage.CHANGE_TO_EXCLUDE, f.group)), reports(peer));
            s.block(f.group, f.s1);
            assertEquals(List.of(record(IgmpMessage.BLOCK_OLD_SOURCES, f.group, f.s1)), reports(peer));
            UdpSocket other = bound(peer, v4, PORT + 1);
            other.join(f.group); // another any-source member does not block s1: the interface lets it in again
            assertEquals(List.of(record(IgmpMessage.ALLOW_NEW_SOURCES, f.group, f.s1)), reports(peer));
            other.close();
            assertEquals(List.of(record(IgmpMessage.BLOCK_OLD_SOURCES, f.group, f.s1)), reports(peer));
            s.unblock(f.group, f.s1);
            assertEquals(List.of(record(IgmpMessage.ALLOW_NEW_SOURCES, f.group, f.s1)), reports(peer));
            s.leave(f.group);
            assertEquals(List.of(record(IgmpMessage.CHANGE_TO_INCLUDE, f.group)), reports(peer));
            peer.now += 2_000_000_000L;
            peer.poll();
            assertEquals(List.of(), reports(peer)); // nothing pending for a group that is gone
            s.close();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void queriesAreAnsweredWithTheCurrentStateAndItsSources(boolean v4) throws Exception {
        Family f = Family.of(v4);
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket s = bound(peer, v4);
            s.join(f.group, f.s1);
            s.join(f.group, f.s2);
            IpAddress asm = v4 ? IpAddress.parse("239.9.9.9") : IpAddress.parse("ff15::99");
            s.join(asm);
            s.block(asm, f.s2);
            peer.now += 2_000_000_000L;
            peer.poll();
            reports(peer); // the state changes and their repetitions
            peer.inject(v4 ? igmpV3GeneralQuery() : mldV2GeneralQuery());
            peer.poll();
            peer.now += 11_000_000_000L;
            peer.poll();
            List<String> got = reports(peer);
            got.sort(null);
            List<String> expected = new ArrayList<>(List.of(record(IgmpMessage.MODE_IS_INCLUDE, f.group, f.s1, f.s2),
                    record(IgmpMessage.MODE_IS_EXCLUDE, asm, f.s2)));
            expected.sort(null);
            assertEquals(expected, got);
            s.close();
        }
    }

    @Test
    void anIgmpV2QuerierGetsV2MessagesWhichCannotCarrySources() throws Exception {
        Family f = Family.of(true);
        try (RawPeer peer = new RawPeer().started()) {
            peer.inject(igmpV2GeneralQuery());
            peer.poll();
            UdpSocket s = bound(peer, true);
            s.join(f.group, f.s1);
            assertEquals(List.of("v2 report " + f.group), reports(peer));
            s.join(f.group, f.s2);
            s.leave(f.group, f.s1);
            assertEquals(List.of(), reports(peer)); // source changes: nothing to say in v2
            s.leave(f.group, f.s2);
            assertEquals(List.of("v2 leave " + f.group), reports(peer));
            s.close();
        }
    }

    @Test
    void ownMulticastOnTheLoopbackHonoursTheFilters() throws Exception {
        try (LoopbackHost h = new LoopbackHost()) {
            IpAddress group = IpAddress.parse("239.1.1.1");
            UdpSocket member = h.stack.openUdp();
            member.bind(IpAddress.ANY_V4, PORT);
            member.join(group);
            member.block(group, IpAddress.LOOPBACK_V4);
            UdpSocket sender = h.stack.openUdp();
            sender.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, group, PORT);
            h.settle();
            assertEquals(0, member.queuedDatagrams());
            member.unblock(group, IpAddress.LOOPBACK_V4);
            sender.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, group, PORT);
            h.settle();
            assertEquals(1, member.queuedDatagrams());
            member.close();
            sender.close();
        }
    }

    @Test
    void misuseThrowsWhatTheJdkThrows() throws Exception {
        Family f = Family.of(true);
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket s = bound(peer, true);
            IpAddress other = IpAddress.parse("239.5.5.5");
            s.join(f.group);
            assertEquals("Already have source-specific membership",
                    assertThrows(IllegalStateException.class, () -> s.join(f.group, f.s1)).getMessage());
            s.join(other, f.s1);
            assertEquals("Already a member to receive all packets",
                    assertThrows(IllegalStateException.class, () -> s.join(other)).getMessage());
            assertEquals("key is source-specific",
                    assertThrows(IllegalStateException.class, () -> s.block(other, f.s2)).getMessage());
            assertThrows(IllegalStateException.class, () -> s.block(IpAddress.parse("239.6.6.6"), f.s2));
            assertEquals("not blocked", assertThrows(IllegalStateException.class, () -> s.unblock(f.group, f.s2)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.join(f.group, IpAddress.ANY_V4));
            assertThrows(IllegalArgumentException.class, () -> s.block(f.group, IpAddress.parse("239.0.0.1")));
            assertThrows(IllegalArgumentException.class, () -> s.join(other, IpAddress.parse("fd00::1")));
            assertThrows(IllegalArgumentException.class, () -> s.join(f.s1, f.s2)); // not a multicast group
            for (int i = 0; i < SocketMemberships.MAX_SOURCES - 1; i++) {
                s.block(f.group, IpAddress.ofV4(0xC612_1000 + i));
            }
            assertThrows(SocketException.class, () -> s.block(f.group, f.s2)); // ENOBUFS
            s.close();
            assertThrows(ClosedChannelException.class, () -> s.join(f.group, f.s1));
            assertThrows(IllegalStateException.class, () -> s.block(f.group, f.s1)); // no longer a member
        }
    }

    // --- helpers ---

    private static UdpSocket bound(RawPeer peer, boolean v4) throws Exception {
        return bound(peer, v4, PORT);
    }

    private static UdpSocket bound(RawPeer peer, boolean v4, int port) throws Exception {
        UdpSocket s = peer.stack.openUdp();
        s.bind(v4 ? IpAddress.ANY_V4 : IpAddress.ANY_V6, port);
        return s;
    }

    /** Sends one datagram to the group from each source (payload "1", "2", ...); returns what {@code s} got. */
    private static List<String> deliver(RawPeer peer, UdpSocket s, Family f, IpAddress... sources) throws Exception {
        for (int i = 0; i < sources.length; i++) {
            peer.inject(udpFrame(sources[i], f.group, PORT, String.valueOf(i + 1).getBytes()));
        }
        peer.poll();
        peer.sent(); // membership reports, port unreachables: not what this looks at
        return received(s);
    }

    private static List<String> received(UdpSocket s) throws Exception {
        List<String> got = new ArrayList<>();
        byte[] b = new byte[64];
        for (int n = s.receive(MemorySegment.ofArray(b), 0, b.length); n >= 0; n = s.receive(MemorySegment.ofArray(b), 0, b.length)) {
            got.add(new String(b, 0, n));
        }
        return got;
    }

    private static String record(int type, IpAddress group, IpAddress... sources) {
        StringBuilder b = new StringBuilder("type ").append(type).append(' ').append(group).append(" {");
        for (IpAddress s : sources) {
            b.append(' ').append(s);
        }
        return b.append(" }").toString();
    }

    /** The IGMP / MLD reports the stack sent since the last call, each record as {@link #record}. */
    private static List<String> reports(RawPeer peer) {
        peer.poll();
        List<String> out = new ArrayList<>();
        EthernetFrame eth = new EthernetFrame();
        for (byte[] frame : peer.sent()) {
            MemorySegment m = MemorySegment.ofArray(frame);
            assertTrue(eth.wrap(m, 0, frame.length));
            if (eth.etherType() == EtherType.IPV4) {
                Ipv4Packet ip = new Ipv4Packet();
                assertEquals(Ipv4Packet.Check.OK, ip.wrap(m, eth.payloadOffset(), eth.payloadLength()));
                if (ip.protocol() != IpProtocol.IGMP) {
                    continue;
                }
                assertEquals(1, ip.ttl());
                IgmpMessage igmp = new IgmpMessage();
                assertTrue(igmp.wrap(m, ip.payloadOffset(), ip.payloadLength()));
                assertTrue(igmp.checksumValid());
                if (igmp.type() == IgmpMessage.V2_REPORT || igmp.type() == IgmpMessage.V2_LEAVE) {
                    out.add((igmp.type() == IgmpMessage.V2_REPORT ? "v2 report " : "v2 leave ") + IpAddress.ofV4(igmp.group()));
                    continue;
                }
                assertEquals(IgmpMessage.V3_REPORT, igmp.type());
                assertEquals(IgmpMessage.ALL_IGMPV3_ROUTERS, ip.destination());
                for (int r = 0; r < igmp.recordCount(); r++) {
                    long rec = igmp.record(r);
                    IpAddress[] src = new IpAddress[igmp.recordSourceCount(rec)];
                    for (int k = 0; k < src.length; k++) {
                        src[k] = IpAddress.ofV4(igmp.recordSource(rec, k));
                    }
                    out.add(record(igmp.recordType(rec), IpAddress.ofV4(igmp.recordGroup(rec)), sorted(src)));
                }
            } else if (eth.etherType() == EtherType.IPV6) {
                Ipv6Packet ip6 = new Ipv6Packet();
                assertEquals(Ipv6Packet.Check.OK, ip6.wrap(m, eth.payloadOffset(), eth.payloadLength()));
                MldMessage mld = new MldMessage();
                if (ip6.upperProtocol() != IpProtocol.ICMPV6 || Bytes.u8(m, ip6.upperOffset()) != 143) {
                    continue; // not an MLDv2 report
                }
                assertEquals(1, ip6.hopLimit());
                assertTrue(ip6.hasHopByHop());
                long sum = Checksum.pseudoHeaderV6(ip6.sourceHi(), ip6.sourceLo(), ip6.destinationHi(),
                        ip6.destinationLo(), IpProtocol.ICMPV6, ip6.upperLength());
                assertTrue(Checksum.verifies(Checksum.add(sum, m, ip6.upperOffset(), ip6.upperLength())));
                assertTrue(mld.wrap(m, ip6.upperOffset(), ip6.upperLength()));
                for (int r = 0; r < mld.recordCount(); r++) {
                    long rec = mld.record(r);
                    IpAddress[] src = new IpAddress[mld.recordSourceCount(rec)];
                    for (int k = 0; k < src.length; k++) {
                        src[k] = new IpAddress(mld.recordSourceHi(rec, k), mld.recordSourceLo(rec, k));
                    }
                    out.add(record(mld.recordType(rec), new IpAddress(mld.recordGroupHi(rec), mld.recordGroupLo(rec)), sorted(src)));
                }
            }
        }
        return out;
    }

    private static IpAddress[] sorted(IpAddress[] a) {
        java.util.Arrays.sort(a, java.util.Comparator.comparing(IpAddress::toString));
        return a;
    }

    /** A UDP datagram from {@code src} to the group, as a router would forward it onto the link. */
    static byte[] udpFrame(IpAddress src, IpAddress group, int port, byte[] payload) {
        boolean v4 = group.isV4();
        int ipLength = v4 ? 20 : 40;
        int l4 = UdpDatagram.HEADER_LENGTH + payload.length;
        byte[] b = new byte[14 + ipLength + l4];
        MemorySegment s = MemorySegment.ofArray(b);
        long mac = v4 ? MacAddress.ofIpv4Multicast(group.v4()) : MacAddress.ofIpv6Multicast(group.lo());
        new EthernetHeader().set(mac, RawPeer.PEER_MAC, v4 ? EtherType.IPV4 : EtherType.IPV6).emit(s, 0);
        long sum;
        if (v4) {
            Ipv4Header h = new Ipv4Header();
            h.protocol = IpProtocol.UDP;
            h.source = src.v4();
            h.destination = group.v4();
            h.ttl = 5;
            h.emit(s, 14, l4);
            sum = Checksum.pseudoHeaderV4(src.v4(), group.v4(), IpProtocol.UDP, l4);
        } else {
            Ipv6Header h = new Ipv6Header();
            h.nextHeader = IpProtocol.UDP;
            h.sourceHi = src.hi();
            h.sourceLo = src.lo();
            h.destinationHi = group.hi();
            h.destinationLo = group.lo();
            h.hopLimit = 5;
            h.emit(s, 14, l4);
            sum = Checksum.pseudoHeaderV6(src.hi(), src.lo(), group.hi(), group.lo(), IpProtocol.UDP, l4);
        }
        int at = 14 + ipLength;
        UdpDatagram.emit(s, at, 4000, port, l4);
        MemorySegment.copy(MemorySegment.ofArray(payload), 0, s, at + UdpDatagram.HEADER_LENGTH, payload.length);
        Bytes.u16(s, at + 6, 0);
        int c = Checksum.finish(Checksum.add(sum, s, at, l4));
        Bytes.u16(s, at + 6, c == 0 ? 0xFFFF : c);
        return b;
    }

    private static byte[] igmpV3GeneralQuery() {
        return igmpQuery(new byte[] {0x11, 100, 0, 0, 0, 0, 0, 0, 0x02, 125, 0, 0});
    }

    private static byte[] igmpV2GeneralQuery() {
        return igmpQuery(new byte[] {0x11, 100, 0, 0, 0, 0, 0, 0});
    }

    private static byte[] igmpQuery(byte[] igmp) {
        MemorySegment q = MemorySegment.ofArray(igmp);
        Bytes.u16(q, 2, Checksum.compute(q, 0, igmp.length));
        byte[] b = new byte[14 + 20 + igmp.length];
        MemorySegment s = MemorySegment.ofArray(b);
        new EthernetHeader().set(MacAddress.ofIpv4Multicast(IgmpMessage.ALL_HOSTS), RawPeer.PEER_MAC, EtherType.IPV4).emit(s, 0);
        Ipv4Header h = new Ipv4Header();
        h.protocol = IpProtocol.IGMP;
        h.source = 0xC612_00FE;
        h.destination = IgmpMessage.ALL_HOSTS;
        h.ttl = 1;
        h.emit(s, 14, igmp.length);
        MemorySegment.copy(q, 0, s, 34, igmp.length);
        return b;
    }

    /** MLDv2 general query (max response 10 s) from a link-local router, hop limit 1. */
    private static byte[] mldV2GeneralQuery() {
        byte[] mld = new byte[28];
        MemorySegment q = MemorySegment.ofArray(mld);
        Bytes.u8(q, 0, 130);
        Bytes.u16(q, 4, 10_000);
        Bytes.u8(q, 24, 2);
        Bytes.u8(q, 25, 125);
        long srcHi = 0xFE80_0000_0000_0000L, srcLo = 1, dstHi = 0xFF02_0000_0000_0000L, dstLo = 1;
        long sum = Checksum.pseudoHeaderV6(srcHi, srcLo, dstHi, dstLo, IpProtocol.ICMPV6, mld.length);
        Bytes.u16(q, 2, Checksum.finish(Checksum.add(sum, q, 0, mld.length)));
        byte[] b = new byte[14 + 40 + mld.length];
        MemorySegment s = MemorySegment.ofArray(b);
        new EthernetHeader().set(MacAddress.ofIpv6Multicast(1), RawPeer.PEER_MAC, EtherType.IPV6).emit(s, 0);
        Ipv6Header h = new Ipv6Header();
        h.nextHeader = IpProtocol.ICMPV6;
        h.sourceHi = srcHi;
        h.sourceLo = srcLo;
        h.destinationHi = dstHi;
        h.destinationLo = dstLo;
        h.hopLimit = 1;
        h.emit(s, 14, mld.length);
        MemorySegment.copy(q, 0, s, 54, mld.length);
        return b;
    }
}
