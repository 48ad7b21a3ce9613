package io.flyover.benchmarks;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.VethPair;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpSettings;
import io.flyover.stack.tcp.TcpState;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Two Flyover stacks joined by an in-process {@link VethPair}, one thread per stack: the caller's thread
 * owns the client stack (198.18.0.1 / fd00::1) and its connection, a {@link ServerLoop} thread owns the
 * server stack (198.18.0.2 / fd00::2), its listener and the accepted connection (or, inline, the
 * caller's thread drives both). The veth is built for this: each end's receive ring is single-producer
 * single-consumer (the peer's thread transmits, the owner's thread receives) and every thread takes
 * frames through its own pool caches. Both threads pass {@link System#nanoTime()} as now.
 * {@link #close()} checks that no frame leaked.
 */
final class FlyoverTcpPair implements TcpPair {
    static final int PORT = 7000;
    private static final int FRAMES = 2048;
    private static final int RING = 512;
    private static final long CONNECT_TIMEOUT_NANOS = 10_000_000_000L;

    private final FramePool clientPool = FramePool.allocate(FRAMES);
    private final FramePool serverPool = FramePool.allocate(FRAMES);
    private final VethPair veth = VethPair.create(clientPool, 0x0200_0000_000AL, serverPool, 0x0200_0000_000BL, RING);
    final Stack clientStack;
    final Stack serverStack;
    private final TcpListener listener;
    private final ServerLoop serverLoop;
    private final ServerRole role;
    private final ByteBuffer serverBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final TcpConnection client;
    /** Owned by the server thread. */
    private TcpConnection server;
    private volatile boolean accepted;
    private volatile long serverReceived;

    FlyoverTcpPair(int ipVersion, boolean serverThread, ServerRole role, TcpSettings settings) throws IOException {
        this.role = role;
        clientStack = new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).ipv6("fd00::1", 64).build(), veth.a(),
                new SeededRandom(1));
        serverStack = new Stack(StackConfig.builder().ipv4("198.18.0.2", 24).ipv6("fd00::2", 64).build(), veth.b(),
                new SeededRandom(2));
        IpAddress local = IpAddress.parse(ipVersion == 4 ? "198.18.0.1" : "fd00::1");
        IpAddress remote = IpAddress.parse(ipVersion == 4 ? "198.18.0.2" : "fd00::2");
        // Created here, then owned by the server thread: Thread.start orders these writes before its reads.
        listener = serverStack.tcp().listen(0, 0, PORT, 1, settings);
        serverLoop = new ServerLoop("flyover-tcp-server", serverThread, this::serve);
        serverLoop.start();
        long now = System.nanoTime();
        clientStack.poll(now);
        client = clientStack.tcp().connect(local.hi(), local.lo(), 0, remote.hi(), remote.lo(), PORT, settings, now);
        long deadline = now + CONNECT_TIMEOUT_NANOS;
        while (!(client.isConnected() && accepted)) {
            now = System.nanoTime();
            if (now - deadline > 0 || client.state() == TcpState.CLOSED || serverLoop.failure() != null) {
                IOException failed = new IOException("Flyover connection not established: " + client + " " + client.error()
                        + ", accepted " + accepted, serverLoop.failure());
                try {
                    close();
                } catch (RuntimeException e) {
                    failed.addSuppressed(e);
                }
                throw failed;
            }
            clientStack.poll(now);
            serverLoop.step();
        }
    }

    /** The server thread's busy-poll pass. */
    private boolean serve() {
        serverStack.poll(System.nanoTime());
        if (server == null) {
            server = listener.accept();
            accepted = server != null;
            return true;
        }
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
            int w = server.write(b);
            b.compact();
            if (w < 0) {
                return false;
            }
            if (w > 0) {
                serverStack.flush();
            }
        }
        return true;
    }

    TcpConnection client() { return client; }

    @Override
    public void exchange(ByteBuffer request, ByteBuffer response) throws IOException {
        // Poll first: input that arrived since the last call is taken in, and the output below is
        // stamped with the current time.
        clientStack.poll(System.nanoTime());
        write(request);
        clientStack.flush();
        while (response.hasRemaining()) {
            serverLoop.step();
            clientStack.poll(System.nanoTime());
            if (client.read(response) < 0) {
                throw new IOException("connection ended: " + client + " " + client.error());
            }
        }
    }

    @Override
    public void send(ByteBuffer chunk) throws IOException {
        write(chunk);
        clientStack.poll(System.nanoTime()); // sends what the window allows now
    }

    private void write(ByteBuffer src) throws IOException {
        while (true) {
            if (client.write(src) < 0) {
                throw new IOException("connection ended: " + client + " " + client.error());
            }
            if (!src.hasRemaining()) {
                return;
            }
            serverLoop.step();
            clientStack.poll(System.nanoTime());
        }
    }

    @Override
    public boolean awaitServerReceived(long total, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (serverReceived < total) {
            long now = System.nanoTime();
            if (now - deadline > 0 || serverLoop.failure() != null) {
                return false;
            }
            serverLoop.step();
            clientStack.poll(now);
        }
        return true;
    }

    @Override
    public void close() {
        try {
            serverLoop.stop();
        } finally {
            long now = System.nanoTime();
            client.abort(now);
            if (server != null) {
                server.abort(now);
            }
            listener.close(now);
            clientStack.close();
            serverStack.close();
            veth.close();
            try {
                clientPool.checkAllReturned();
                serverPool.checkAllReturned();
            } finally {
                clientPool.close();
                serverPool.close();
            }
        }
    }
}
