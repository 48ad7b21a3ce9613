package io.flyover.samples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import org.HdrHistogram.Histogram;

/**
 * A TCP ping-pong over plain JDK NIO on 127.0.0.1, through whichever {@link SelectorProvider} it is
 * given: a client sends {@code payload} bytes, an echo thread sends them back, and the client records
 * each round trip. Blocking channels on both sides, so the same code is fair to both providers.
 */
public final class NioPingPong {
    private NioPingPong() {}

    /**
     * Round trips for {@code warmupNanos} (discarded), then records them for {@code measureNanos}.
     * Every echo is checked against what was sent (a sequence number in the first eight bytes).
     */
    public static Histogram run(SelectorProvider provider, int payload, long warmupNanos, long measureNanos)
            throws IOException, InterruptedException {
        if (payload < Long.BYTES) {
            throw new IllegalArgumentException("payload below " + Long.BYTES + " bytes: " + payload);
        }
        Histogram roundTrips = new Histogram(10, 10_000_000_000L, 3);
        try (ServerSocketChannel listener = provider.openServerSocketChannel();
             SocketChannel client = provider.openSocketChannel()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client.connect(listener.getLocalAddress());
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SocketChannel served = listener.accept();
            served.setOption(StandardSocketOptions.TCP_NODELAY, true);
            EchoThread echo = new EchoThread(served, payload);
            echo.start();
            ByteBuffer out = ByteBuffer.allocateDirect(payload);
            ByteBuffer in = ByteBuffer.allocateDirect(payload);
            long sequence = 0;
            long start = System.nanoTime();
            long warmupEnd = start + warmupNanos;
            long end = warmupEnd + measureNanos;
            long now = start;
            while (now < end) {
                out.clear();
                out.putLong(0, ++sequence);
                long sent = System.nanoTime();
                writeFully(client, out);
                in.clear();
                readFully(client, in);
                now = System.nanoTime();
                if (in.getLong(0) != sequence) {
                    throw new IOException("echo " + in.getLong(0) + " for request " + sequence);
                }
                if (sent >= warmupEnd) {
                    roundTrips.recordValue(now - sent);
                }
            }
            client.shutdownOutput();
            echo.join();
            if (echo.failure != null) {
                throw new IOException("echo side failed", echo.failure);
            }
        }
        return roundTrips;
    }

    static void writeFully(SocketChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Fills {@code b}; false at end of stream before the first byte, an exception after it. */
    static boolean readFully(SocketChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                if (b.position() == 0) {
                    return false;
                }
                throw new IOException("connection closed after " + b.position() + " of " + b.limit() + " bytes");
            }
        }
        return true;
    }

    /** Sends back every message until the client shuts its output down. */
    private static final class EchoThread extends Thread {
        private final SocketChannel channel;
        private final int payload;
        volatile Throwable failure;

        EchoThread(SocketChannel channel, int payload) {
            super("ping-pong echo");
            setDaemon(true);
            this.channel = channel;
            this.payload = payload;
        }

        @Override
        public void run() {
            ByteBuffer b = ByteBuffer.allocateDirect(payload);
            try (channel) {
                while (true) {
                    b.clear();
                    if (!readFully(channel, b)) {
                        return;
                    }
                    b.flip();
                    writeFully(channel, b);
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }
}
