package io.flyover.provider.differential;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Channels of one provider on the loopback address, closed together at the end of a test (even a failed one).
 * Every channel a test opens comes from here, so both ends of a connection belong to the same arm.
 */
final class Loopback implements AutoCloseable {
    static final InetAddress ADDRESS = InetAddress.getLoopbackAddress();

    private final SelectorProvider provider;
    private final Deque<Channel> opened = new ArrayDeque<>();

    Loopback(ProviderArm arm) {
        this.provider = arm.provider();
    }

    SelectorProvider provider() {
        return provider;
    }

    <C extends Channel> C track(C channel) {
        opened.push(channel);
        return channel;
    }

    SocketChannel socket() throws IOException {
        return track(provider.openSocketChannel());
    }

    ServerSocketChannel server() throws IOException {
        ServerSocketChannel server = track(provider.openServerSocketChannel());
        server.bind(new InetSocketAddress(ADDRESS, 0));
        return server;
    }

    DatagramChannel datagram() throws IOException {
        DatagramChannel channel = track(provider.openDatagramChannel());
        channel.bind(new InetSocketAddress(ADDRESS, 0));
        return channel;
    }

    /** A connection: the blocking client and the blocking accepted end. */
    record Pair(SocketChannel client, SocketChannel accepted) {}

    Pair connected() throws IOException {
        ServerSocketChannel server = server();
        SocketChannel client = socket();
        client.connect(server.getLocalAddress());
        SocketChannel accepted = track(server.accept());
        return new Pair(client, accepted);
    }

    /** A loopback port nobody listens on: bound by this provider, then closed. */
    InetSocketAddress closedPort() throws IOException {
        try (ServerSocketChannel probe = provider.openServerSocketChannel()) {
            probe.bind(new InetSocketAddress(ADDRESS, 0));
            return (InetSocketAddress) probe.getLocalAddress();
        }
    }

    /** Reads exactly {@code n} bytes from a blocking channel, or fewer if the stream ends first. */
    static byte[] readFully(SocketChannel channel, int n) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(n);
        while (in.hasRemaining() && channel.read(in) >= 0) {
            // keep reading
        }
        return java.util.Arrays.copyOf(in.array(), in.position());
    }

    static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
