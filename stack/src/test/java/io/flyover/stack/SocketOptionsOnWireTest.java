package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.PcapTap;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpSettings;
import io.flyover.stack.tcp.TcpState;
import io.flyover.stack.udp.UdpSocket;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Socket options that shape what goes on the wire, checked in the frames each stack transmits (through
 * a {@link PcapTap}): IP_TOS on TCP and UDP, IP_MULTICAST_TTL, and SO_RCVBUF changed on a live
 * connection as seen in the advertised window.
 */
class SocketOptionsOnWireTest {
    private static final long MS = 1_000_000L;
    private static final int TCP = 6, UDP = 17;

    /** Frames one stack transmitted (its MAC is the source), parsed from its pcap capture of both directions. */
    private static final class Capture {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final long mac;
        PcapTap tap;

        Capture(long mac) {
            this.mac = mac;
        }

        NetDevice wrap(NetDevice inner) {
            tap = new PcapTap(inner, Channels.newChannel(bytes));
            return tap;
        }

        List<Frame> frames() {
            return raw().stream().map(Frame::parse).filter(java.util.Objects::nonNull).toList();
        }

        /** The raw frames this stack transmitted, in order. */
        List<byte[]> raw() {
            tap.flush();
            ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            List<byte[]> out = new ArrayList<>();
            b.position(24);
            while (b.remaining() >= 16) {
                b.getInt();
                b.getInt();
                int captured = b.getInt();
                b.getInt();
                byte[] f = new byte[captured];
                b.get(f);
                long source = 0;
                for (int i = 6; i < 12; i++) {
                    source = source << 8 | f[i] & 0xFF;
                }
                if (source == mac) {
                    out.add(f);
                }
            }
            return out;
        }

        List<Frame> since(int mark, int protocol) {
            List<Frame> all = frames();
            return all.subList(mark, all.size()).stream().filter(f -> f.protocol == protocol).toList();
        }
    }

    /** The fields of an IPv4 or IPv6 frame these tests look at. */
    private record Frame(boolean v6, int trafficClass, int ttl, int protocol, int tcpFlags, int window, int ack) {
        Frame(boolean v6, int trafficClass, int ttl, int protocol, int tcpFlags, int window) {
            this(v6, trafficClass, ttl, protocol, tcpFlags, window, 0);
        }

        static Frame parse(byte[] f) {
            int type = (f[12] & 0xFF) << 8 | f[13] & 0xFF;
            int tc, ttl, protocol, l4;
            boolean v6 = type == 0x86DD;
            if (type == 0x0800) {
                tc = f[15] & 0xFF;
                ttl = f[22] & 0xFF;
                protocol = f[23] & 0xFF;
                l4 = 14 + (f[14] & 0x0F) * 4;
            } else if (v6) {
                tc = (f[14] & 0x0F) << 4 | (f[15] & 0xF0) >>> 4;
                protocol = f[20] & 0xFF;
                ttl = f[21] & 0xFF;
                l4 = 54;
            } else {
                return null; // ARP
            }
            int flags = protocol == TCP ? f[l4 + 13] & 0xFF : 0;
            int window = protocol == TCP ? (f[l4 + 14] & 0xFF) << 8 | f[l4 + 15] & 0xFF : 0;
            int ack = protocol == TCP ? ByteBuffer.wrap(f, l4 + 8, 4).getInt() : 0;
            return new Frame(v6, tc, ttl, protocol, flags, window, ack);
        }

        boolean has(int flag) {
            return (tcpFlags & flag) != 0;
        }
    }

    private static final int FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10;

    private static TcpSettings tos(int tos) {
        TcpSettings s = new TcpSettings();
        s.trafficClass = tos;
        return s;
    }

