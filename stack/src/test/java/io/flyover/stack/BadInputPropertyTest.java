package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.udp.UdpSocket;
import io.flyover.stack.wire.Captures;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.EtherType;
import io.flyover.stack.wire.EthernetHeader;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.Ipv4Header;
import io.flyover.stack.wire.Ipv6Header;
import io.flyover.stack.wire.UdpDatagram;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pushes a million random and mutated frames (mutations of valid frames of every protocol the stack
 * speaks) through one stack: nothing escapes as an exception, every frame is either consumed or dropped
 * under a named reason, and no frame leaks. {@code -Dflyover.fuzz.frames=N} changes the count,
 * {@code -Dflyover.fuzz.seed=S} the seed.
 */
class BadInputPropertyTest {
    static final long STACK_MAC = 0x2663_5890_1192L;
    static final long PEER_MAC = 0x6612_e465_0ba2L;

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void millionFramesNeverThrowNeverLeakAndAreAllAccountedFor() throws Exception {
        int frames = Integer.getInteger("flyover.fuzz.frames", 1_000_000);
        long seed = Long.getLong("flyover.fuzz.seed", 20_261_122L);
        List<byte[]> corpus = corpus();
        SeededRandom rnd = new SeededRandom(seed);
        FramePool pool = FramePool.allocate(4096);
        InjectDevice device = new InjectDevice(pool, STACK_MAC);
        Stack stack = new Stack(StackConfig.builder().ipv4("198.18.0.2", 24).ipv6("fd00::2", 64)
                .ipv4Gateway("198.18.0.254").reassembly(4, 2_000_000_000L).build(), device, new SeededRandom(seed + 1));
        // The real TCP, listening where the corpus's SYNs go: mutated segments reach every state's input.
        TcpListener listener = stack.tcp().listen(0, 0, 40000, 64, null);
        UdpSocket udp = stack.openUdp();
        udp.setReuseAddress(true);
        udp.bind(IpAddress.ANY_V6, 9);
        udp.join(IpAddress.parse("239.1.2.3"));
        UdpSocket udp2 = stack.openUdp();
        udp2.setReuseAddress(true);
        udp2.bind(IpAddress.ANY_V6, 5000);
        udp2.join(IpAddress.parse("239.1.2.3"));
        MemorySegment sink = MemorySegment.ofArray(new byte[65_536]);

        long now = 1_000_000_000L;
        byte[] buf = new byte[2048];
        int injected = 0;
        while (injected < frames) {
            int batch = Math.min(32, frames - injected);
            for (int i = 0; i < batch; i++) {
                int length = mutate(corpus, rnd, buf);
                assertTrue(device.inject(buf, length));
            }
            injected += batch;
            stack.poll(now);
            now += 1_000_000L + rnd.nextInt(50_000_000); // 1-51 ms per burst: timers fire along the way
            while (udp.receive(sink, 0, 65_536) >= 0 || udp2.receive(sink, 0, 65_536) >= 0) {
                // drain
            }
            for (TcpConnection accepted; (accepted = listener.accept()) != null; ) {
                accepted.abort(now);
            }
        }
        stack.poll(now);
        StackCounters c = stack.counters();
        System.out.println("fuzz: " + frames + " frames, seed " + seed + ", tcp handed " + stack.tcp().stats().segmentsIn + ", " + c);
        assertEquals(frames, c.rxFrames());
        assertEquals(c.rxFrames(), c.rxConsumed() + c.rxDropped(), c.toString());
        assertTrue(c.rxConsumed() > frames / 50, "too few frames got through to be a meaningful test: " + c);
        assertTrue(c.drops(DropReason.IP_BAD_CHECKSUM) > 0 && c.drops(DropReason.UDP_BAD_CHECKSUM) > 0
                && c.drops(DropReason.ETHERNET_TRUNCATED) > 0 && c.drops(DropReason.IP_BAD_TOTAL_LENGTH) > 0, c.toString());
        assertTrue(stack.tcp().stats().segmentsIn > 0);
        listener.close(now);
        udp.close();
        udp2.close();
        stack.close();
        device.close();
        pool.checkAllReturned();
        pool.close();
    }

