package io.flyover.samples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * A one-way TCP bulk transfer over plain JDK NIO on 127.0.0.1, through whichever {@link SelectorProvider}
 * it is given: a sender thread writes {@code chunk}-byte buffers for a while, the receiver counts the bytes
 * until the end of the stream. Blocking channels on both sides.
 */
public final class NioBulk {
    private NioBulk() {}

    /** What the receiver saw: bytes, and nanoseconds from the first byte to the end of the stream. */
    public record Result(long bytes, long nanos) {
        public double gigabitsPerSecond() {
            return nanos == 0 ? 0 : bytes * 8.0 / nanos;
        }
    }

    public static Result run(SelectorProvider provider, int chunk, long sendNanos) throws IOException, InterruptedException {
        try (ServerSocketChannel listener = provider.openServerSocketChannel();
             SocketChannel sender = provider.openSocketChannel()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            sender.connect(listener.getLocalAddress());
            try (SocketChannel receiver = listener.accept()) {
                Throwable[] failure = new Throwable[1];
                Thread sending = Thread.ofPlatform().name("bulk sender").daemon().start(() -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(chunk);
                    long end = System.nanoTime() + sendNanos;
                    try {
                        while (System.nanoTime() < end) {
                            b.clear();
                            NioPingPong.writeFully(sender, b);
                        }
                        sender.shutdownOutput();
                    } catch (Throwable t) {
                        failure[0] = t;
                    }
                });
                ByteBuffer b = ByteBuffer.allocateDirect(chunk);
                long bytes = 0;
                long first = 0;
                int n;
                while ((n = receiver.read(b.clear())) >= 0) {
                    if (bytes == 0 && n > 0) {
                        first = System.nanoTime();
                    }
                    bytes += n;
                }
                long last = System.nanoTime();
                sending.join();
                if (failure[0] != null) {
                    throw new IOException("sender failed", failure[0]);
                }
                return new Result(bytes, bytes == 0 ? 0 : last - first);
            }
        }
    }
}