    @Test
    void tcpSegmentsCarryTheSocketsTosWithItsEcnBitsClearAndAChangeAppliesToTheNextOnes() {
        Capture capA = new Capture(TwoStacks.MAC_A), capB = new Capture(TwoStacks.MAC_B);
        try (TwoStacks n = new TwoStacks(StackConfig.builder(), StackConfig.builder(), capA::wrap, capB::wrap)) {
            // Listener: DSCP EF (46) with an ECN bit the application has no say over (Linux masks it for TCP).
            TcpListener listener = n.b.tcp().listen(0, 0, 7000, 16, tos(0xB8 | 0x01));
            TcpConnection client = n.a.tcp().connect(TwoStacks.A4.hi(), TwoStacks.A4.lo(), 0, TwoStacks.B4.hi(),
                    TwoStacks.B4.lo(), 7000, tos(0x28 | 0x02), n.now);
            n.advance(10 * MS, MS);
            TcpConnection server = listener.accept();
            client.write(ByteBuffer.wrap(new byte[3000]));
            n.advance(100 * MS, MS);

            List<Frame> fromA = capA.since(0, TCP);
            List<Frame> fromB = capB.since(0, TCP);
            assertTrue(fromA.get(0).has(SYN) && fromB.get(0).has(SYN) && fromB.get(0).has(ACK), "the handshake is captured");
            assertTrue(fromA.size() >= 4 && fromB.size() >= 2);
            fromA.forEach(f -> assertEquals(0x28, f.trafficClass(), "client segment " + f));
            // The SYN-ACK and the ACKs of the accepted connection carry the listener's TOS (inherited, as Linux).
            fromB.forEach(f -> assertEquals(0xB8, f.trafficClass(), "server segment " + f));

            // IP_TOS changed on the live connection: from the next segment on (data, then the RST of an abort).
            int markA = capA.frames().size();
            int markB = capB.frames().size();
            client.updateOptions(tos(0x48), n.now);
            server.updateOptions(tos(0x10), n.now);
            client.write(ByteBuffer.wrap(new byte[2000]));
            n.advance(100 * MS, MS);
            byte[] sink = new byte[8192];
            while (server.read(sink, 0, sink.length) > 0) {
                // drain, so the abort below is a plain RST
            }
            client.abort(n.now);
            n.advance(10 * MS, MS);
            assertEquals(TcpState.CLOSED, server.state());
            List<Frame> laterA = capA.since(markA, TCP);
            List<Frame> laterB = capB.since(markB, TCP);
            assertTrue(laterA.stream().anyMatch(f -> f.has(RST)), "the abort's RST is captured");
            assertFalse(laterB.isEmpty(), "the server acknowledged");
            laterA.forEach(f -> assertEquals(0x48, f.trafficClass(), "client segment " + f));
            laterB.forEach(f -> assertEquals(0x10, f.trafficClass(), "server segment " + f));
        }
    }

    @Test
    void ipv6TcpSegmentsCarryTheTrafficClass() {
        Capture capA = new Capture(TwoStacks.MAC_A);
        try (TwoStacks n = new TwoStacks(StackConfig.builder(), StackConfig.builder(), capA::wrap, d -> d)) {
            TcpListener listener = n.b.tcp().listen(0, 0, 7000, 16, null);
            TcpConnection client = n.a.tcp().connect(TwoStacks.A6.hi(), TwoStacks.A6.lo(), 0, TwoStacks.B6.hi(),
                    TwoStacks.B6.lo(), 7000, tos(0x88), n.now);
            n.advance(10 * MS, MS);
            listener.accept();
            client.write(ByteBuffer.wrap(new byte[100]));
            client.close(n.now);
            n.advance(100 * MS, MS);
            List<Frame> fromA = capA.since(0, TCP);
            assertTrue(fromA.stream().anyMatch(f -> f.has(FIN)) && fromA.stream().allMatch(Frame::v6));
            fromA.forEach(f -> assertEquals(0x88, f.trafficClass(), "segment " + f));
            fromA.forEach(f -> assertEquals(64, f.ttl(), "hop limit " + f));
        }
    }

    @Test
    void udpDatagramsCarryTheirTosAndMulticastTheMulticastTtl() throws Exception {
        Capture capA = new Capture(TwoStacks.MAC_A);
        try (TwoStacks n = new TwoStacks(StackConfig.builder(), StackConfig.builder(), capA::wrap, d -> d)) {
            UdpSocket server = n.b.openUdp();
            server.bind(IpAddress.ANY_V4, 7000);
            UdpSocket client = n.a.openUdp();
            client.bind(IpAddress.ANY_V4, 0);
            MemorySegment data = MemorySegment.ofArray(new byte[64]);

            client.sendTo(data, 0, 64, TwoStacks.B4, 7000);
            n.run(4);
            client.sendTo(data, 0, 64, IpAddress.parse("239.1.2.3"), 7000);
            n.run(4);
            List<Frame> sent = capA.since(0, UDP);
            assertEquals(2, sent.size());
            assertEquals(new Frame(false, 0, 64, UDP, 0, 0), sent.get(0), "unicast: TOS 0, TTL 64");
            assertEquals(new Frame(false, 0, 1, UDP, 0, 0), sent.get(1), "multicast: IP_MULTICAST_TTL 1 by default");

            // All eight bits: Linux masks ECN only for SOCK_STREAM.
            client.setTrafficClass(0xFF);
            client.setMulticastTtl(7);
            int mark = capA.frames().size();
            client.sendTo(data, 0, 64, TwoStacks.B4, 7000);
            n.run(4);
            client.sendTo(data, 0, 64, IpAddress.parse("239.1.2.3"), 7000);
            n.run(4);
            sent = capA.since(mark, UDP);
            assertEquals(new Frame(false, 0xFF, 64, UDP, 0, 0), sent.get(0), "unicast keeps TTL 64");
            assertEquals(new Frame(false, 0xFF, 7, UDP, 0, 0), sent.get(1));

            // TTL 0: the datagram stays on this host (RFC 1112 §6.1).
            client.setMulticastTtl(0);
            mark = capA.frames().size();
            client.sendTo(data, 0, 64, IpAddress.parse("239.1.2.3"), 7000);
            n.run(4);
            assertTrue(capA.since(mark, UDP).isEmpty(), "nothing on the wire with TTL 0");
            assertEquals(2, server.queuedDatagrams(), "both unicast datagrams arrived");
            server.close();
            client.close();

            UdpSocket v6 = n.a.openUdp();
            v6.bind(IpAddress.ANY_V6, 0);
            v6.setTrafficClass(0x45);
            mark = capA.frames().size();
            v6.sendTo(data, 0, 64, TwoStacks.B6, 7000);
            n.run(4);
            sent = capA.since(mark, UDP);
            assertEquals(new Frame(true, 0x45, 64, UDP, 0, 0), sent.get(0));
            v6.close();
        }
    }

