package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.done;
import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.ofRun;
import static io.flyover.provider.differential.Outcome.threw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code SO_REUSEPORT} on Linux: who may share a port (the bind matrix), and that every connection or
 * datagram to a group reaches exactly one member. Which member is the kernel's hash, so only that is compared.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReusePortTest {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static ServerSocketChannel server(Loopback lo, boolean reusePort, SocketAddress at) throws IOException {
        ServerSocketChannel s = lo.track(lo.provider().openServerSocketChannel());
        s.setOption(StandardSocketOptions.SO_REUSEPORT, reusePort);
        s.bind(at);
        s.configureBlocking(false);
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void listenersShareAPortOnlyWhenBothSetReusePort(ProviderArm arm) throws Exception {
        InetAddress any = InetAddress.ofLiteral("0.0.0.0");
        for (boolean first : new boolean[] {false, true}) {
            for (boolean second : new boolean[] {false, true}) {
                for (InetAddress secondAt : new InetAddress[] {Loopback.ADDRESS, any}) {
                    try (Loopback lo = new Loopback(arm)) {
                        ServerSocketChannel a = server(lo, first, new InetSocketAddress(Loopback.ADDRESS, 0));
                        int port = ((InetSocketAddress) a.getLocalAddress()).getPort();
                        ServerSocketChannel b = lo.track(lo.provider().openServerSocketChannel());
                        b.setOption(StandardSocketOptions.SO_REUSEPORT, second);
                        expect(arm, "second listener (" + first + ", " + second + ", " + secondAt.getHostAddress() + ")",
                                first && second ? done() : threw(BindException.class),
                                ofRun(() -> b.bind(new InetSocketAddress(secondAt, port))));
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void reusePortSetAfterBindingLetsALaterSocketShareThePort(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel a = server(lo, false, new InetSocketAddress(Loopback.ADDRESS, 0));
            a.setOption(StandardSocketOptions.SO_REUSEPORT, true); // Linux reads it at the next socket's bind
            ServerSocketChannel b = lo.track(lo.provider().openServerSocketChannel());
            b.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            expect(arm, "listener after the first set SO_REUSEPORT late", done(), ofRun(() -> b.bind(a.getLocalAddress())));
            DatagramChannel d = lo.track(lo.provider().openDatagramChannel());
            d.bind(new InetSocketAddress(Loopback.ADDRESS, 0));
            d.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            DatagramChannel e = lo.track(lo.provider().openDatagramChannel());
            e.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            expect(arm, "datagram socket after the first set SO_REUSEPORT late", done(), ofRun(() -> e.bind(d.getLocalAddress())));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void datagramSocketsShareAPortOnlyWhenBothSetReusePort(ProviderArm arm) throws Exception {
        for (boolean first : new boolean[] {false, true}) {
            for (boolean second : new boolean[] {false, true}) {
                try (Loopback lo = new Loopback(arm)) {
                    DatagramChannel a = lo.track(lo.provider().openDatagramChannel());
                    a.setOption(StandardSocketOptions.SO_REUSEPORT, first).bind(new InetSocketAddress(Loopback.ADDRESS, 0));
                    DatagramChannel b = lo.track(lo.provider().openDatagramChannel());
                    b.setOption(StandardSocketOptions.SO_REUSEPORT, second);
                    expect(arm, "second datagram socket (" + first + ", " + second + ")",
                            first && second ? done() : threw(BindException.class), ofRun(() -> b.bind(a.getLocalAddress())));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void everyConnectionIsAcceptedByOneListenerAndClosingOneResetsOnlyWhatItHeld(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel one = server(lo, true, new InetSocketAddress(Loopback.ADDRESS, 0));
            ServerSocketChannel two = server(lo, true, one.getLocalAddress());
            int n = 12;
            Set<SocketAddress> clients = new HashSet<>();
            for (int i = 0; i < n; i++) {
                SocketChannel c = lo.socket();
                c.connect(one.getLocalAddress());
                clients.add(c.getLocalAddress());
            }
            Set<SocketAddress> accepted = new HashSet<>();
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (accepted.size() < n && System.nanoTime() < deadline) {
                for (ServerSocketChannel s : List.of(one, two)) {
                    SocketChannel a = s.accept();
                    if (a != null) {
                        assertTrue(accepted.add(lo.track(a).getRemoteAddress()), arm + ": accepted twice");
                    }
                }
            }
            assertEquals(clients, accepted, arm + ": every client accepted by one listener");

            // now leave connections queued on both, close one listener: what it held is reset, the rest stay
            SocketChannel[] queued = new SocketChannel[n];
            for (int i = 0; i < n; i++) {
                queued[i] = lo.socket();
                queued[i].connect(one.getLocalAddress());
            }
            one.close();
            int fromTwo = 0;
            int reset = 0;
            deadline = System.nanoTime() + WAIT_NANOS;
            Set<SocketAddress> fate = new HashSet<>();
            while (fate.size() < n && System.nanoTime() < deadline) {
                for (SocketChannel a; (a = two.accept()) != null; ) {
                    assertTrue(fate.add(lo.track(a).getRemoteAddress()), arm + ": accepted twice");
                    fromTwo++;
                }
                for (SocketChannel q : queued) {
                    if (!fate.contains(q.getLocalAddress()) && isReset(q)) {
                        fate.add(q.getLocalAddress());
                        reset++;
                    }
                }
            }
            assertEquals(n, fromTwo + reset, arm + ": each queued connection accepted by the survivor or reset");
            SocketChannel late = lo.socket();
            late.connect(two.getLocalAddress());
            deadline = System.nanoTime() + WAIT_NANOS;
            SocketChannel a = null;
            while (a == null && System.nanoTime() < deadline) {
                a = two.accept();
            }
            assertEquals(late.getLocalAddress(), lo.track(a).getRemoteAddress(), arm + ": the survivor takes new clients");
        }
    }

    /** Whether the peer reset the connection: a non-blocking read throws rather than waiting. */
    private static boolean isReset(SocketChannel c) throws IOException {
        c.configureBlocking(false);
        try {
            return c.read(ByteBuffer.allocate(1)) < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void everyDatagramReachesOneSocketOfTheGroup(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel one = lo.track(lo.provider().openDatagramChannel());
            one.setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(new InetSocketAddress(Loopback.ADDRESS, 0));
            DatagramChannel two = lo.track(lo.provider().openDatagramChannel());
            two.setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(one.getLocalAddress());
            one.configureBlocking(false);
            two.configureBlocking(false);
            int n = 12;
            for (int i = 0; i < n; i++) {
                lo.datagram().send(ByteBuffer.wrap(new byte[] {(byte) i}), one.getLocalAddress());
            }
            Set<Integer> got = new HashSet<>();
            long deadline = System.nanoTime() + WAIT_NANOS;
            ByteBuffer b = ByteBuffer.allocate(4);
            while (got.size() < n && System.nanoTime() < deadline) {
                for (DatagramChannel r : List.of(one, two)) {
                    b.clear();
                    if (r.receive(b) != null) {
                        assertTrue(got.add((int) b.get(0)), arm + ": a datagram delivered twice");
                    }
                }
            }
            assertEquals(n, got.size(), arm + ": every datagram received once");
        }
    }
}
