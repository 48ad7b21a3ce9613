package io.flyover.samples.echo;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.function.Consumer;

/**
 * A TCP echo server on one thread: one {@link Selector}, non-blocking channels, every byte a client
 * sends written back to it. A client that half-closes (shuts down its output) still gets all its
 * echo, then the server closes the connection. Plain JDK NIO: it runs over whatever
 * {@link SelectorProvider} it is given, and {@link #main} uses the JVM's ({@link SelectorProvider#provider()}).
 *
 * <p>Run it (port 7007 on all addresses; the launcher builds the samples once):
 * <pre>
 *   samples/run io.flyover.samples.echo.EchoServer 7007
 * </pre>
 * Over Flyover, name Flyover's provider (or use any other entry point, see {@code io.flyover.samples.entry}):
 * <pre>
 *   JAVA_OPTS=-Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider \
 *     samples/run io.flyover.samples.echo.EchoServer 7007
 * </pre>
 * Then measure it with {@link EchoClient}.
 */
public final class EchoServer implements Runnable, Closeable {
    /** Echo bytes held per connection; a client that does not read its echo is not read further. */
    private static final int BUFFER_BYTES = 64 * 1024;

    private final Selector selector;
    private final ServerSocketChannel listener;
    private final Consumer<SelectionKey> onReady = this::ready;
    private volatile boolean closed;

    private EchoServer(Selector selector, ServerSocketChannel listener) {
        this.selector = selector;
        this.listener = listener;
    }

    /** Binds a listener at {@code address} (port 0 picks a free port); {@link #run()} then serves it. */
    public static EchoServer open(SelectorProvider provider, InetSocketAddress address) throws IOException {
        Selector selector = provider.openSelector();
        ServerSocketChannel listener = provider.openServerSocketChannel();
        try {
            listener.bind(address);
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            return new EchoServer(selector, listener);
        } catch (IOException | RuntimeException e) {
            listener.close();
            selector.close();
            throw e;
        }
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    /** Serves until {@link #close()}; then closes the listener, every connection and the selector. */
    @Override
    public void run() {
        try {
            while (!closed) {
                selector.select(onReady);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                closeQuietly(key);
            }
            closeQuietly(selector);
        }
    }

    /** Asks {@link #run()} to stop; it closes everything on its own thread. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
    }

    private void ready(SelectionKey key) {
        try {
            if (key.isAcceptable()) {
                accept();
            } else {
                ((Connection) key.attachment()).serve(key);
            }
        } catch (IOException e) {
            closeQuietly(key); // a reset or a broken pipe ends only that connection
        }
    }

    private void accept() throws IOException {
        SocketChannel channel = listener.accept();
        if (channel == null) {
            return;
        }
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.register(selector, SelectionKey.OP_READ, new Connection());
    }

    /** One client: the bytes read and not yet echoed, and whether it has finished sending. */
    private static final class Connection {
        private final ByteBuffer pending = ByteBuffer.allocateDirect(BUFFER_BYTES); // always in fill mode
        private boolean inputDone;

        void serve(SelectionKey key) throws IOException {
            SocketChannel channel = (SocketChannel) key.channel();
            if (key.isReadable() && channel.read(pending) < 0) {
                inputDone = true;
            }
            pending.flip();
            channel.write(pending);
            pending.compact();
            boolean unsent = pending.position() > 0;
            if (inputDone && !unsent) {
                channel.close(); // everything echoed after the client's FIN
                return;
            }
            // Stop reading while the buffer is full: back-pressure on a client that does not read.
            int interest = (unsent ? SelectionKey.OP_WRITE : 0) | (!inputDone && pending.hasRemaining() ? SelectionKey.OP_READ : 0);
            key.interestOps(interest);
        }
    }

    private static void closeQuietly(SelectionKey key) {
        closeQuietly(key.channel());
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing on the way out: nothing left to tell the peer
        }
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7007;
        SelectorProvider provider = SelectorProvider.provider();
        try (EchoServer server = open(provider, new InetSocketAddress(port))) {
            System.out.println("echo server on " + server.localAddress() + " over " + provider.getClass().getName());
            server.run();
        }
    }
}
