package io.flyover.verbs.hardware;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Hand-built Ethernet/IPv4 frames for the hardware suite, which must not depend on the stack's
 * protocol code: ICMP echo (RFC 792), UDP (RFC 768), TCP SYN (RFC 9293), with the Internet checksum
 * (RFC 1071) computed here unless the test asks the NIC to do it.
 */
final class Frames {
    static final int ETH = 14, IP = 20;

    private Frames() {}

    static int checksum(byte[] b, int off, int len, long seed) {
        long sum = seed;
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

    static void putMac(ByteBuffer b, long mac) {
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (mac >>> (8 * i)));
        }
    }

    /** Ethernet + IPv4 header for {@code payloadLength} bytes of protocol {@code proto}; the IP checksum filled in unless offloaded. */
    static ByteBuffer ipv4(long dstMac, long srcMac, byte[] src, byte[] dst, int proto, int payloadLength, boolean ipChecksum) {
        byte[] frame = new byte[ETH + IP + payloadLength];
        ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (IP + payloadLength));
        b.putShort((short) 0x1234).putShort((short) 0x4000); // id, DF
        b.put((byte) 64).put((byte) proto).putShort((short) 0);
        b.put(src).put(dst);
        if (ipChecksum) {
            b.putShort(ETH + 10, (short) checksum(frame, ETH, IP, 0));
        }
        return b;
    }

    static long pseudoHeaderSum(byte[] src, byte[] dst, int proto, int length) {
        long sum = 0;
        for (int i = 0; i < 4; i += 2) {
            sum += ((src[i] & 0xFF) << 8) | (src[i + 1] & 0xFF);
            sum += ((dst[i] & 0xFF) << 8) | (dst[i + 1] & 0xFF);
        }
        return sum + proto + length;
    }

    static byte[] icmpEcho(long dstMac, long srcMac, byte[] src, byte[] dst, int id, int seq, byte[] data) {
        ByteBuffer b = ipv4(dstMac, srcMac, src, dst, 1, 8 + data.length, true);
        int at = ETH + IP;
        b.put(at, (byte) 8).put(at + 1, (byte) 0).putShort(at + 4, (short) id).putShort(at + 6, (short) seq);
        b.put(at + 8, data);
        b.putShort(at + 2, (short) checksum(b.array(), at, 8 + data.length, 0));
        return b.array();
    }

    /** A UDP datagram; with {@code offload}, the IP checksum is left zero and the UDP one holds only the pseudo-header sum, for the NIC to finish. */
    static byte[] udp(long dstMac, long srcMac, byte[] src, byte[] dst, int sport, int dport, byte[] data, boolean offload) {
        int len = 8 + data.length;
        ByteBuffer b = ipv4(dstMac, srcMac, src, dst, 17, len, !offload);
        int at = ETH + IP;
        b.putShort(at, (short) sport).putShort(at + 2, (short) dport).putShort(at + 4, (short) len);
        b.put(at + 8, data);
        long pseudo = pseudoHeaderSum(src, dst, 17, len);
        if (offload) {
            long s = pseudo;
            while ((s >>> 16) != 0) {
                s = (s & 0xFFFF) + (s >>> 16);
            }
            b.putShort(at + 6, (short) s);
        } else {
            int c = checksum(b.array(), at, len, pseudo);
            b.putShort(at + 6, (short) (c == 0 ? 0xFFFF : c));
        }
        return b.array();
    }

    static byte[] tcpSyn(long dstMac, long srcMac, byte[] src, byte[] dst, int sport, int dport, int seq) {
        ByteBuffer b = ipv4(dstMac, srcMac, src, dst, 6, 20, true);
        int at = ETH + IP;
        b.putShort(at, (short) sport).putShort(at + 2, (short) dport).putInt(at + 4, seq).putInt(at + 8, 0);
        b.put(at + 12, (byte) 0x50).put(at + 13, (byte) 0x02).putShort(at + 14, (short) 65535);
        b.putShort(at + 16, (short) checksum(b.array(), at, 20, pseudoHeaderSum(src, dst, 6, 20)));
        return b.array();
    }

    static byte[] ipv4Address(String dotted) {
        String[] p = dotted.split("\\.");
        if (p.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + dotted);
        }
        byte[] a = new byte[4];
        for (int i = 0; i < 4; i++) {
            a[i] = (byte) Integer.parseInt(p[i]);
        }
        return a;
    }

    static long mac(String text) {
        return Long.parseLong(text.replace(":", ""), 16);
    }
}