    private static byte streamByte(long offset) {
        return (byte) (offset * 31 + offset / 4099);
    }

    /** Writes the next bytes of the test stream from {@code offset}: as many as the send buffer takes. */
    private static int writeStream(TcpConnection c, long offset) {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = streamByte(offset + i);
        }
        return Math.max(c.write(chunk, 0, chunk.length), 0);
    }

    @Test
    void aLargerReceiveBufferOnALiveConnectionOpensTheWindowAndASmallerOneDropsNothing() {
        Capture capB = new Capture(TwoStacks.MAC_B);
        try (TwoStacks n = new TwoStacks(StackConfig.builder(), StackConfig.builder(), d -> d, capB::wrap)) {
            TcpSettings small = new TcpSettings();
            small.receiveBufferSize = 128 * 1024; // window scale 2: up to 256 KiB can be announced
            TcpListener listener = n.b.tcp().listen(0, 0, 7000, 16, small);
            TcpConnection client = n.a.tcp().connect(TwoStacks.A4.hi(), TwoStacks.A4.lo(), 0, TwoStacks.B4.hi(),
                    TwoStacks.B4.lo(), 7000, null, n.now);
            n.advance(10 * MS, MS);
            TcpConnection server = listener.accept();
            long written = 0;
            for (int round = 0; round < 40; round++) {
                written += writeStream(client, written);
                n.advance(5 * MS, MS);
            }
            // The application does not read: the window closes at the buffer's size.
            assertEquals(128 * 1024, server.bytesToRead());
            assertEquals(0, server.receiveWindow());

            int mark = capB.frames().size();
            TcpSettings larger = small.clone();
            larger.receiveBufferSize = 1024 * 1024;
            server.updateOptions(larger, n.now);
            for (int round = 0; round < 40; round++) {
                written += writeStream(client, written);
                n.advance(5 * MS, MS);
            }
            // A window update at once, then the peer fills what the scale lets us announce (65535 << 2).
            int largest = capB.since(mark, TCP).stream().mapToInt(Frame::window).max().orElse(0);
            assertTrue(largest << 2 > 128 * 1024, "announced window " + (largest << 2));
            assertTrue(server.bytesToRead() > 128 * 1024 + 65_536, "queued " + server.bytesToRead());

            // Read some: the window that opens is announced; then the buffer shrinks before the peer uses it.
            // What was announced stays announced and acceptable (the right edge never moves left).
            long read = 0;
            byte[] sink = new byte[32 * 1024];
            boolean ordered = true;
            while (read < 300 * 1024) {
                int r = server.read(sink, 0, sink.length);
                for (int i = 0; i < r; i++) {
                    ordered &= sink[i] == streamByte(read + i);
                }
                read += r;
            }
            n.b.flush();
            long outOfWindow = n.b.counters().drops(DropReason.TCP_OUT_OF_WINDOW);
            int queued = server.bytesToRead();
            TcpSettings smaller = small.clone();
            smaller.receiveBufferSize = 16 * 1024;
            server.updateOptions(smaller, n.now);
            n.advance(50 * MS, MS);
            assertTrue(server.bytesToRead() > queued + 65_536, "the peer filled the window announced before the shrink");
            assertEquals(outOfWindow, n.b.counters().drops(DropReason.TCP_OUT_OF_WINDOW), "all of it was accepted");
            for (int round = 0; round < 2000 && read < written; round++) {
                int r;
                while ((r = server.read(sink, 0, sink.length)) > 0) {
                    for (int i = 0; i < r; i++) {
                        ordered &= sink[i] == streamByte(read + i);
                    }
                    read += r;
                }
                n.advance(2 * MS, MS);
            }
            assertEquals(written, read, "every byte written arrived");
            assertTrue(ordered, "in order and intact");
            // Once drained below it, the window offered is the new, smaller buffer.
            assertTrue(server.receiveWindow() <= 16 * 1024);
            // RFC 7323 §2.4 / RFC 9293 §3.8.6.2.2: the right edge announced (ACK + scaled window) never moved left.
            int edge = 0;
            boolean first = true;
            for (Frame f : capB.since(0, TCP)) {
                if (f.has(SYN) || !f.has(ACK)) {
                    continue;
                }
                int right = f.ack() + (f.window() << 2);
                assertTrue(first || right - edge >= 0, "right edge moved left: " + edge + " -> " + right);
                edge = right;
                first = false;
            }
        }
    }

    /** IP_DONTFRAGMENT: DF on every datagram, and a datagram above the MTU refused (EMSGSIZE), not fragmented. */
    @Test
    void udpWithDontFragmentSetsDfAndRefusesWhatWouldNeedFragments() throws Exception {
        Capture capA = new Capture(TwoStacks.MAC_A);
        try (TwoStacks n = new TwoStacks(StackConfig.builder(), StackConfig.builder(), capA::wrap, d -> d)) {
            UdpSocket server = n.b.openUdp();
            server.bind(IpAddress.ANY_V4, 7000);
            UdpSocket client = n.a.openUdp();
            client.bind(IpAddress.ANY_V4, 0);
            MemorySegment big = MemorySegment.ofArray(new byte[3000]);

            client.sendTo(big, 0, 3000, TwoStacks.B4, 7000); // DF off: fragmented
            n.run(4);
            List<byte[]> fragments = capA.raw().stream().filter(f -> f[12] == 8 && f[13] == 0 && f[23] == UDP).toList();
            assertTrue(fragments.size() >= 3, "three fragments of a 3,000-byte datagram: " + fragments.size());
            assertTrue((fragments.get(0)[20] & 0x20) != 0, "the first fragment has MF");
            assertEquals(0, fragments.get(0)[20] & 0x40, "and no DF");

            client.setDontFragment(true);
            java.net.SocketException e = org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketException.class,
                    () -> client.sendTo(big, 0, 3000, TwoStacks.B4, 7000));
            assertEquals("Message too long", e.getMessage());
            int before = capA.raw().size();
            client.sendTo(big, 0, 1000, TwoStacks.B4, 7000);
            n.run(4);
            List<byte[]> after = capA.raw();
            assertEquals(before + 1, after.size(), "one datagram, one frame");
            assertEquals(0x40, after.get(after.size() - 1)[20] & 0x40, "DF set");
        }
    }

    /** TCP_QUICKACK: an ACK the delayed-ACK timer holds leaves at once, and the next segments are ACKed at once. */
    @Test
    void quickAckSendsTheHeldAckAtOnce() {
        Capture capB = new Capture(TwoStacks.MAC_B);
        try (TwoStacks n = new TwoStacks(StackConfig.builder(), StackConfig.builder(), d -> d, capB::wrap)) {
            TcpSettings noDelay = new TcpSettings();
            noDelay.noDelay = true;
            TcpListener listener = n.b.tcp().listen(0, 0, 7000, 16, null);
            TcpConnection client = n.a.tcp().connect(TwoStacks.A4.hi(), TwoStacks.A4.lo(), 0, TwoStacks.B4.hi(),
                    TwoStacks.B4.lo(), 7000, noDelay, n.now);
            n.advance(10 * MS, MS);
            TcpConnection server = listener.accept();
            for (int i = 0; i < 12; i++) { // past the quick ACKs after the handshake
                client.write(ByteBuffer.wrap(new byte[] {1}));
                n.a.flush();
                n.run(2);
                n.advance(100 * MS, 10 * MS); // each one acknowledged, at once or by the timer
            }
            int mark = capB.frames().size();
            client.write(ByteBuffer.wrap(new byte[] {2}));
            n.a.flush();
            n.run(2);
            assertEquals(0, capB.since(mark, TCP).size(), "the ACK waits for the delayed-ACK timer");
            server.quickAck();
            n.b.flush();
            List<Frame> acks = capB.since(mark, TCP);
            assertEquals(1, acks.size(), "TCP_QUICKACK sent it");
            assertTrue(acks.get(0).has(ACK));
        }
    }
}
