package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import io.flyover.stack.InjectDevice;
import io.flyover.stack.RawPeer;
import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FrameFlags;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.udp.UdpSocket;
import io.flyover.stack.wire.ArpPacket;
import io.flyover.stack.wire.Captures;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.EtherType;
import io.flyover.stack.wire.EthernetFrame;
import io.flyover.stack.wire.Ipv4Packet;
import io.flyover.stack.wire.UdpDatagram;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OffloadAndExpiryTest {

    @Test
    void withTransmitChecksumOffloadOnlyThePseudoHeaderIsSeeded() throws Exception {
        FramePool pool = FramePool.allocate(256);
        InjectDevice device = new InjectDevice(pool, RawPeer.STACK_MAC, Set.of(DeviceCapabilities.Offload.TX_L4_CHECKSUM));
        device.captured = new ArrayList<>();
        device.capturedFlags = new ArrayList<>();
        Stack stack = new Stack(StackConfig.builder().ipv4("198.18.0.2", 24).build(), device, new SeededRandom(1));
        stack.poll(1);
        device.inject(Captures.linuxVeth().get(2), 42); // ARP request from 198.18.0.1 teaches its MAC
        stack.poll(2);
        device.captured.clear();
        device.capturedFlags.clear();
        UdpSocket s = stack.openUdp();
        s.sendTo(MemorySegment.ofArray("offload".getBytes()), 0, 7, IpAddress.parse("198.18.0.1"), 9);
        assertEquals(1, device.captured.size());
        assertEquals(FrameFlags.TX_L4_CHECKSUM, device.capturedFlags.get(0));
        MemorySegment f = MemorySegment.ofArray(device.captured.get(0));
        Ipv4Packet ip = new Ipv4Packet();
        assertEquals(Ipv4Packet.Check.OK, ip.wrap(f, 14, (int) f.byteSize() - 14));
        UdpDatagram udp = new UdpDatagram();
        assertTrue(udp.wrap(f, ip.payloadOffset(), ip.payloadLength()));
        assertEquals(Checksum.fold(Checksum.pseudoHeaderV4(ip.source(), ip.destination(), 17, udp.length())), udp.checksum());
        // What the NIC would do: sum the datagram with the seeded field and store the complement.
        int finished = Checksum.finish(Checksum.add(0, f, ip.payloadOffset(), udp.length()));
        f.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), ip.payloadOffset() + 6, (short) finished);
        assertTrue(udp.checksumValid(Checksum.pseudoHeaderV4(ip.source(), ip.destination(), 17, udp.length())));
        s.close();
        stack.close();
        device.close();
        pool.checkAllReturned();
        pool.close();
    }

    /**
     * RFC 4861 section 7.3.3 (used for ARP, as Linux): a neighbour whose reachable time passed is STALE
     * and keeps carrying traffic; its first use starts DELAY, then PROBE asks it by unicast, and the
     * answer makes it REACHABLE again. Traffic is never held behind the probe.
     */
    @Test
    void anExpiredNeighborKeepsCarryingTrafficWhileItIsProbedByUnicast() throws Exception {
        try (RawPeer peer = new RawPeer(StackConfig.builder().neighborTimers(5_000_000_000L, 1_000_000_000L, 3)).started()) {
            peer.inject(replyFromPeer()); // 198.18.0.1 answers unicast: REACHABLE
            peer.poll();
            peer.sent();
            UdpSocket s = peer.stack.openUdp();
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(EtherType.IPV4), types(peer.sent()));
            peer.now += 6_000_000_000L; // past the reachable time: STALE
            peer.poll(); // sends between polls use the time of the last poll
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(EtherType.IPV4), types(peer.sent())); // sent at once; DELAY starts
            peer.now += NeighborCache.DELAY_FIRST_PROBE_NANOS;
            peer.poll();
            List<byte[]> out = peer.sent();
            assertEquals(List.of(EtherType.ARP), types(out)); // PROBE
            EthernetFrame eth = new EthernetFrame();
            assertTrue(eth.wrap(MemorySegment.ofArray(out.get(0)), 0, out.get(0).length));
            assertEquals(RawPeer.PEER_MAC, eth.destination()); // unicast to the cached address
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(EtherType.IPV4), types(peer.sent())); // not held while the probe is out
            peer.inject(replyFromPeer());
            peer.poll();
            peer.now += 4_000_000_000L;
            peer.poll();
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(EtherType.IPV4), types(peer.sent())); // REACHABLE again: nothing else
            assertEquals(1, peer.stack.netInterface().neighbors().solicitationsSent()); // the one probe
        }
    }

    /** RFC 4861 section 7.3.3: unanswered unicast probes delete the entry; the next send resolves by broadcast. */
    @Test
    void aNeighborThatIgnoresItsProbesIsForgottenAndResolvedAnew() throws Exception {
        try (RawPeer peer = new RawPeer(StackConfig.builder().neighborTimers(5_000_000_000L, 1_000_000_000L, 3)).started()) {
            peer.inject(Captures.linuxVeth().get(2)); // an ARP request from 198.18.0.1 teaches its MAC: STALE
            peer.poll();
            peer.sent();
            UdpSocket s = peer.stack.openUdp();
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(EtherType.IPV4), types(peer.sent()));
            peer.now += NeighborCache.DELAY_FIRST_PROBE_NANOS;
            for (int probe = 0; probe < 3; probe++) {
                peer.poll();
                assertEquals(List.of(EtherType.ARP), types(peer.sent()));
                s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
                assertEquals(List.of(EtherType.IPV4), types(peer.sent()));
                peer.now += 1_000_000_000L;
            }
            peer.poll(); // no answer to the third probe: the entry is deleted
            assertTrue(peer.sent().isEmpty());
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            List<byte[]> out = peer.sent();
            assertEquals(List.of(EtherType.ARP), types(out)); // the datagram waits for a broadcast request
            EthernetFrame eth = new EthernetFrame();
            assertTrue(eth.wrap(MemorySegment.ofArray(out.get(0)), 0, out.get(0).length));
            assertEquals(EthernetFrame.BROADCAST, eth.destination());
            peer.inject(replyFromPeer());
            peer.poll();
            assertEquals(List.of(EtherType.IPV4), types(peer.sent()));
        }
    }

    /**
     * ARP has no checksum: a corrupted or forged reply or announcement must not move a neighbour that
     * was just confirmed (Linux's locktime, 1 s); it is counted. A second later a new address is taken,
     * as the neighbour may really have moved.
     */
    @Test
    void anArpMessageChangingAFreshlyConfirmedAddressIsIgnoredAndCounted() throws Exception {
        long otherMac = RawPeer.PEER_MAC ^ 0x0000_0000_0100L; // one bit flipped
        try (RawPeer peer = new RawPeer().started()) {
            peer.inject(replyFromPeer()); // REACHABLE at PEER_MAC
            peer.poll();
            peer.inject(arp(ArpPacket.OP_REPLY, otherMac, RawPeer.STACK_MAC, 0xC612_0002)); // a corrupted copy
            peer.inject(arp(ArpPacket.OP_REQUEST, otherMac, EthernetFrame.BROADCAST, 0xC612_0001)); // an announcement
            peer.poll();
            assertEquals(2, peer.stack.counters().drops(DropReason.NEIGHBOR_ADDRESS_LOCKED));
            UdpSocket s = peer.stack.openUdp();
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(RawPeer.PEER_MAC), destinations(peer.sent()));

            peer.now += NeighborCache.LOCK_NANOS; // the lock is over: the neighbour may have moved
            peer.poll();
            peer.inject(arp(ArpPacket.OP_REPLY, otherMac, RawPeer.STACK_MAC, 0xC612_0002));
            peer.poll();
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(otherMac), destinations(peer.sent()));
            assertEquals(2, peer.stack.counters().drops(DropReason.NEIGHBOR_ADDRESS_LOCKED));
            s.close();
        }
    }

    /**
     * Seed 886 of StackTcpSimulationTest: the peer's announcement resolved it, then the unicast reply to our
     * request arrived with one bit of the sender's MAC flipped, and the stack sent into the void for 31 s.
     */
    @Test
    void aCorruptedReplyRightAfterAnAnnouncementResolvedTheNeighborIsIgnored() throws Exception {
        long otherMac = RawPeer.PEER_MAC ^ 0x0400_0000_0000L;
        try (RawPeer peer = new RawPeer().started()) {
            UdpSocket s = peer.stack.openUdp();
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(EthernetFrame.BROADCAST), destinations(peer.sent())); // who-has 198.18.0.1
            peer.inject(arp(ArpPacket.OP_REQUEST, RawPeer.PEER_MAC, EthernetFrame.BROADCAST, 0xC612_0001));
            peer.poll();
            assertEquals(List.of(RawPeer.PEER_MAC), destinations(peer.sent())); // the queued datagram
            peer.now += 7_000_000L;
            peer.inject(arp(ArpPacket.OP_REPLY, otherMac, RawPeer.STACK_MAC, 0xC612_0002));
            peer.poll();
            assertEquals(1, peer.stack.counters().drops(DropReason.NEIGHBOR_ADDRESS_LOCKED));
            s.sendTo(MemorySegment.ofArray(new byte[4]), 0, 4, IpAddress.parse("198.18.0.1"), 9);
            assertEquals(List.of(RawPeer.PEER_MAC), destinations(peer.sent()));
            s.close();
        }
    }

    /** An ARP message from 198.18.0.1 claiming {@code senderMac}, to the stack (target 198.18.0.2) or an announcement. */
    static byte[] arp(int op, long senderMac, long ethDestination, int targetIp) {
        byte[] b = new byte[42];
        MemorySegment s = MemorySegment.ofArray(b);
        new io.flyover.stack.wire.EthernetHeader().set(ethDestination, senderMac, EtherType.ARP).emit(s, 0);
        ArpPacket.emit(s, 14, op, senderMac, 0xC612_0001, op == ArpPacket.OP_REPLY ? RawPeer.STACK_MAC : 0, targetIp);
        return b;
    }

    static List<Long> destinations(List<byte[]> frames) {
        List<Long> macs = new ArrayList<>();
        EthernetFrame eth = new EthernetFrame();
        for (byte[] f : frames) {
            assertTrue(eth.wrap(MemorySegment.ofArray(f), 0, f.length));
            macs.add(eth.destination());
        }
        return macs;
    }

    static byte[] replyFromPeer() {
        byte[] b = new byte[42];
        MemorySegment s = MemorySegment.ofArray(b);
        new io.flyover.stack.wire.EthernetHeader().set(RawPeer.STACK_MAC, RawPeer.PEER_MAC, EtherType.ARP).emit(s, 0);
        ArpPacket.emit(s, 14, ArpPacket.OP_REPLY, RawPeer.PEER_MAC, 0xC612_0001, RawPeer.STACK_MAC, 0xC612_0002);
        return b;
    }

    static List<Integer> types(List<byte[]> frames) {
        List<Integer> types = new ArrayList<>();
        EthernetFrame eth = new EthernetFrame();
        for (byte[] f : frames) {
            assertTrue(eth.wrap(MemorySegment.ofArray(f), 0, f.length));
            types.add(eth.etherType());
        }
        return types;
    }
}
