package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import io.flyover.stack.RawPeer;
import io.flyover.stack.Stack;
import io.flyover.stack.TwoStacks;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.Captures;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.EtherType;
import io.flyover.stack.wire.EthernetHeader;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.Ipv4Header;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seam TCP will use: segments in through a TransportHandler, out through IpOutput (package-info). */
class TransportSeamTest {

    /** Records what arrives; keeps every other frame to exercise Verdict.KEPT. */
    static final class Recorder implements TransportHandler {
        final Stack stack;
        final List<String> seen = new ArrayList<>();
        final List<Integer> kept = new ArrayList<>();
        int errorsMtu = -1;
        String errorFrom;

        Recorder(Stack stack) {
            this.stack = stack;
        }

        @Override
        public int onSegment(int frame, MemorySegment segment, long offset, int length, IpMeta ip, long nowNanos) {
            seen.add(new IpAddress(ip.sourceHi, ip.sourceLo) + ">" + new IpAddress(ip.destinationHi, ip.destinationLo)
                    + " ports " + Bytes.u16(segment, offset) + ">" + Bytes.u16(segment, offset + 2) + " len " + length);
            if (frame != FramePool.NO_FRAME && seen.size() % 2 == 0) {
                kept.add(frame);
                return Verdict.KEPT;
            }
            return Verdict.CONSUMED;
        }

        @Override
        public void onIcmpError(int icmpVersion, int type, int code, int mtu, MemorySegment segment, long quotedOffset,
                int quotedLength, IpMeta quotedIp, long nowNanos) {
            errorsMtu = mtu;
            errorFrom = new IpAddress(quotedIp.destinationHi, quotedIp.destinationLo) + " port " + Bytes.u16(segment, quotedOffset + 2);
        }

        void releaseKept() {
            for (int f : kept) {
                stack.releaseFrame(f);
            }
            kept.clear();
        }
    }

    /** A fake 20-byte TCP header plus payload in a fresh frame of {@code stack}. */
    static int segment(Stack stack, int srcPort, int dstPort, int payload) {
        int frame = stack.acquireFrame();
        FramePool pool = stack.device().pool();
        MemorySegment m = pool.region();
        long at = pool.dataAddress(frame);
        Bytes.u16(m, at, srcPort);
        Bytes.u16(m, at + 2, dstPort);
        Bytes.i32(m, at + 4, 1000);
        Bytes.i32(m, at + 8, 0);
        Bytes.u16(m, at + 12, 0x5002); // offset 5, SYN
        Bytes.u16(m, at + 14, 65_535);
        Bytes.i32(m, at + 16, 0);
        for (int i = 0; i < payload; i++) {
            Bytes.u8(m, at + 20 + i, i);
        }
        pool.setData(frame, pool.dataOffset(frame), 20 + payload);
        return frame;
    }

    @Test
    void segmentsGoOutThroughIpOutputAndComeInThroughTheHandlerInBothFamilies() {
        try (TwoStacks net = new TwoStacks()) {
            Recorder atB = new Recorder(net.b);
            Recorder atA = new Recorder(net.a);
            net.b.registerTransport(IpProtocol.TCP, atB);
            net.a.registerTransport(IpProtocol.TCP, atA);
            IpOutput out = net.a.ipOutput();
            assertEquals(1480, out.maxSegment(0, TwoStacks.B4.lo()));
            assertTrue(out.send(segment(net.a, 40000, 80, 10), IpProtocol.TCP, 0, IpAddress.V4_MAPPED_PREFIX,
                    TwoStacks.B4.hi(), TwoStacks.B4.lo(), 64, 0, true));
            assertTrue(out.send(segment(net.a, 40001, 80, 0), IpProtocol.TCP, TwoStacks.A6.hi(), TwoStacks.A6.lo(),
                    TwoStacks.B6.hi(), TwoStacks.B6.lo(), 64, 0, false));
            net.run(4);
            assertEquals(List.of("198.18.0.1>198.18.0.2 ports 40000>80 len 30", "fd00:0:0:0:0:0:0:1>fd00:0:0:0:0:0:0:2 ports 40001>80 len 20"), atB.seen);
            // And back: B answers through its own IpOutput.
            net.b.ipOutput().send(segment(net.b, 80, 40000, 0), IpProtocol.TCP, 0, IpAddress.V4_MAPPED_PREFIX,
                    TwoStacks.A4.hi(), TwoStacks.A4.lo(), 64, 0, true);
            net.run(4);
            assertEquals(List.of("198.18.0.2>198.18.0.1 ports 80>40000 len 20"), atA.seen);
            // Too big with DF (TCP sizes segments by maxSegment, the IP layer does not fragment them).
            assertFalse(out.send(segment(net.a, 40000, 80, 1481), IpProtocol.TCP, 0, IpAddress.V4_MAPPED_PREFIX,
                    TwoStacks.B4.hi(), TwoStacks.B4.lo(), 64, 0, true));
            assertEquals(1, net.a.counters().drops(DropReason.IP_PACKET_TOO_BIG));
            atA.releaseKept();
            atB.releaseKept();
        }
    }

