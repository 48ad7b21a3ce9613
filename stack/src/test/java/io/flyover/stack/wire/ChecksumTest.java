package io.flyover.stack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    /** The textbook RFC 1071 loop, one 16-bit word at a time. */
    static int reference(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((b[off + i] & 0xFF) << 8) | (b[off + i + 1] & 0xFF);
        }
        if ((len & 1) != 0) {
            sum += (b[off + len - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    @Test
    void fastPathMatchesReferenceForEveryLengthAndAlignment() {
        SeededRandom rnd = new SeededRandom(7);
        byte[] data = new byte[1600];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) rnd.nextLong();
        }
        MemorySegment s = MemorySegment.ofArray(data);
        for (int off = 0; off < 9; off++) {
            for (int len = 0; len < 300; len++) {
                assertEquals(reference(data, off, len), Checksum.compute(s, off, len), "off " + off + " len " + len);
            }
        }
        assertEquals(reference(data, 3, 1597), Checksum.compute(s, 3, 1597));
    }

    @Test
    void allOnesDataAndMaximumLengthDoNotOverflow() {
        byte[] data = new byte[65_536];
        java.util.Arrays.fill(data, (byte) 0xFF);
        assertEquals(reference(data, 0, data.length), Checksum.compute(MemorySegment.ofArray(data), 0, data.length));
    }

    @Test
    void rfc1071Example() {
        // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (folded), checksum 220d.
        byte[] b = Captures.hex("0001f203f4f5f6f7");
        assertEquals(0xDDF2, Checksum.fold(Checksum.add(0, MemorySegment.ofArray(b), 0, 8)));
        assertEquals(0x220D, Checksum.compute(MemorySegment.ofArray(b), 0, 8));
    }

    @Test
    void incrementalUpdateKeepsTheCoveredDataVerifying() {
        SeededRandom rnd = new SeededRandom(11);
        for (int round = 0; round < 5000; round++) {
            byte[] b = new byte[40];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) rnd.nextLong();
            }
            MemorySegment s = MemorySegment.ofArray(b);
            Bytes.u16(s, 10, 0);
            Bytes.u16(s, 10, Checksum.compute(s, 0, b.length)); // checksum field at 10, as in IPv4
            int at = 12 + rnd.nextInt(7) * 4;
            int oldValue = Bytes.i32(s, at);
            int newValue = round % 100 == 0 ? 0 : (int) rnd.nextLong();
            Bytes.i32(s, at, newValue);
            Bytes.u16(s, 10, Checksum.update32(Bytes.u16(s, 10), oldValue, newValue));
            assertTrue(Checksum.verifies(Checksum.add(0, s, 0, b.length)), "round " + round);
        }
    }

    @Test
    void ttlDecrementUpdatesIpv4HeaderChecksum() {
        byte[] frame = Captures.linuxVeth().get(4); // ICMP echo request, 198.18.0.1 > 198.18.0.2
        MemorySegment s = Captures.segment(frame);
        int old = Bytes.u16(s, 14 + 8);
        Bytes.u8(s, 14 + 8, (old >>> 8) - 1);
        int updated = Checksum.update(Bytes.u16(s, 14 + 10), old, Bytes.u16(s, 14 + 8));
        Bytes.u16(s, 14 + 10, updated);
        Ipv4Packet ip = new Ipv4Packet();
        assertEquals(Ipv4Packet.Check.OK, ip.wrap(s, 14, frame.length - 14));
        assertTrue(ip.headerChecksumValid());
    }

    @Test
    void pseudoHeaderSumsVerifyCapturedUdp() {
        MemorySegment v4 = Captures.segment(Captures.linuxVeth().get(24)); // UDP to port 9 over IPv4
        Ipv4Packet ip = new Ipv4Packet();
        assertEquals(Ipv4Packet.Check.OK, ip.wrap(v4, 14, (int) v4.byteSize() - 14));
        UdpDatagram udp = new UdpDatagram();
        assertTrue(udp.wrap(v4, ip.payloadOffset(), ip.payloadLength()));
        assertTrue(udp.checksumValid(Checksum.pseudoHeaderV4(ip.source(), ip.destination(), 17, udp.length())));
        assertTrue(!udp.checksumValid(Checksum.pseudoHeaderV4(ip.source() + 1, ip.destination(), 17, udp.length())));

        MemorySegment v6 = Captures.segment(Captures.linuxVeth().get(26)); // UDP over IPv6
        Ipv6Packet ip6 = new Ipv6Packet();
        assertEquals(Ipv6Packet.Check.OK, ip6.wrap(v6, 14, (int) v6.byteSize() - 14));
        assertTrue(udp.wrap(v6, ip6.upperOffset(), ip6.upperLength()));
        assertTrue(udp.checksumValid(Checksum.pseudoHeaderV6(ip6.sourceHi(), ip6.sourceLo(),
                ip6.destinationHi(), ip6.destinationLo(), 17, udp.length())));
    }
}
