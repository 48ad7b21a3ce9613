package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.net.ChannelServerSocketImpl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options that shape the packets of Flyover sockets over the loopback offload, observed on the wire (the
 * provider's pcap capture, {@code flyover.pcap.dir}) or through the channels: IP_TOS on TCP and UDP,
 * also changed on a live socket and inherited from a listening {@code ServerSocket}, and SO_RCVBUF
 * raised on a connected socket, which lets the peer send more before it must wait.
 */
@Timeout(60)
class WireOptionsTest {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

    @TempDir
    Path dir;

    /** One IPv4 frame of the capture: TOS, protocol, ports, TCP flags and payload length. */
    private record Packet(int tos, int ttl, int protocol, int sourcePort, int destinationPort, int tcpFlags, int payload) {
        boolean syn() {
            return (tcpFlags & 0x02) != 0;
        }

        boolean ack() {
            return (tcpFlags & 0x10) != 0;
        }
    }

    private List<Packet> capture() throws IOException {
        Path file;
        try (Stream<Path> files = Files.list(dir)) {
            file = files.filter(p -> p.toString().endsWith("-lo.pcap")).findFirst().orElseThrow();
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Packet> out = new ArrayList<>();
        b.position(24);
        while (b.remaining() >= 16) {
            b.position(b.position() + 8);
            int captured = b.getInt();
            b.getInt();
            int at = b.position();
            b.position(at + captured);
            ByteBuffer f = b.duplicate().order(ByteOrder.BIG_ENDIAN).position(at).limit(at + captured).slice();
            if ((f.getShort(12) & 0xFFFF) != 0x0800) {
                continue;
            }
            int ihl = (f.get(14) & 0x0F) * 4;
            int total = f.getShort(16) & 0xFFFF;
            int protocol = f.get(23) & 0xFF;
            int l4 = 14 + ihl;
            int sport = f.getShort(l4) & 0xFFFF;
            int dport = f.getShort(l4 + 2) & 0xFFFF;
            int flags = 0;
            int payload;
            if (protocol == 6) {
                flags = f.get(l4 + 13) & 0xFF;
                payload = total - ihl - ((f.get(l4 + 12) & 0xF0) >>> 4) * 4;
            } else {
                payload = total - ihl - 8;
            }
            out.add(new Packet(f.get(15) & 0xFF, f.get(22) & 0xFF, protocol, sport, dport, flags, payload));
        }
        return out;
    }

    @Test
    void tosOfAConnectedSocketAndOfAListeningServerSocketReachTheWire() throws Exception {
        int serverPort, clientPort;
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true",
                "flyover.pcap.dir", dir.toString()))) {
            // java.net's ServerSocket has IP_TOS (the agent's factory gives it this implementation).
            ChannelServerSocketImpl impl = new ChannelServerSocketImpl(p);
            try (ServerSocket server = new ServerSocket(impl) { }) {
                server.setOption(StandardSocketOptions.IP_TOS, 0xB8 | 0x03);
                assertEquals(0xB8, server.getOption(StandardSocketOptions.IP_TOS), "ECN bits clear, as Linux reports");
                server.bind(new InetSocketAddress(LOOPBACK, 0));
                serverPort = server.getLocalPort();
                try (SocketChannel client = p.openSocketChannel()) {
                    client.connect(server.getLocalSocketAddress());
                    clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
                    client.write(ByteBuffer.wrap(new byte[100]));
                    // Changed on the live connection: the following segments carry it.
                    client.setOption(StandardSocketOptions.IP_TOS, 0x28);
                    assertEquals(0x28, client.getOption(StandardSocketOptions.IP_TOS));
                    client.write(ByteBuffer.wrap(new byte[200]));
                    SocketChannel accepted;
                    while ((accepted = impl.channel().accept()) == null) {
                        Thread.sleep(1);
                    }
                    try (SocketChannel a = accepted) {
                        assertEquals(0xB8, a.getOption(StandardSocketOptions.IP_TOS), "inherited from the listener");
                        a.configureBlocking(true);
                        ByteBuffer in = ByteBuffer.allocate(300);
                        while (in.hasRemaining()) {
                            assertTrue(a.read(in) > 0);
                        }
                    }
                }
            }
        }
        List<Packet> all = capture();
        List<Packet> fromServer = all.stream().filter(x -> x.protocol() == 6 && x.sourcePort() == serverPort).toList();
        List<Packet> fromClient = all.stream().filter(x -> x.protocol() == 6 && x.sourcePort() == clientPort).toList();
        assertTrue(fromServer.stream().anyMatch(x -> x.syn() && x.ack()), "the SYN-ACK is captured");
        fromServer.forEach(x -> assertEquals(0xB8, x.tos(), "from the listener and its accepted connection: " + x));
        Packet syn = fromClient.stream().filter(Packet::syn).findFirst().orElseThrow();
        assertEquals(0, syn.tos(), "the client's SYN left before IP_TOS was set");
        assertEquals(0, fromClient.stream().filter(x -> x.payload() == 100).findFirst().orElseThrow().tos());
        assertEquals(0x28, fromClient.stream().filter(x -> x.payload() == 200).findFirst().orElseThrow().tos());
    }

    @Test
    void tosOfABoundDatagramSocketReachesTheWireWithAllItsBits() throws Exception {
        int senderPort;
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true",
                "flyover.pcap.dir", dir.toString()))) {
            try (DatagramChannel receiver = p.openDatagramChannel().bind(new InetSocketAddress(LOOPBACK, 0));
                 DatagramChannel sender = p.openDatagramChannel().bind(new InetSocketAddress(LOOPBACK, 0))) {
                senderPort = ((InetSocketAddress) sender.getLocalAddress()).getPort();
                sender.send(ByteBuffer.wrap(new byte[10]), receiver.getLocalAddress());
                sender.setOption(StandardSocketOptions.IP_TOS, 0xFF);
                assertEquals(0xFF, sender.getOption(StandardSocketOptions.IP_TOS));
                sender.send(ByteBuffer.wrap(new byte[20]), receiver.getLocalAddress());
                ByteBuffer in = ByteBuffer.allocate(64);
                for (int i = 0; i < 2; i++) {
                    in.clear();
                    receiver.receive(in);
                }
            }
        }
        List<Packet> fromSender = capture().stream().filter(x -> x.protocol() == 17 && x.sourcePort() == senderPort).toList();
        assertEquals(0, fromSender.stream().filter(x -> x.payload() == 10).findFirst().orElseThrow().tos());
        Packet later = fromSender.stream().filter(x -> x.payload() == 20).findFirst().orElseThrow();
        assertEquals(0xFF, later.tos());
        assertEquals(64, later.ttl(), "unicast keeps the default TTL");
    }

    @Test
    void aLargerReceiveBufferSetAfterConnectLetsThePeerSendMoreBeforeItWaits() throws Exception {
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true"))) {
            try (ServerSocketChannel server = p.openServerSocketChannel().bind(new InetSocketAddress(LOOPBACK, 0));
                 SocketChannel client = p.openSocketChannel()) {
                client.connect(server.getLocalAddress());
                try (SocketChannel accepted = server.accept()) {
                    assertEquals(1, p.counters().offloaded(io.flyover.provider.policy.SocketRole.TCP_CLIENT));
                    int defaultBuffer = accepted.getOption(StandardSocketOptions.SO_RCVBUF);
                    int sendBuffer = client.getOption(StandardSocketOptions.SO_SNDBUF);
                    client.configureBlocking(false);
                    long first = fill(client);
                    // Nobody reads: the client holds at most its send buffer plus the window the receiver offered.
                    assertTrue(first <= sendBuffer + defaultBuffer, first + " bytes written");

                    accepted.setOption(StandardSocketOptions.SO_RCVBUF, 4 * defaultBuffer);
                    long more = fill(client);
                    assertTrue(more > defaultBuffer / 2, "the larger buffer opened the window: " + more + " more bytes");

                    // Everything arrives, in order, once read.
                    long total = first + more;
                    ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                    long read = 0;
                    boolean ordered = true;
                    while (read < total) {
                        in.clear();
                        int n = accepted.read(in);
                        assertTrue(n > 0, "end of stream before all bytes arrived");
                        for (int i = 0; i < n; i++) {
                            ordered &= in.get(i) == pattern(read + i);
                        }
                        read += n;
                    }
                    assertEquals(total, read);
                    assertTrue(ordered, "the bytes arrived in order");
                    client.configureBlocking(true);
                }
            }
        }
    }

    private long written;

    private static byte pattern(long offset) {
        return (byte) (offset * 13 + offset / 1031);
    }

    /** Writes until the client cannot write any more for a while (the receiver's window and the send buffer full). */
    private long fill(SocketChannel client) throws Exception {
        long start = written;
        ByteBuffer out = ByteBuffer.allocate(16 * 1024);
        int idle = 0;
        while (idle < 20) {
            out.clear();
            for (int i = 0; i < out.capacity(); i++) {
                out.put(i, pattern(written + i));
            }
            int n = client.write(out);
            if (n == 0) {
                idle++;
                Thread.sleep(10);
            } else {
                idle = 0;
                written += n;
            }
        }
        return written - start;
    }
}
