package io.flyover.samples.sockperf;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A server for Mellanox/NVIDIA's {@code sockperf} client, on TCP and UDP at once on the same port:
 * {@code sockperf ping-pong}, {@code throughput} and {@code under-load} (with or without {@code --tcp})
 * run against it unchanged. It answers as sockperf's own server does: every client message that asks
 * for a reply comes back byte for byte with the client flag cleared; warm-up messages and messages
 * from servers are not answered (see {@link SockperfMessage} for the header). One thread, one
 * {@link Selector}, plain JDK NIO over the {@link SelectorProvider} it is given.
 *
 * <p>Run it, then point the real client at it:
 * <pre>
 *   samples/run io.flyover.samples.sockperf.SockperfServer 11111
 *   sockperf ping-pong  -i 127.0.0.1 -p 11111 --tcp -t 5
 *   sockperf ping-pong  -i 127.0.0.1 -p 11111 -t 5            # UDP
 *   sockperf throughput -i 127.0.0.1 -p 11111 -t 5 --mps max
 *   sockperf under-load -i 127.0.0.1 -p 11111 --tcp -t 5 --mps 10000
 * </pre>
 * The server prints one line per TCP client when it leaves, and its totals on Ctrl-C. Over Flyover:
 * {@code JAVA_OPTS=-Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider}.
 * ({@code sockperf} is the Debian/Ubuntu package of that name.)
 */
public final class SockperfServer implements Runnable, Closeable {
    private static final int UDP_SOURCES_TRACKED = 4096;
    private static final int UDP_RECEIVE_BUFFER = 4 << 20; // the kernel caps it at net.core.rmem_max
    private static final int DATAGRAMS_PER_WAKEUP = 64;

    private final SockperfCounters counters = new SockperfCounters();
    private final Selector selector;
    private final ServerSocketChannel listener;
    private final DatagramChannel udp;
    private final ByteBuffer datagram = ByteBuffer.allocateDirect(SockperfMessage.MAX_BYTES + 1);
    private final Map<SocketAddress, SequenceCheck> udpSources = new HashMap<>();
    private final Consumer<SelectionKey> onReady = this::ready;
    private volatile boolean closed;
    private volatile boolean logConnections;

    private SockperfServer(Selector selector, ServerSocketChannel listener, DatagramChannel udp) {
        this.selector = selector;
        this.listener = listener;
        this.udp = udp;
    }

