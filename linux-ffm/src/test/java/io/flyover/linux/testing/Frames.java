package io.flyover.linux.testing;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/** Hand-built Ethernet frames for the interop tests (the stack's wire layer is not used here). */
public final class Frames {
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    public static final int ETH_ARP = 0x0806;
    public static final int ETH_IPV4 = 0x0800;

    private Frames() {}

    public static long parseMac(String text) {
        return Long.parseLong(text.replace(":", ""), 16);
    }

    public static String formatMac(long mac) {
        StringBuilder b = new StringBuilder();
        for (int i = 5; i >= 0; i--) {
            b.append(String.format("%02x", (mac >>> (8 * i)) & 0xFF)).append(i == 0 ? "" : ":");
        }
        return b.toString();
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (mac >>> (8 * i)));
        }
    }

    private static long getMac(byte[] f, int at) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | (f[at + i] & 0xFF);
        }
        return mac;
    }

    public static long destination(byte[] f) { return getMac(f, 0); }
    public static long source(byte[] f) { return getMac(f, 6); }
    public static int etherType(byte[] f) { return f.length < 14 ? -1 : ((f[12] & 0xFF) << 8) | (f[13] & 0xFF); }

    /** RFC 826 ARP over Ethernet/IPv4; op 1 request, 2 reply. */
    public static byte[] arp(int op, long srcMac, byte[] srcIp, long dstMac, long targetMac, byte[] targetIp) {
        ByteBuffer b = ByteBuffer.allocate(42);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short) ETH_ARP);
        b.putShort((short) 1).putShort((short) ETH_IPV4).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, srcMac);
        b.put(srcIp);
        putMac(b, targetMac);
        b.put(targetIp);
        return b.array();
    }

    public static boolean isArp(byte[] f, int op) {
        return f.length >= 42 && etherType(f) == ETH_ARP && f[20] == 0 && f[21] == op;
    }

    public static byte[] arpSenderIp(byte[] f) { return Arrays.copyOfRange(f, 28, 32); }
    public static long arpSenderMac(byte[] f) { return getMac(f, 22); }
    public static byte[] arpTargetIp(byte[] f) { return Arrays.copyOfRange(f, 38, 42); }
    public static long arpTargetMac(byte[] f) { return getMac(f, 32); }

    /** IPv4 (RFC 791, no options, DF) carrying ICMP echo (RFC 792): type 8 request, 0 reply. */
    public static byte[] icmpEcho(int type, long srcMac, long dstMac, byte[] srcIp, byte[] dstIp,
                                  int id, int seq, byte[] payload) {
        int icmpLength = 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + icmpLength);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short) ETH_IPV4);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + icmpLength));
        b.putShort((short) seq).putShort((short) 0x4000).put((byte) 64).put((byte) 1).putShort((short) 0);
        b.put(srcIp).put(dstIp);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(payload);
        byte[] f = b.array();
        int ipSum = checksum(f, 14, 20);
        f[24] = (byte) (ipSum >>> 8);
        f[25] = (byte) ipSum;
        int icmpSum = checksum(f, 34, icmpLength);
        f[36] = (byte) (icmpSum >>> 8);
        f[37] = (byte) icmpSum;
        return f;
    }

    /** The Internet checksum of RFC 1071 over {@code [from, from + length)}. */
    public static int checksum(byte[] data, int from, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += ((data[from + i] & 0xFF) << 8) | (data[from + i + 1] & 0xFF);
        }
        if ((length & 1) != 0) {
            sum += (data[from + length - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    public static boolean isIcmpEcho(byte[] f, int type) {
        return f.length >= 42 && etherType(f) == ETH_IPV4 && (f[14] & 0xF0) == 0x40 && f[23] == 1
                && (f[34] & 0xFF) == type;
    }

    public static byte[] ipSource(byte[] f) { return Arrays.copyOfRange(f, 26, 30); }
    public static byte[] ipDestination(byte[] f) { return Arrays.copyOfRange(f, 30, 34); }
    public static int icmpId(byte[] f) { return ((f[38] & 0xFF) << 8) | (f[39] & 0xFF); }
    public static int icmpSeq(byte[] f) { return ((f[40] & 0xFF) << 8) | (f[41] & 0xFF); }

    public static byte[] icmpPayload(byte[] f) {
        int ihl = (f[14] & 0x0F) * 4;
        int total = ((f[16] & 0xFF) << 8) | (f[17] & 0xFF);
        return Arrays.copyOfRange(f, 14 + ihl + 8, 14 + total);
    }

    public static boolean ipChecksumValid(byte[] f) {
        return checksum(f, 14, (f[14] & 0x0F) * 4) == 0;
    }

    public static String hex(byte[] f) {
        return HexFormat.of().formatHex(f);
    }
}
