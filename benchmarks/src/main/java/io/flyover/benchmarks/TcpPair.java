package io.flyover.benchmarks;

import io.flyover.stack.tcp.TcpSettings;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One TCP connection between a client, driven by the calling (benchmark) thread, and a server that
 * busy-polls its end and either echoes or discards what arrives. The server runs on its own thread
 * ({@code threads = 2}, one thread per end) or inline in the client's busy-poll loops ({@code threads = 1},
 * which measures the cost of both ends without the scheduler between them). Implemented over two
 * Flyover stacks ({@link FlyoverTcpPair}) and over the kernel's loopback ({@link KernelTcpPair}), so
 * that a benchmark runs the same client code on both paths.
 */
interface TcpPair extends AutoCloseable {

    /** What the server thread does with the bytes of its connection. */
    enum ServerRole { ECHO, DISCARD }

    /**
     * A connected pair on {@code path} ("flyover" or "kernel") over IPv4 or IPv6, on 1 or 2 threads,
     * with TCP_NODELAY as given and otherwise each path's default socket settings.
     */
    static TcpPair open(String path, int ipVersion, int threads, ServerRole role, boolean noDelay) throws IOException {
        if (ipVersion != 4 && ipVersion != 6) {
            throw new IllegalArgumentException("ipVersion must be 4 or 6: " + ipVersion);
        }
        if (threads != 1 && threads != 2) {
            throw new IllegalArgumentException("threads must be 1 or 2: " + threads);
        }
        boolean serverThread = threads == 2;
        return switch (path) {
            case "flyover" -> {
                TcpSettings settings = new TcpSettings();
                settings.noDelay = noDelay;
                yield new FlyoverTcpPair(ipVersion, serverThread, role, settings);
            }
            case "kernel" -> new KernelTcpPair(ipVersion, serverThread, role, noDelay);
            default -> throw new IllegalArgumentException("path must be flyover or kernel: " + path);
        };
    }

    /** Sends all of {@code request}, then busy-polls until {@code response} is full. */
    void exchange(ByteBuffer request, ByteBuffer response) throws IOException;

    /** Sends all of {@code chunk}, busy-polling while the send buffer is full. */
    void send(ByteBuffer chunk) throws IOException;

    /** Keeps the client side going until the server has received {@code total} bytes in all; false on timeout. */
    boolean awaitServerReceived(long total, long timeoutNanos) throws IOException;

    /** Stops the server thread and closes both ends. */
    @Override
    void close() throws IOException;
}
