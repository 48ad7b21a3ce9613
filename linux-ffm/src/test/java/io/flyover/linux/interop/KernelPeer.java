package io.flyover.linux.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kernel's side of the interop tests: a separate JVM started inside the namespace with
 * {@code ip netns exec}, on the JDK's default {@link SelectorProvider} (kernel sockets). It reports on
 * standard output, one fact a line, which {@link KernelPeerProcess} reads:
 * {@code PROVIDER class}, {@code LISTENING port}, {@code ACCEPTED address}, {@code SENT bytes sha256},
 * {@code RECEIVED bytes sha256}, {@code DONE}.
 *
 * <pre>
 * echo-server BIND PORT                 echo one connection's bytes back until its EOF
 * transfer-server BIND PORT BYTES SEED  on one connection, send BYTES and receive until EOF, at once
 * transfer-client HOST PORT BYTES SEED  the same as the connecting side (the kernel baseline)
 * multicast-sender IFACE GROUP PORT COUNT   send COUNT numbered datagrams to GROUP:PORT out of IFACE
 * urgent-server BIND PORT INLINE        send "ab", urgent '!', "cd"; read to EOF with SO_OOBINLINE INLINE;
 *                                       report {@code STREAM text}
 * </pre>
 */
public final class KernelPeer {
    private KernelPeer() {}

    public static void main(String[] args) throws Exception {
        say("PROVIDER " + SelectorProvider.provider().getClass().getName());
        switch (args[0]) {
            case "echo-server" -> echoServer(args[1], Integer.parseInt(args[2]));
            case "transfer-server" -> transferServer(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]),
                    Long.parseLong(args[4]));
            case "transfer-client" -> transferClient(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]),
                    Long.parseLong(args[4]));
            case "urgent-server" -> urgentServer(args[1], Integer.parseInt(args[2]), Boolean.parseBoolean(args[3]));
            case "multicast-sender" -> multicastSender(args[1], args[2], Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        say("DONE");
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static SocketChannel acceptOne(String bind, int port) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.ofLiteral(bind), port));
            say("LISTENING " + port);
            SocketChannel c = server.accept();
            say("ACCEPTED " + ((InetSocketAddress) c.getRemoteAddress()).getAddress().getHostAddress());
            return c;
        }
    }

    private static void echoServer(String bind, int port) throws IOException {
        try (SocketChannel c = acceptOne(bind, port)) {
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            long echoed = 0;
            while (c.read(b) >= 0) {
                b.flip();
                echoed += b.remaining();
                while (b.hasRemaining()) {
                    c.write(b);
                }
                b.clear();
            }
            c.shutdownOutput();
            say("ECHOED " + echoed);
        }
    }

    private static void transferServer(String bind, int port, long bytes, long seed) throws Exception {
        try (SocketChannel c = acceptOne(bind, port)) {
            transfer(c, bytes, seed);
        }
    }

    private static void transferClient(String host, int port, long bytes, long seed) throws Exception {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.ofLiteral(host), port))) {
            long start = System.nanoTime();
            transfer(c, bytes, seed);
            say("ELAPSED_NANOS " + (System.nanoTime() - start));
        }
    }

    /** Sends on one thread and receives on this one, so both directions run at the same time. */
    private static void transfer(SocketChannel c, long bytes, long seed) throws Exception {
        AtomicReference<Throwable> sendFailure = new AtomicReference<>();
        Thread sender = Thread.ofPlatform().name("sender").start(() -> {
            try {
                PatternSource source = new PatternSource(seed);
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                ByteBuffer b = ByteBuffer.allocateDirect(256 * 1024);
                byte[] chunk = new byte[b.capacity()];
                long left = bytes;
                while (left > 0) {
                    int n = (int) Math.min(chunk.length, left);
                    source.fill(chunk, n);
                    digest.update(chunk, 0, n);
                    b.clear();
                    b.put(chunk, 0, n).flip();
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                    left -= n;
                }
                c.shutdownOutput();
                say("SENT " + bytes + " " + HexFormat.of().formatHex(digest.digest()));
            } catch (Throwable t) {
                sendFailure.set(t);
            }
        });
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        ByteBuffer b = ByteBuffer.allocateDirect(256 * 1024);
        long received = 0;
        int n;
        while ((n = c.read(b)) >= 0) {
            b.flip();
            digest.update(b);
            received += n;
            b.clear();
        }
        say("RECEIVED " + received + " " + HexFormat.of().formatHex(digest.digest()));
        sender.join();
        if (sendFailure.get() != null) {
            throw new IOException("sending failed", sendFailure.get());
        }
    }

    /**
     * Urgent data both ways on one connection, the JDK's socket adaptor over a Linux socket: sends "ab", the
     * urgent byte '!' ({@code sendUrgentData}, MSG_OOB) and "cd", then reads until EOF with SO_OOBINLINE as
     * asked (Linux checks it when reading, so setting it after the accept is in time).
     */
    private static void urgentServer(String bind, int port, boolean inline) throws IOException {
        try (SocketChannel c = acceptOne(bind, port)) {
            c.socket().setOOBInline(inline);
            c.write(ByteBuffer.wrap("ab".getBytes(StandardCharsets.US_ASCII)));
            c.socket().sendUrgentData('!');
            c.write(ByteBuffer.wrap("cd".getBytes(StandardCharsets.US_ASCII)));
            c.shutdownOutput();
            ByteBuffer b = ByteBuffer.allocate(256);
            while (c.read(b) >= 0 && b.hasRemaining()) {
                // until EOF
            }
            b.flip();
            say("STREAM " + StandardCharsets.US_ASCII.decode(b));
        }
    }

    /** The text of multicast datagram {@code seq}: its number, then filler up to 200 bytes. */
    static String multicastPayload(int seq) {
        String head = String.format("flyover-multicast %06d ", seq);
        return head + "m".repeat(200 - head.length());
    }

    private static void multicastSender(String iface, String group, int port, int count) throws Exception {
        InetAddress g = InetAddress.ofLiteral(group);
        StandardProtocolFamily family = g.getAddress().length == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        try (DatagramChannel ch = DatagramChannel.open(family)) {
            ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, NetworkInterface.getByName(iface));
            ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1);
            InetSocketAddress to = new InetSocketAddress(g, port);
            for (int i = 0; i < count; i++) {
                ch.send(ByteBuffer.wrap(multicastPayload(i).getBytes(StandardCharsets.US_ASCII)), to);
                Thread.sleep(1); // paced: the test is about delivery to every subscriber, not about bursts
            }
            say("SENT " + count);
        }
    }
}
