package io.flyover.samples.echo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import org.HdrHistogram.Histogram;

/**
 * Measures TCP round trips against an echo server ({@link EchoServer}, or any other): one connection,
 * non-blocking, driven by a {@link Selector}; sends a message, waits for all of its echo, checks every
 * byte came back, and records the round trip in an HdrHistogram; then prints the percentiles.
 *
 * <p>Run it against the server (host, port, round trips, message bytes):
 * <pre>
 *   samples/run io.flyover.samples.echo.EchoClient 127.0.0.1 7007 100000 64
 * </pre>
 * Over Flyover, as for the server:
 * {@code JAVA_OPTS=-Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider}.
 */
public final class EchoClient {
    private EchoClient() {}

    /**
     * Runs {@code warmup + rounds} round trips of {@code messageBytes} each and returns the last
     * {@code rounds} of them, in nanoseconds.
     *
     * @throws IOException also when an echo differs from what was sent or the server closes early
     */
    public static Histogram run(SelectorProvider provider, InetSocketAddress server, int messageBytes, int warmup, int rounds)
            throws IOException {
        if (messageBytes < Long.BYTES) {
            throw new IllegalArgumentException("a message carries its 8-byte sequence number: " + messageBytes + " bytes is too short");
        }
        Histogram roundTrips = new Histogram(10, 60_000_000_000L, 3);
        ByteBuffer message = ByteBuffer.allocateDirect(messageBytes);
        ByteBuffer echo = ByteBuffer.allocateDirect(messageBytes);
        for (int i = Long.BYTES; i < messageBytes; i++) {
            message.put(i, (byte) (i * 31));
        }
        try (Selector selector = provider.openSelector(); SocketChannel channel = provider.openSocketChannel()) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
            if (!channel.connect(server)) {
                while (!channel.finishConnect()) {
                    await(selector);
                }
            }
            for (int round = 0; round < warmup + rounds; round++) {
                long start = System.nanoTime();
                message.clear().putLong(0, round);
                echo.clear();
                // Write what the socket takes, read what has come back, until the whole echo is in.
                while (echo.hasRemaining()) {
                    if (message.hasRemaining()) {
                        channel.write(message);
                    }
                    if (channel.read(echo) < 0) {
                        throw new IOException("the server closed the connection in round " + round);
                    }
                    if (echo.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ | (message.hasRemaining() ? SelectionKey.OP_WRITE : 0));
                        await(selector);
                    }
                }
                long roundTrip = System.nanoTime() - start;
                if (message.flip().mismatch(echo.flip()) >= 0) {
                    throw new IOException("the echo of round " + round + " differs from the message sent");
                }
                if (round >= warmup) {
                    roundTrips.recordValue(roundTrip);
                }
            }
        }
        return roundTrips;
    }

    private static void await(Selector selector) throws IOException {
        selector.select();
        selector.selectedKeys().clear(); // one channel: its readiness is re-tested by the calls themselves
    }

    /** Prints the round trips' percentiles in microseconds, as one table. */
    public static void printPercentiles(PrintStream out, Histogram roundTrips) {
        out.printf("%d round trips (us):%n", roundTrips.getTotalCount());
        for (double p : new double[] {50, 90, 99, 99.9, 99.99}) {
            out.printf("  p%-6s %10.2f%n", p, roundTrips.getValueAtPercentile(p) / 1e3);
        }
        out.printf("  max     %10.2f%n", roundTrips.getMaxValue() / 1e3);
    }

    public static void main(String[] args) throws IOException {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 7007;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        int bytes = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        SelectorProvider provider = SelectorProvider.provider();
        System.out.println("echo client to " + host + ":" + port + ", " + bytes + "-byte messages, over " + provider.getClass().getName());
        Histogram roundTrips = run(provider, new InetSocketAddress(host, port), bytes, Math.min(rounds, 10_000), rounds);
        printPercentiles(System.out, roundTrips);
    }
}
