package io.flyover.stack;

import io.flyover.stack.net.IpAddress;
import io.flyover.stack.wire.TcpOptions;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test-only: TCP by hand against a real {@link Stack}, through a {@link RawPeer}. The peer is
 * 198.18.0.1 or fd00::1 (MAC {@link RawPeer#PEER_MAC}); it builds Ethernet + IPv4/IPv6 + TCP frames
 * with correct checksums (or with any header bytes a test wants), answers the stack's ARP requests and
 * neighbour solicitations for its address, and returns the TCP segments the stack sent, parsed.
 */
public final class RawTcpPeer implements AutoCloseable {
    public static final IpAddress PEER4 = IpAddress.parse("198.18.0.1");
    public static final IpAddress PEER6 = IpAddress.parse("fd00::1");
    public static final IpAddress STACK4 = IpAddress.parse("198.18.0.2");
    public static final IpAddress STACK6 = IpAddress.parse("fd00::2");

    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40,
            CWR = 0x80;

    /** A segment the stack sent, parsed. */
    public record Segment(int srcPort, int dstPort, int seq, int ack, int flags, int window, TcpOptions options,
                          byte[] payload) {
        public boolean has(int flag) { return (flags & flag) != 0; }

        @Override
        public String toString() {
            return srcPort + ">" + dstPort + " " + flagNames(flags) + " seq=" + Integer.toUnsignedString(seq) + " ack="
                    + Integer.toUnsignedString(ack) + " win=" + window + " len=" + payload.length;
        }
    }

    public final RawPeer raw;
    public final boolean v6;
    public final IpAddress peer;
    public final IpAddress stack;

    public RawTcpPeer(boolean v6) {
        this(v6, StackConfig.builder());
    }

    public RawTcpPeer(boolean v6, StackConfig.Builder config) {
        this.raw = new RawPeer(config).started();
        this.v6 = v6;
        this.peer = v6 ? PEER6 : PEER4;
        this.stack = v6 ? STACK6 : STACK4;
    }

    public Stack stackUnderTest() { return raw.stack; }

    /** Sends a well-formed segment (options from {@code options}, null for none). */
    public void send(int srcPort, int dstPort, int seq, int ack, int flags, int window, TcpOptions options,
                     byte[] payload) {
        byte[] opts = new byte[0];
        if (options != null) {
            int n = options.encodedLength();
            opts = new byte[n];
            options.write(MemorySegment.ofArray(opts), 0);
        }
        sendTcp(tcpHeader(srcPort, dstPort, seq, ack, 5 + opts.length / 4, flags, window, opts), payload);
    }

    /** The 20 fixed bytes of a TCP header plus {@code options} as given (checksum left 0). */
    public static byte[] tcpHeader(int srcPort, int dstPort, int seq, int ack, int dataOffsetWords, int flags,
                                   int window, byte[] options) {
        ByteBuffer b = ByteBuffer.allocate(20 + options.length);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(seq).putInt(ack);
        b.put((byte) (dataOffsetWords << 4)).put((byte) flags).putShort((short) window).putShort((short) 0)
                .putShort((short) 0).put(options);
        return b.array();
    }

    /** Sends {@code header} + {@code payload} as the TCP segment of one IP packet, fixing the TCP checksum. */
    public void sendTcp(byte[] header, byte[] payload) {
        byte[] tcp = Arrays.copyOf(header, header.length + payload.length);
        System.arraycopy(payload, 0, tcp, header.length, payload.length);
        int sum = pseudoHeaderSum(tcp.length) + sum(tcp, 0, tcp.length);
        int checksum = ~fold(sum) & 0xFFFF;
        tcp[16] = (byte) (checksum >>> 8);
        tcp[17] = (byte) checksum;
        raw.inject(ipFrame(tcp));
    }

    /** Polls the stack until it is quiet, answering neighbour lookups; returns the TCP segments it sent. */
    public List<Segment> exchange() {
        List<Segment> segments = new ArrayList<>();
        for (int round = 0; round < 16; round++) {
            raw.poll();
            List<byte[]> out = raw.sent();
            if (out.isEmpty() && round > 0) {
                break;
            }
            for (byte[] frame : out) {
                Segment s = parse(frame);
                if (s != null) {
                    segments.add(s);
                } else {
                    answerNeighbourLookup(frame);
                }
            }
        }
        return segments;
    }

    /** Advances the stack's virtual time, then {@link #exchange()}. */
    public List<Segment> advance(long nanos) {
        raw.now += nanos;
        return exchange();
    }

    private Segment parse(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f);
        int type = b.getShort(12) & 0xFFFF;
        int ip = 14;
        int tcp;
        int tcpLength;
        if (type == 0x0800 && (f[ip + 9] & 0xFF) == 6) {
            tcp = ip + (f[ip] & 0x0F) * 4;
            tcpLength = (b.getShort(ip + 2) & 0xFFFF) - (tcp - ip);
        } else if (type == 0x86DD && (f[ip + 6] & 0xFF) == 6) {
            tcp = ip + 40;
            tcpLength = b.getShort(ip + 4) & 0xFFFF;
        } else {
            return null;
        }
        int words = (f[tcp + 12] & 0xFF) >>> 4;
        TcpOptions options = new TcpOptions();
        options.parse(MemorySegment.ofArray(f), tcp + 20, words * 4 - 20);
        return new Segment(b.getShort(tcp) & 0xFFFF, b.getShort(tcp + 2) & 0xFFFF, b.getInt(tcp + 4),
                b.getInt(tcp + 8), f[tcp + 13] & 0xFF, b.getShort(tcp + 14) & 0xFFFF, options,
                Arrays.copyOfRange(f, tcp + words * 4, tcp + tcpLength));
    }

    /** ARP request for the peer's IPv4 address, or a neighbour solicitation for its IPv6 address: answer it. */
    private void answerNeighbourLookup(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f);
        int type = b.getShort(12) & 0xFFFF;
        if (type == 0x0806 && (b.getShort(20) & 0xFFFF) == 1 && b.getInt(38) == PEER4.v4()) {
            ByteBuffer r = ByteBuffer.allocate(42);
            putMac(r, RawPeer.STACK_MAC);
            putMac(r, RawPeer.PEER_MAC);
            r.putShort((short) 0x0806).putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
                    .putShort((short) 2);
            putMac(r, RawPeer.PEER_MAC);
            r.putInt(PEER4.v4());
            putMac(r, RawPeer.STACK_MAC);
            r.putInt(b.getInt(28));
            raw.inject(r.array());
        } else if (type == 0x86DD && (f[20] & 0xFF) == 58 && (f[54] & 0xFF) == 135
                && b.getLong(62) == PEER6.hi() && b.getLong(70) == PEER6.lo()) {
            // RFC 4861 §7.2.4: a solicited, overriding advertisement, to the solicitation's source
            long dstHi = b.getLong(22);
            long dstLo = b.getLong(30);
            ByteBuffer icmp = ByteBuffer.allocate(32);
            icmp.put((byte) 136).put((byte) 0).putShort((short) 0).putInt(0x6000_0000)
                    .putLong(PEER6.hi()).putLong(PEER6.lo()).put((byte) 2).put((byte) 1);
            putMac(icmp, RawPeer.PEER_MAC);
            byte[] m = icmp.array();
            int sum = sumV6(PEER6.hi(), PEER6.lo(), dstHi, dstLo, 58, m.length) + sum(m, 0, m.length);
            int checksum = ~fold(sum) & 0xFFFF;
            m[2] = (byte) (checksum >>> 8);
            m[3] = (byte) checksum;
            raw.inject(ethernet(0x86DD, ipv6Header(PEER6.hi(), PEER6.lo(), dstHi, dstLo, 58, 255, m)));
        }
    }

    private byte[] ipFrame(byte[] tcp) {
        if (v6) {
            return ethernet(0x86DD, ipv6Header(peer.hi(), peer.lo(), stack.hi(), stack.lo(), 6, 64, tcp));
        }
        ByteBuffer ip = ByteBuffer.allocate(20 + tcp.length);
        ip.put((byte) 0x45).put((byte) 0).putShort((short) (20 + tcp.length)).putShort((short) 0)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0).putInt(peer.v4())
                .putInt(stack.v4()).put(tcp);
        byte[] p = ip.array();
        int checksum = ~fold(sum(p, 0, 20)) & 0xFFFF;
        p[10] = (byte) (checksum >>> 8);
        p[11] = (byte) checksum;
        return ethernet(0x0800, p);
    }

    private static byte[] ipv6Header(long srcHi, long srcLo, long dstHi, long dstLo, int next, int hops,
                                     byte[] payload) {
        ByteBuffer ip = ByteBuffer.allocate(40 + payload.length);
        ip.putInt(0x6000_0000).putShort((short) payload.length).put((byte) next).put((byte) hops)
                .putLong(srcHi).putLong(srcLo).putLong(dstHi).putLong(dstLo).put(payload);
        return ip.array();
    }

    private static byte[] ethernet(int type, byte[] payload) {
        ByteBuffer e = ByteBuffer.allocate(14 + payload.length);
        putMac(e, RawPeer.STACK_MAC);
        putMac(e, RawPeer.PEER_MAC);
        e.putShort((short) type).put(payload);
        return e.array();
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    private int pseudoHeaderSum(int length) {
        if (v6) {
            return sumV6(peer.hi(), peer.lo(), stack.hi(), stack.lo(), 6, length);
        }
        int s = peer.v4();
        int d = stack.v4();
        return (s >>> 16) + (s & 0xFFFF) + (d >>> 16) + (d & 0xFFFF) + 6 + length;
    }

    private static int sumV6(long srcHi, long srcLo, long dstHi, long dstLo, int next, int length) {
        int s = 0;
        for (long v : new long[] {srcHi, srcLo, dstHi, dstLo}) {
            for (int shift = 48; shift >= 0; shift -= 16) {
                s += (int) (v >>> shift) & 0xFFFF;
            }
        }
        return s + (length >>> 16) + (length & 0xFFFF) + next;
    }

    private static int sum(byte[] b, int offset, int length) {
        int s = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            s += ((b[offset + i] & 0xFF) << 8) | (b[offset + i + 1] & 0xFF);
        }
        if ((length & 1) != 0) {
            s += (b[offset + length - 1] & 0xFF) << 8;
        }
        return s;
    }

    private static int fold(int sum) {
        long s = sum & 0xFFFF_FFFFL;
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    public static String flagNames(int flags) {
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if ((flags & (1 << i)) != 0) {
                b.append(b.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return b.isEmpty() ? "none" : b.toString();
    }

    @Override
    public void close() {
        raw.close();
    }
}
