package io.flyover.provider.net;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.differential.Outcome;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code java.net.Socket} and {@code ServerSocket} over Flyover's socket implementations, against the JDK's own
 * ({@code sun.nio.ch.NioSocketImpl}): the same results, exception types and (where {@code NioSocketImpl} words
 * them) messages.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class JavaNetSocketTest {
    private static final Class<?> SOCKET_INPUT_STREAM = socketInputStream();

    private static Class<?> socketInputStream() {
        try {
            return Class.forName("java.net.Socket$SocketInputStream");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readFully(InputStream in, int n) throws Exception {
        byte[] bytes = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(bytes, got, n - got);
            if (r < 0) {
                return Arrays.copyOf(bytes, got);
            }
            got += r;
        }
        return bytes;
    }

    private static String message(org.junit.jupiter.api.function.Executable run) {
        return assertThrows(Exception.class, run).getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void connectedSocketsCarryBytesAndKnowTheirEnds(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            ServerSocket server = lo.server();
            Socket client = lo.socket();
            assertFalse(client.isBound() || client.isConnected(), arm + ": a new socket is neither bound nor connected");
            client.connect(server.getLocalSocketAddress());
            Socket accepted = lo.track(server.accept());
            assertTrue(client.isBound() && client.isConnected(), arm + ": bound and connected");
            assertEquals(NetLoopback.ADDRESS, client.getInetAddress(), arm + ": client's remote address");
            assertEquals(server.getLocalPort(), client.getPort(), arm + ": client's remote port");
            assertEquals(NetLoopback.ADDRESS, client.getLocalAddress(), arm + ": client's local address");
            assertEquals(client.getLocalPort(), accepted.getPort(), arm + ": accepted's remote port");
            assertEquals(NetLoopback.ADDRESS, accepted.getInetAddress(), arm + ": accepted's remote address");
            assertEquals(server.getLocalPort(), accepted.getLocalPort(), arm + ": accepted's local port");
            assertEquals(client.getRemoteSocketAddress(), server.getLocalSocketAddress(), arm + ": remote socket address");

            client.getOutputStream().write("hello".getBytes());
            assertArrayEquals("hello".getBytes(), readFully(accepted.getInputStream(), 5), arm + ": client to server");
            accepted.getOutputStream().write(7);
            expect(arm, "single-byte read", returned(7), of(() -> client.getInputStream().read()));
            expect(arm, "zero-length read", returned(0), of(() -> client.getInputStream().read(new byte[4], 0, 0)));
            expectThrows(arm, "read with a bad range", IndexOutOfBoundsException.class,
                    () -> client.getInputStream().read(new byte[4], 2, 3));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void aLargeTransferArrivesIntact(JavaNetArm arm) throws Exception {
        byte[] data = new byte[600_000];
        new java.util.Random(11).nextBytes(data);
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return readFully(pair.accepted().getInputStream(), data.length);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            OutputStream out = pair.client().getOutputStream();
            out.write(data, 0, 1);
            out.write(data, 1, data.length - 1);
            assertArrayEquals(data, received.get(15, TimeUnit.SECONDS), arm + ": bytes received");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void connectToAClosedPortIsRefusedAndClosesTheSocket(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            InetSocketAddress nobody = lo.closedPort();
            Socket client = lo.socket();
            expectThrows(arm, "connect to a closed port", ConnectException.class, () -> client.connect(nobody));
            assertTrue(client.isClosed(), arm + ": a failed connect closes the socket");
            Socket timed = lo.socket();
            expectThrows(arm, "connect(timeout) to a closed port", ConnectException.class, () -> timed.connect(nobody, 2_000));
            assertTrue(timed.isClosed(), arm + ": a failed timed connect closes the socket");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void connectToAnUnresolvedAddressThrowsUnknownHost(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            Socket client = lo.socket();
            expectThrows(arm, "connect to an unresolved address", UnknownHostException.class,
                    () -> client.connect(InetSocketAddress.createUnresolved("flyover.invalid", 80)));
            assertTrue(client.isClosed(), arm + ": the socket is closed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void soTimeoutEndsAReadAndTheSocketStaysUsable(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            Socket socket = pair.accepted();
            socket.setSoTimeout(50);
            assertEquals(50, socket.getSoTimeout(), arm + ": SO_TIMEOUT");
            InputStream in = socket.getInputStream();
            assertEquals("Read timed out", message(in::read), arm + ": timeout message");
            expectThrows(arm, "read timeout", SocketTimeoutException.class, in::read);
            assertFalse(socket.isClosed(), arm + ": a timeout does not close the socket");
            pair.client().getOutputStream().write(3);
            expect(arm, "read after a timeout, once data came", returned(3), of(in::read));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void soTimeoutEndsAnAcceptAndTheServerStaysUsable(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            ServerSocket server = lo.server();
            server.setSoTimeout(50);
            assertEquals("Accept timed out", message(server::accept), arm + ": timeout message");
            expectThrows(arm, "accept timeout", SocketTimeoutException.class, server::accept);
            Socket client = lo.socket();
            client.connect(server.getLocalSocketAddress());
            Socket accepted = lo.track(server.accept());
            assertEquals(client.getLocalPort(), accepted.getPort(), arm + ": accepted after a timeout");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void availableCountsQueuedBytesAndThenNothingAfterEndOfStream(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            InputStream in = pair.accepted().getInputStream();
            expect(arm, "available with nothing sent", returned(0), of(in::available));
            pair.client().getOutputStream().write(new byte[] {1, 2, 3, 4, 5});
            int available = 0;
            for (int i = 0; i < 500 && available < 5; i++) {
                available = in.available();
                Thread.sleep(1);
            }
            expect(arm, "available once 5 bytes arrived", returned(5), returned(available));
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, readFully(in, 5), arm + ": the counted bytes are read");
            expect(arm, "available after reading them", returned(0), of(in::available));
            pair.client().close();
            expect(arm, "read after the peer closed", returned(-1), of(in::read));
            expect(arm, "available at end of stream", returned(0), of(in::available));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void shutdownOutputEndsThePeersStreamAndRefusesWrites(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            OutputStream out = pair.client().getOutputStream();
            pair.client().shutdownOutput();
            assertTrue(pair.client().isOutputShutdown(), arm + ": isOutputShutdown");
            expect(arm, "peer read after shutdownOutput", returned(-1), of(() -> pair.accepted().getInputStream().read()));
            expectThrows(arm, "getOutputStream after shutdownOutput", SocketException.class, () -> pair.client().getOutputStream());
            expectThrows(arm, "write through the earlier stream", SocketException.class, () -> out.write(1));
            expectThrows(arm, "shutdownOutput twice", SocketException.class, () -> pair.client().shutdownOutput());
            pair.accepted().getOutputStream().write(9);
            expect(arm, "a half-closed socket still reads", returned(9), of(() -> pair.client().getInputStream().read()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void shutdownInputEndsReads(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            InputStream in = pair.client().getInputStream();
            pair.client().shutdownInput();
            assertTrue(pair.client().isInputShutdown(), arm + ": isInputShutdown");
            expect(arm, "read after shutdownInput", returned(-1), of(in::read));
            expect(arm, "available after shutdownInput", returned(0), of(in::available));
            expectThrows(arm, "getInputStream after shutdownInput", SocketException.class, () -> pair.client().getInputStream());
            pair.client().getOutputStream().write(4);
            expect(arm, "writes still flow", returned(4), of(() -> pair.accepted().getInputStream().read()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void aClosedSocketRefusesEverythingButKeepsItsAddresses(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            Socket socket = pair.client();
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            int localPort = socket.getLocalPort();
            socket.close();
            assertTrue(socket.isClosed(), arm + ": isClosed");
            expect(arm, "close twice", Outcome.done(), Outcome.ofRun(socket::close));
            assertEquals("Socket closed", message(in::read), arm + ": message of a read after close");
            expectThrows(arm, "read after close", SocketException.class, in::read);
            expectThrows(arm, "write after close", SocketException.class, () -> out.write(1));
            expectThrows(arm, "available after close", SocketException.class, in::available);
            expectThrows(arm, "getInputStream after close", SocketException.class, socket::getInputStream);
            expectThrows(arm, "setTcpNoDelay after close", SocketException.class, () -> socket.setTcpNoDelay(true));
            expectThrows(arm, "getOption after close", SocketException.class, () -> socket.getOption(StandardSocketOptions.SO_KEEPALIVE));
            assertEquals(localPort, socket.getLocalPort(), arm + ": local port after close");
            assertEquals(NetLoopback.ADDRESS, socket.getInetAddress(), arm + ": remote address after close");
            expect(arm, "peer read after close", returned(-1), of(() -> pair.accepted().getInputStream().read()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void closingWhileAnotherThreadReadsEndsTheRead(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            Socket socket = lo.connected().accepted();
            InputStream in = socket.getInputStream();
            CompletableFuture<Throwable> reader = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().start(() -> {
                try {
                    in.read();
                    reader.complete(null);
                } catch (Throwable t) {
                    reader.complete(t);
                }
            });
            awaitInsideRead(thread);
            socket.close();
            Throwable failure = reader.get(10, TimeUnit.SECONDS);
            assertEquals(SocketException.class, failure == null ? null : failure.getClass(), arm + ": the blocked read's failure");
            assertEquals("Socket closed", failure.getMessage(), arm + ": the blocked read's message");
        }
    }

    private static void awaitInsideRead(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Arrays.stream(thread.getStackTrace()).noneMatch(f -> f.getClassName().equals(SOCKET_INPUT_STREAM.getName())
                && f.getMethodName().equals("read"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the reader never blocked in read");
            }
            Thread.sleep(1);
        }
        Thread.sleep(50);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void aPlatformThreadsInterruptDoesNotEndItsRead(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            InputStream in = pair.accepted().getInputStream();
            CompletableFuture<Outcome> reader = new CompletableFuture<>();
            boolean[] interruptKept = new boolean[1];
            Thread thread = Thread.ofPlatform().start(() -> {
                reader.complete(Outcome.of(in::read));
                interruptKept[0] = Thread.currentThread().isInterrupted();
            });
            awaitInsideRead(thread);
            thread.interrupt();
            Thread.sleep(50);
            pair.client().getOutputStream().write(8);
            expect(arm, "interrupted platform thread's read", returned(8), reader.get(10, TimeUnit.SECONDS));
            thread.join();
            assertTrue(interruptKept[0], arm + ": the interrupt status is kept");
            assertFalse(pair.accepted().isClosed(), arm + ": the socket stays open");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void aVirtualThreadsInterruptClosesTheSocket(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            InputStream in = pair.accepted().getInputStream();
            CompletableFuture<Throwable> reader = new CompletableFuture<>();
            boolean[] interruptKept = new boolean[1];
            Thread thread = Thread.ofVirtual().start(() -> {
                try {
                    in.read();
                    reader.complete(null);
                } catch (Throwable t) {
                    interruptKept[0] = Thread.currentThread().isInterrupted();
                    reader.complete(t);
                }
            });
            awaitInsideRead(thread);
            thread.interrupt();
            Throwable failure = reader.get(10, TimeUnit.SECONDS);
            thread.join();
            assertEquals(SocketException.class, failure == null ? null : failure.getClass(), arm + ": the interrupted read's failure");
            assertEquals("Closed by interrupt", failure.getMessage(), arm + ": the interrupted read's message");
            assertTrue(interruptKept[0], arm + ": the interrupt status is kept");
            assertTrue(pair.accepted().isClosed(), arm + ": the socket is closed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void lingerZeroResetsTheConnection(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            NetLoopback.Pair pair = lo.connected();
            pair.client().setSoLinger(true, 0);
            assertEquals(0, pair.client().getSoLinger(), arm + ": SO_LINGER 0");
            pair.client().close();
            InputStream in = pair.accepted().getInputStream();
            assertEquals("Connection reset", message(in::read), arm + ": read after a reset");
            expectThrows(arm, "read again after a reset", SocketException.class, in::read);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void urgentDataLeavesTheStreamUnlessOobInline(JavaNetArm arm) throws Exception {
        for (boolean inline : new boolean[] {false, true}) {
            try (NetLoopback lo = new NetLoopback(arm)) {
                NetLoopback.Pair pair = lo.connected();
                Socket client = pair.client();
                pair.accepted().setOOBInline(inline);
                assertTrue(client.getOOBInline() == false && pair.accepted().getOOBInline() == inline, arm + ": SO_OOBINLINE");
                OutputStream out = client.getOutputStream();
                out.write("ab".getBytes());
                client.sendUrgentData('!');
                out.write("cd".getBytes());
                client.shutdownOutput();
                String got = new String(pair.accepted().getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertEquals(inline ? "ab!cd" : "abcd", got, arm + ": received with SO_OOBINLINE " + inline);
                expect(arm, "sendUrgentData after shutdownOutput", Outcome.threw(java.io.IOException.class),
                        Outcome.ofRun(() -> client.sendUrgentData(1)));
                assertEquals("Broken pipe", message(() -> client.sendUrgentData(1)), arm + ": its message");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void clientOptionsDefaultsRoundTripsAndLimits(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            Socket s = lo.connected().client();
            expect(arm, "TCP_NODELAY default", returned(false), of(s::getTcpNoDelay));
            expect(arm, "SO_KEEPALIVE default", returned(false), of(s::getKeepAlive));
            expect(arm, "SO_LINGER default", returned(-1), of(s::getSoLinger));
            expect(arm, "SO_REUSEADDR default", returned(false), of(s::getReuseAddress));
            expect(arm, "SO_OOBINLINE default", returned(false), of(s::getOOBInline));
            expect(arm, "IP_TOS default", returned(0), of(s::getTrafficClass));
            assertTrue(s.getSendBufferSize() > 0 && s.getReceiveBufferSize() > 0, arm + ": buffer sizes are positive");

            s.setTcpNoDelay(true);
            expect(arm, "TCP_NODELAY set", returned(true), of(s::getTcpNoDelay));
            s.setKeepAlive(true);
            expect(arm, "SO_KEEPALIVE set", returned(true), of(s::getKeepAlive));
            s.setSoLinger(true, 5);
            expect(arm, "SO_LINGER 5", returned(5), of(s::getSoLinger));
            s.setSoLinger(true, 70_000);
            expect(arm, "SO_LINGER clamped by Socket", returned(65_535), of(s::getSoLinger));
            s.setSoLinger(false, 0);
            expect(arm, "SO_LINGER off", returned(-1), of(s::getSoLinger));
            s.setOOBInline(true);
            expect(arm, "SO_OOBINLINE set", returned(true), of(s::getOOBInline));
            s.setTrafficClass(0x10);
            expect(arm, "IP_TOS set", returned(0x10), of(s::getTrafficClass));
            s.setReuseAddress(true);
            expect(arm, "SO_REUSEADDR set", returned(true), of(s::getReuseAddress));
            s.setOption(StandardSocketOptions.SO_KEEPALIVE, false);
            expect(arm, "SO_KEEPALIVE through setOption", returned(false), of(() -> s.getOption(StandardSocketOptions.SO_KEEPALIVE)));
            expectThrows(arm, "setSoLinger(true, -1)", IllegalArgumentException.class, () -> s.setSoLinger(true, -1));
            expectThrows(arm, "setTrafficClass(256)", IllegalArgumentException.class, () -> s.setTrafficClass(256));
            expectThrows(arm, "setOption(IP_TOS, 300)", IllegalArgumentException.class, () -> s.setOption(StandardSocketOptions.IP_TOS, 300));
            expectThrows(arm, "setOption with a null value", IllegalArgumentException.class,
                    () -> s.setOption(StandardSocketOptions.TCP_NODELAY, null));
            expectThrows(arm, "an option of datagram sockets", UnsupportedOperationException.class,
                    () -> s.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void supportedOptionsAreTheJdks(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm); NetLoopback jdk = new NetLoopback(JavaNetArm.JDK)) {
            assertEquals(names(jdk.socket().supportedOptions()), names(lo.socket().supportedOptions()), arm + ": Socket options");
            assertEquals(names(jdk.server().supportedOptions()), names(lo.server().supportedOptions()), arm + ": ServerSocket options");
        }
    }

    private static Set<String> names(Set<SocketOption<?>> options) {
        Set<String> names = new TreeSet<>();
        options.forEach(o -> names.add(o.name()));
        return names;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void serverOptionsAndTrafficClassOfAcceptedSockets(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            ServerSocket server = lo.track(arm.serverSocket());
            expect(arm, "server SO_REUSEADDR default", returned(true), of(server::getReuseAddress));
            server.setReceiveBufferSize(32 * 1024);
            assertTrue(server.getReceiveBufferSize() > 0, arm + ": server SO_RCVBUF");
            server.setOption(StandardSocketOptions.IP_TOS, 0x20);
            expect(arm, "server IP_TOS", returned(0x20), of(() -> server.getOption(StandardSocketOptions.IP_TOS)));
            server.setOption(StandardSocketOptions.IP_TOS, 0xFF);
            expect(arm, "server IP_TOS 0xFF, ECN bits TCP's", returned(0xFC), of(() -> server.getOption(StandardSocketOptions.IP_TOS)));
            server.setOption(StandardSocketOptions.IP_TOS, 0x20);
            expectThrows(arm, "server IP_TOS 256", IllegalArgumentException.class, () -> server.setOption(StandardSocketOptions.IP_TOS, 256));
            expectThrows(arm, "server TCP_NODELAY", UnsupportedOperationException.class,
                    () -> server.setOption(StandardSocketOptions.TCP_NODELAY, true));
            server.bind(new InetSocketAddress(NetLoopback.ADDRESS, 0));
            Socket client = lo.socket();
            client.connect(server.getLocalSocketAddress());
            Socket accepted = lo.track(server.accept());
            expect(arm, "accepted socket's IP_TOS", returned(0x20), of(accepted::getTrafficClass));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.net.JavaNetArm#arms")
    void bindingRules(JavaNetArm arm) throws Exception {
        try (NetLoopback lo = new NetLoopback(arm)) {
            ServerSocket server = lo.server();
            ServerSocket other = lo.track(arm.serverSocket());
            expectThrows(arm, "bind to a listening port", BindException.class, () -> other.bind(server.getLocalSocketAddress()));
            expectThrows(arm, "bind a server twice", SocketException.class,
                    () -> server.bind(new InetSocketAddress(NetLoopback.ADDRESS, 0)));
            Socket client = lo.socket();
            expect(arm, "local port before bind", returned(-1), of(client::getLocalPort));
            client.bind(new InetSocketAddress(NetLoopback.ADDRESS, 0));
            int bound = client.getLocalPort();
            assertTrue(bound > 0, arm + ": bind picks a port");
            client.connect(server.getLocalSocketAddress());
            Socket accepted = lo.track(server.accept());
            assertEquals(bound, accepted.getPort(), arm + ": connect keeps the bound port");
        }
    }
}
