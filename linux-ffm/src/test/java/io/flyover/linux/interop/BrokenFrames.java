package io.flyover.linux.interop;

import io.flyover.linux.testing.Frames;
import java.nio.ByteBuffer;

/**
 * Hand-built Ethernet frames carrying IPv4, IPv6, UDP, TCP and ICMP with correct lengths and
 * checksums, for a test to break one field of at a time (offsets are those of RFC 791, 8200, 768, 9293).
 */
final class BrokenFrames {
    static final int ETH = 14;
    static final int IPV4_HEADER = 20;
    static final int IPV6_HEADER = 40;
    static final int UDP = 17;
    static final int TCP = 6;
    static final int ICMP = 1;
    static final int TCP_SYN = 0x02;
    static final int TCP_FIN = 0x01;

    private final long destinationMac;
    private final long sourceMac;

    BrokenFrames(long destinationMac, long sourceMac) {
        this.destinationMac = destinationMac;
        this.sourceMac = sourceMac;
    }

    byte[] ethernet(int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(ETH + payload.length);
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (destinationMac >>> (8 * i)));
        }
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (sourceMac >>> (8 * i)));
        }
        return b.putShort((short) etherType).put(payload).array();
    }

    /** An IPv4 frame (no options, DF, TTL 64) with a correct header checksum. */
    byte[] ipv4(byte[] source, byte[] destination, int protocol, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(IPV4_HEADER + l4.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (IPV4_HEADER + l4.length)).putShort((short) 0x1234)
                .putShort((short) 0x4000).put((byte) 64).put((byte) protocol).putShort((short) 0)
                .put(source).put(destination).put(l4);
        byte[] ip = b.array();
        putShort(ip, 10, Frames.checksum(ip, 0, IPV4_HEADER));
        return ethernet(Frames.ETH_IPV4, ip);
    }

    /** An IPv6 frame (hop limit 64). */
    byte[] ipv6(byte[] source, byte[] destination, int nextHeader, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(IPV6_HEADER + l4.length);
        b.putInt(0x6000_0000).putShort((short) l4.length).put((byte) nextHeader).put((byte) 64)
                .put(source).put(destination).put(l4);
        return ethernet(0x86DD, b.array());
    }

    /** A UDP datagram with its checksum over the pseudo-header of {@code source}/{@code destination}. */
    static byte[] udp(byte[] source, byte[] destination, int sourcePort, int destinationPort, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.putShort((short) sourcePort).putShort((short) destinationPort).putShort((short) (8 + data.length))
                .putShort((short) 0).put(data);
        byte[] u = b.array();
        int sum = l4Checksum(source, destination, UDP, u);
        putShort(u, 6, sum == 0 ? 0xFFFF : sum); // RFC 768: a computed zero is sent as all ones
        return u;
    }

    /** A TCP segment without options or data, {@code dataOffsetWords} in its header, checksum correct. */
    static byte[] tcp(byte[] source, byte[] destination, int sourcePort, int destinationPort, int seq, int flags,
                      int dataOffsetWords) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) sourcePort).putShort((short) destinationPort).putInt(seq).putInt(0)
                .put((byte) (dataOffsetWords << 4)).put((byte) flags).putShort((short) 65535)
                .putShort((short) 0).putShort((short) 0);
        byte[] t = b.array();
        putShort(t, 16, l4Checksum(source, destination, TCP, t));
        return t;
    }

    /** An ICMPv4 echo request (RFC 792) with a correct checksum. */
    static byte[] icmpEcho(int id, int seq, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(data);
        byte[] m = b.array();
        putShort(m, 2, Frames.checksum(m, 0, m.length));
        return m;
    }

    /** The TCP/UDP checksum over the IPv4 (RFC 793 §3.1) or IPv6 (RFC 8200 §8.1) pseudo-header. */
    static int l4Checksum(byte[] source, byte[] destination, int protocol, byte[] l4) {
        boolean v4 = source.length == 4;
        ByteBuffer b = ByteBuffer.allocate((v4 ? 12 : 40) + l4.length);
        b.put(source).put(destination);
        if (v4) {
            b.put((byte) 0).put((byte) protocol).putShort((short) l4.length);
        } else {
            b.putInt(l4.length).put(new byte[3]).put((byte) protocol);
        }
        b.put(l4);
        return Frames.checksum(b.array(), 0, b.capacity());
    }

    static void putShort(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    static int getShort(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }
}
