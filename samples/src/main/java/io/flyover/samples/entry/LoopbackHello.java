package io.flyover.samples.entry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;

/** What each entry-point example does with the provider it got: one TCP exchange on loopback through it. */
final class LoopbackHello {
    static final String FLYOVER_PROVIDER = "io.flyover.provider.FlyoverSelectorProvider";
    static final String FLYOVER_FACTORY = "io.flyover.provider.Flyover";
    static final String PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";

    private LoopbackHello() {}

    /** Whether {@code provider} is Flyover's (its class or a subclass of it). */
    static boolean isFlyover(SelectorProvider provider) {
        for (Class<?> c = provider.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(FLYOVER_PROVIDER)) {
                return true;
            }
        }
        return false;
    }

    /** Connects a client to a server, both opened from {@code provider}, and echoes "hello" back; returns the echo. */
    static String hello(SelectorProvider provider) throws IOException {
        try (ServerSocketChannel server = provider.openServerSocketChannel();
             SocketChannel client = provider.openSocketChannel()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                client.write(StandardCharsets.UTF_8.encode("hello"));
                ByteBuffer request = readFully(accepted, 5);
                accepted.write(request.flip());
                return StandardCharsets.UTF_8.decode(readFully(client, 5).flip()).toString();
            }
        }
    }

    private static ByteBuffer readFully(SocketChannel channel, int bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("connection closed after " + b.position() + " of " + bytes + " bytes");
            }
        }
        return b;
    }
}