    @Test
    void badChecksumsNeverReachTheHandlerAndFragmentationNeededReportsTheMtu() {
        try (RawPeer peer = new RawPeer().started()) {
            Recorder tcp = new Recorder(peer.stack);
            peer.stack.registerTransport(IpProtocol.TCP, tcp);
            byte[] l4 = Captures.hex("9c40 0050 000003e8 00000000 5002 ffff 0000 0000");
            byte[] frame = ipv4Frame(0xC612_0001, 0xC612_0002, IpProtocol.TCP, l4);
            long pseudo = Checksum.pseudoHeaderV4(0xC612_0001, 0xC612_0002, IpProtocol.TCP, l4.length);
            int c = Checksum.finish(Checksum.add(pseudo, MemorySegment.ofArray(frame), 34, l4.length));
            frame[34 + 16] = (byte) (c >>> 8);
            frame[34 + 17] = (byte) c;
            peer.inject(frame);
            byte[] bad = frame.clone();
            bad[40] ^= 1;
            peer.inject(bad);
            peer.poll();
            assertEquals(1, tcp.seen.size());
            assertEquals(1, peer.stack.counters().drops(DropReason.TCP_BAD_CHECKSUM));

            // ICMP fragmentation needed (MTU 1400) quoting a TCP segment of ours to 198.18.0.1:80.
            byte[] quoted = new byte[28];
            MemorySegment q = MemorySegment.ofArray(quoted);
            Ipv4Header h = new Ipv4Header();
            h.protocol = IpProtocol.TCP;
            h.source = 0xC612_0002;
            h.destination = 0xC612_0001;
            h.dontFragment = true;
            h.emit(q, 0, 8);
            Bytes.u16(q, 20, 40000);
            Bytes.u16(q, 22, 80);
            byte[] icmp = new byte[8 + 28];
            icmp[0] = 3;
            icmp[1] = 4;
            icmp[6] = 0x05;
            icmp[7] = 0x78;
            System.arraycopy(quoted, 0, icmp, 8, 28);
            int ic = Checksum.compute(MemorySegment.ofArray(icmp), 0, icmp.length);
            icmp[2] = (byte) (ic >>> 8);
            icmp[3] = (byte) ic;
            peer.inject(ipv4Frame(0xC612_00FE, 0xC612_0002, IpProtocol.ICMP, icmp));
            peer.poll();
            assertEquals(1400, tcp.errorsMtu);
            assertEquals("198.18.0.1 port 80", tcp.errorFrom);
            tcp.releaseKept();
        }
    }

    static byte[] ipv4Frame(int src, int dst, int protocol, byte[] l4) {
        byte[] b = new byte[14 + 20 + l4.length];
        MemorySegment s = MemorySegment.ofArray(b);
        new EthernetHeader().set(RawPeer.STACK_MAC, RawPeer.PEER_MAC, EtherType.IPV4).emit(s, 0);
        Ipv4Header h = new Ipv4Header();
        h.protocol = protocol;
        h.source = src;
        h.destination = dst;
        h.emit(s, 14, l4.length);
        MemorySegment.copy(MemorySegment.ofArray(l4), 0, s, 34, l4.length);
        return b;
    }
}