    /** One valid frame of the corpus, then none, one or several mutations; or (1 in 16) random bytes. */
    static int mutate(List<byte[]> corpus, SeededRandom rnd, byte[] out) {
        int kind = rnd.nextInt(16);
        if (kind == 0) {
            int length = rnd.nextInt(200);
            for (int i = 0; i < length; i++) {
                out[i] = (byte) rnd.nextLong();
            }
            return length;
        }
        byte[] base = corpus.get(rnd.nextInt(corpus.size()));
        int length = Math.min(base.length, out.length);
        System.arraycopy(base, 0, out, 0, length);
        if (kind == 1) {
            return length; // unmodified valid frames keep the good paths busy
        }
        int mutations = 1 + rnd.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            switch (rnd.nextInt(8)) {
                case 0, 1, 2 -> out[rnd.nextInt(Math.max(1, length))] ^= (byte) (1 << rnd.nextInt(8)); // bit flip
                case 3 -> out[rnd.nextInt(Math.max(1, length))] = (byte) rnd.nextLong(); // byte
                case 4 -> length = rnd.nextInt(length + 1); // truncate
                case 5 -> { // extend with junk
                    int extra = rnd.nextInt(64);
                    for (int i = 0; i < extra && length < out.length; i++) {
                        out[length++] = (byte) rnd.nextLong();
                    }
                }
                case 6 -> { // a header-ish field near the front set to an extreme
                    if (length > 20) {
                        int at = 12 + rnd.nextInt(Math.min(length, 80) - 12);
                        out[at] = (byte) (rnd.nextInt(2) == 0 ? 0 : 0xFF);
                    }
                }
                default -> { // fix up checksums after the mutation so deeper layers see it
                    fixChecksums(out, length);
                }
            }
        }
        return length;
    }

    /** Recomputes IPv4 header and UDP/ICMP/TCP checksums where the lengths make sense, so mutations reach L4. */
    static void fixChecksums(byte[] b, int length) {
        MemorySegment s = MemorySegment.ofArray(b).asSlice(0, length);
        if (length < 34) {
            return;
        }
        int type = ((b[12] & 0xFF) << 8) | (b[13] & 0xFF);
        if (type == EtherType.IPV4) {
            int ihl = (b[14] & 0xF) * 4;
            if (ihl < 20 || 14 + ihl > length) {
                return;
            }
            s.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 24, (short) 0);
            int c = Checksum.compute(s, 14, ihl);
            b[24] = (byte) (c >>> 8);
            b[25] = (byte) c;
            int total = ((b[16] & 0xFF) << 8) | (b[17] & 0xFF);
            int l4 = Math.min(total, length - 14) - ihl;
            int proto = b[23] & 0xFF;
            int field = proto == IpProtocol.UDP ? 6 : proto == IpProtocol.TCP ? 16 : proto == IpProtocol.ICMP || proto == IpProtocol.IGMP ? 2 : -1;
            if (l4 < field + 2 || field < 0) {
                return;
            }
            long at = 14 + ihl;
            b[(int) at + field] = 0;
            b[(int) at + field + 1] = 0;
            long sum = proto == IpProtocol.ICMP || proto == IpProtocol.IGMP ? 0
                    : Checksum.pseudoHeaderV4(s.get(io.flyover.stack.wire.BytesForTests.INT, 26), s.get(io.flyover.stack.wire.BytesForTests.INT, 30), proto, l4);
            int cs = Checksum.finish(Checksum.add(sum, s, at, l4));
            b[(int) at + field] = (byte) (cs >>> 8);
            b[(int) at + field + 1] = (byte) cs;
        }
    }

    /** Valid frames of every protocol: Linux captures plus hand-built ones for what the capture lacks. */
    static List<byte[]> corpus() {
        List<byte[]> c = new ArrayList<>();
        for (byte[] f : Captures.linuxVeth()) {
            long dst = MemorySegment.ofArray(f).get(io.flyover.stack.wire.BytesForTests.INT, 0) & 0xFFFF_FFFFL;
            if (dst != (PEER_MAC >>> 16)) {
                c.add(f); // what fc-a sent (to us, broadcast, multicast); fc-b's own answers are not for us
            }
        }
        byte[] tcpSyn = Captures.hex("c612 9c40 00000001 00000000 a002 faf0 0000 0000 020405b40402080a0000000100000000 01030307");
        c.add(ipv4(IpProtocol.TCP, 0xC612_0001, 0xC612_0002, tcpSyn));
        c.add(ipv6(IpProtocol.TCP, 0xFD00_0000_0000_0000L, 1, 0xFD00_0000_0000_0000L, 2, 64, tcpSyn));
        byte[] udp = Captures.hex("c000 0009 0010 0000 6461746164617461");
        c.add(ipv4(IpProtocol.UDP, 0xC612_0001, 0xC612_0002, udp));
        c.add(ipv6(IpProtocol.UDP, 0xFD00_0000_0000_0000L, 1, 0xFD00_0000_0000_0000L, 2, 64, udp));
        c.add(ipv4(IpProtocol.UDP, 0xC612_0001, 0xEF01_0203, Captures.hex("c000 1388 0010 0000 6d63617374212121")));
        c.add(ipv4(IpProtocol.IGMP, 0xC612_00FE, 0xE000_0001, Captures.hex("11 64 ee9b 00000000")));
        c.add(ipv4(IpProtocol.IGMP, 0xC612_00FE, 0xE000_0001, Captures.hex("11 64 0000 00000000 02 7d 0000")));
        byte[] ra = Captures.hex("86 00 0000 40 00 0708 00000000 00000000 01 01 020000000001 05 01 0000 00000578"
                + "03 04 40 c0 00015180 00003840 00000000 fd000001000000000000000000000000");
        c.add(ipv6(IpProtocol.ICMPV6, 0xFE80_0000_0000_0000L, 1, 0xFF02_0000_0000_0000L, 1, 255, ra));
        byte[] mldQuery = Captures.hex("82 00 0000 2710 0000" + "0".repeat(32) + "02 7d 0000");
        c.add(ipv6(IpProtocol.ICMPV6, 0xFE80_0000_0000_0000L, 1, 0xFF02_0000_0000_0000L, 1, 1, mldQuery));
        byte[] dad = Captures.hex("87 00 0000 00000000 fd000000000000000000000000000002");
        c.add(ipv6(IpProtocol.ICMPV6, 0, 0, 0xFF02_0000_0000_0000L, 0x0000_0001_FF00_0002L, 255, dad));
        // Fragmentation needed and packet too big quoting a UDP datagram of ours.
        byte[] quoted4 = new byte[28];
        MemorySegment q = MemorySegment.ofArray(quoted4);
        Ipv4Header h = new Ipv4Header();
        h.protocol = IpProtocol.UDP;
        h.source = 0xC612_0002;
        h.destination = 0xC612_0001;
        h.emit(q, 0, 8);
        UdpDatagram.emit(q, 20, 9, 40000, 8);
        byte[] fragNeeded = new byte[8 + 28];
        fragNeeded[0] = 3;
        fragNeeded[1] = 4;
        fragNeeded[7] = (byte) 0xDC;
        fragNeeded[6] = 0x05;
        System.arraycopy(quoted4, 0, fragNeeded, 8, 28);
        MemorySegment fn = MemorySegment.ofArray(fragNeeded);
        int cs = Checksum.compute(fn, 0, fragNeeded.length);
        fragNeeded[2] = (byte) (cs >>> 8);
        fragNeeded[3] = (byte) cs;
        c.add(ipv4(IpProtocol.ICMP, 0xC612_00FE, 0xC612_0002, fragNeeded));
        byte[] ptb = Captures.hex("02 00 0000 00000500 60000000 0008 11 40 fd000000000000000000000000000002"
                + "fd000000000000000000000000000001 0009 9c40 0008 0000");
        c.add(ipv6(IpProtocol.ICMPV6, 0xFD00_0000_0000_0000L, 0xFE, 0xFD00_0000_0000_0000L, 2, 64, ptb));
        // A VLAN-tagged copy of the first echo request.
        byte[] plain = Captures.linuxVeth().get(4);
        byte[] tagged = new byte[plain.length + 4];
        System.arraycopy(plain, 0, tagged, 0, 12);
        tagged[12] = (byte) 0x81;
        tagged[15] = 7;
        System.arraycopy(plain, 12, tagged, 16, plain.length - 12);
        c.add(tagged);
        return c;
    }

    static byte[] ipv4(int protocol, int src, int dst, byte[] l4) {
        byte[] b = new byte[14 + 20 + l4.length];
        MemorySegment s = MemorySegment.ofArray(b);
        new EthernetHeader().set((dst >>> 28) == 0xE ? 0x0100_5E00_0000L | (dst & 0x7F_FFFF) : STACK_MAC, PEER_MAC, EtherType.IPV4).emit(s, 0);
        Ipv4Header h = new Ipv4Header();
        h.protocol = protocol;
        h.source = src;
        h.destination = dst;
        h.ttl = protocol == IpProtocol.IGMP ? 1 : 64;
        h.emit(s, 14, l4.length);
        MemorySegment.copy(MemorySegment.ofArray(l4), 0, s, 34, l4.length);
        fixChecksums(b, b.length);
        return b;
    }

    static byte[] ipv6(int protocol, long srcHi, long srcLo, long dstHi, long dstLo, int hopLimit, byte[] l4) {
        byte[] b = new byte[14 + 40 + l4.length];
        MemorySegment s = MemorySegment.ofArray(b);
        long mac = (dstHi >>> 56) == 0xFF ? 0x3333_0000_0000L | (dstLo & 0xFFFF_FFFFL) : STACK_MAC;
        new EthernetHeader().set(mac, PEER_MAC, EtherType.IPV6).emit(s, 0);
        Ipv6Header h = new Ipv6Header();
        h.nextHeader = protocol;
        h.sourceHi = srcHi;
        h.sourceLo = srcLo;
        h.destinationHi = dstHi;
        h.destinationLo = dstLo;
        h.hopLimit = hopLimit;
        h.emit(s, 14, l4.length);
        MemorySegment.copy(MemorySegment.ofArray(l4), 0, s, 54, l4.length);
        int field = protocol == IpProtocol.TCP ? 16 : protocol == IpProtocol.UDP ? 6 : 2;
        b[54 + field] = 0;
        b[54 + field + 1] = 0;
        int cs = Checksum.finish(Checksum.add(Checksum.pseudoHeaderV6(srcHi, srcLo, dstHi, dstLo, protocol, l4.length), s, 54, l4.length));
        b[54 + field] = (byte) (cs >>> 8);
        b[54 + field + 1] = (byte) cs;
        return b;
    }
}
