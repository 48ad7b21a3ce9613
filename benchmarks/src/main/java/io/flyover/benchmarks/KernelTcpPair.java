package io.flyover.benchmarks;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * The baseline: a TCP connection through the JDK default provider's {@link SocketChannel} over the
 * kernel's loopback (127.0.0.1 or ::1), both ends non-blocking and busy-polled, the server end by a
 * {@link ServerLoop} thread (or inline by the caller's), with direct buffers so that the JDK copies
 * nothing on the Java side.
 */
final class KernelTcpPair implements TcpPair {
    private final ServerSocketChannel listener;
    private final SocketChannel client;
    private final SocketChannel server;
    private final ServerLoop serverLoop;
    private final ServerRole role;
    private final ByteBuffer serverBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private volatile long serverReceived;

    KernelTcpPair(int ipVersion, boolean serverThread, ServerRole role, boolean noDelay) throws IOException {
        this.role = role;
        SelectorProvider jdk = JdkSelectorProvider.get();
        InetAddress loopback = InetAddress.getByName(ipVersion == 4 ? "127.0.0.1" : "::1");
        listener = jdk.openServerSocketChannel();
        SocketChannel c = null;
        SocketChannel s = null;
        try {
            listener.bind(new InetSocketAddress(loopback, 0), 1);
            c = jdk.openSocketChannel();
            c.connect(listener.getLocalAddress());
            s = listener.accept();
            for (SocketChannel ch : new SocketChannel[] {c, s}) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, noDelay);
                ch.configureBlocking(false);
            }
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable ch : new AutoCloseable[] {c, s, listener}) {
                closeQuietly(ch);
            }
            throw e;
        }
        client = c;
        server = s;
        serverLoop = new ServerLoop("kernel-tcp-server", serverThread, this::serve);
        serverLoop.start();
    }

    /** The server thread's busy-poll pass. */
    private boolean serve() throws IOException {
        ByteBuffer b = serverBuffer;
        int n = server.read(b);
        if (n < 0) {
            return false;
        }
        if (role == ServerRole.DISCARD) {
            if (n > 0) {
                serverReceived += n; // written by this thread only
                b.clear();
            }
        } else if (b.position() > 0) {
            b.flip();
            server.write(b);
            b.compact();
        }
        return true;
    }

    @Override
    public void exchange(ByteBuffer request, ByteBuffer response) throws IOException {
        write(request);
        while (response.hasRemaining()) {
            serverLoop.step();
            if (client.read(response) < 0) {
                throw new IOException("connection ended");
            }
        }
    }

    @Override
    public void send(ByteBuffer chunk) throws IOException {
        write(chunk);
    }

    private void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (client.write(src) == 0) {
                serverLoop.step();
            }
        }
    }

    @Override
    public boolean awaitServerReceived(long total, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (serverReceived < total) {
            if (System.nanoTime() - deadline > 0 || serverLoop.failure() != null) {
                return false;
            }
            serverLoop.step();
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        try {
            serverLoop.stop();
        } finally {
            closeQuietly(client);
            closeQuietly(server);
            listener.close();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing after a failure: the first error is the one reported
            }
        }
    }
}