    /**
     * Binds TCP and UDP on {@code address}'s port; with port 0 a port free for both is chosen.
     * {@link #run()} then serves both.
     */
    public static SockperfServer open(SelectorProvider provider, InetSocketAddress address) throws IOException {
        BindException last = null;
        for (int attempt = 0; attempt < (address.getPort() == 0 ? 20 : 1); attempt++) {
            Selector selector = provider.openSelector();
            ServerSocketChannel listener = provider.openServerSocketChannel();
            DatagramChannel udp = provider.openDatagramChannel();
            try {
                listener.bind(address, 64);
                int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
                udp.setOption(StandardSocketOptions.SO_RCVBUF, UDP_RECEIVE_BUFFER);
                udp.bind(new InetSocketAddress(address.getAddress(), port));
                listener.configureBlocking(false);
                udp.configureBlocking(false);
                listener.register(selector, SelectionKey.OP_ACCEPT);
                udp.register(selector, SelectionKey.OP_READ);
                return new SockperfServer(selector, listener, udp);
            } catch (BindException e) {
                last = e; // the TCP port's UDP twin is taken: try another port
                closeAll(udp, listener, selector);
            } catch (IOException | RuntimeException e) {
                closeAll(udp, listener, selector);
                throw e;
            }
        }
        throw last;
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    public SockperfCounters counters() {
        return counters;
    }

    /** Prints a line to standard output as each TCP client leaves. */
    public void logConnections(boolean on) {
        logConnections = on;
    }

    /** Serves until {@link #close()}, then closes every channel and the selector. */
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
                closeAll(key.channel());
            }
            closeAll(selector);
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
            if (key.channel() == udp) {
                receiveDatagrams();
            } else if (key.isAcceptable()) {
                accept();
            } else if (!((SockperfTcpConnection) key.attachment()).serve(key)) {
                endConnection(key);
            }
        } catch (IOException e) {
            if (key.attachment() instanceof SockperfTcpConnection) {
                endConnection(key); // a reset ends only that client
            } // a failed accept or receive is retried at the next readiness
        }
    }

    private void accept() throws IOException {
        SocketChannel channel = listener.accept();
        if (channel == null) {
            return;
        }
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.register(selector, SelectionKey.OP_READ, new SockperfTcpConnection(counters));
        counters.tcpConnections++;
    }

    private void endConnection(SelectionKey key) {
        SocketChannel channel = (SocketChannel) key.channel();
        if (logConnections) {
            String peer;
            try {
                peer = String.valueOf(channel.getRemoteAddress());
            } catch (IOException e) {
                peer = "a client";
            }
            System.out.println("tcp " + peer + " left after " + ((SockperfTcpConnection) key.attachment()).messages()
                    + " messages; totals: " + counters);
        }
        closeAll(channel);
    }

    private void receiveDatagrams() throws IOException {
        for (int i = 0; i < DATAGRAMS_PER_WAKEUP; i++) {
            datagram.clear();
            SocketAddress from = udp.receive(datagram);
            if (from == null) {
                return;
            }
            int size = datagram.position();
            if (size < SockperfMessage.HEADER_BYTES || SockperfMessage.length(datagram, 0) != size) {
                counters.malformed++;
                continue;
            }
            if (answer(datagram, 0, sourceSequence(from), counters)) {
                datagram.flip();
                if (udp.send(datagram, from) == 0) {
                    counters.repliesDropped++;
                } else {
                    counters.replies++;
                }
            }
        }
    }

    private SequenceCheck sourceSequence(SocketAddress from) {
        SequenceCheck check = udpSources.get(from);
        if (check == null) {
            if (udpSources.size() >= UDP_SOURCES_TRACKED) {
                udpSources.clear(); // bounded: a flood of sources only restarts the accounting
            }
            check = new SequenceCheck();
            udpSources.put(from, check);
        }
        return check;
    }

    /**
     * Counts the message at {@code at} and, when the client asked for it back, turns it into the reply
     * in place.
     *
     * @return whether to send the message's bytes back
     */
    static boolean answer(ByteBuffer b, int at, SequenceCheck sequence, SockperfCounters counters) {
        if (!SockperfMessage.isFromClient(b, at)) {
            counters.notFromClient++;
            return false;
        }
        if (SockperfMessage.isWarmup(b, at)) {
            counters.warmups++;
            return false;
        }
        counters.messages++;
        sequence.record(SockperfMessage.sequence(b, at), counters);
        if (!SockperfMessage.wantsReply(b, at)) {
            return false;
        }
        SockperfMessage.markAsReply(b, at);
        return true;
    }

    private static void closeAll(java.io.Closeable... closeables) {
        for (java.io.Closeable c : closeables) {
            try {
                c.close();
            } catch (IOException ignored) {
                // on the way out
            }
        }
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 11111;
        InetAddress bind = args.length > 1 ? InetAddress.getByName(args[1]) : InetAddress.getByName("0.0.0.0");
        SelectorProvider provider = SelectorProvider.provider();
        SockperfServer server = open(provider, new InetSocketAddress(bind, port));
        server.logConnections(true);
        System.out.println("sockperf server on tcp+udp " + server.localAddress() + " over " + provider.getClass().getName());
        System.out.println("  try: sockperf ping-pong -i 127.0.0.1 -p " + server.localAddress().getPort() + " --tcp");
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                main.join(2_000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            System.out.println("totals: " + server.counters());
        }));
        server.run();
    }
}
