package io.flyover.provider.net;

import io.flyover.provider.channel.FlyoverServerSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.ref.Cleaner;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@code java.net.ServerSocket} implementation over a {@link ServerSocketChannel} of any
 * {@link SelectorProvider}, reproducing {@code sun.nio.ch.NioSocketImpl} in its server role: "Accept timed out"
 * after {@code SO_TIMEOUT}, a backlog below 1 meaning 50, the server's option set (which includes
 * {@code IP_TOS}, given to every accepted socket since a {@code ServerSocketChannel} has no such option), and
 * accepted connections handed to the {@link ChannelSocketImpl} that {@code ServerSocket.accept} created.
 *
 * <p>A channel binds and listens in one call, while {@code ServerSocket.bind} calls {@code bind} then
 * {@code listen}: the address is kept by {@link #bind} and the channel bound by {@link #listen}.
 */
public final class ChannelServerSocketImpl extends SocketImpl {
    private enum State { NEW, OPEN, LISTENING, CLOSED }

    private final SelectorProvider provider;
    private final Object stateLock = new Object();
    private final ReentrantLock acceptLock = new ReentrantLock();

    private volatile State state = State.NEW;
    private ServerSocketChannel channel;
    private ReadinessWaiter acceptWaiter;
    private Cleaner.Cleanable cleanable;
    private Set<SocketOption<?>> options = Set.of();
    private InetSocketAddress bindAddress;
    private Integer trafficClass;
    private volatile int timeoutMillis;

    /** A server socket whose channel will come from {@code provider} when {@code java.net.ServerSocket} creates it. */
    public ChannelServerSocketImpl(SelectorProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /** The channel under this server socket ({@code null} before creation); for tests and diagnostics. */
    public ServerSocketChannel channel() {
        synchronized (stateLock) {
            return channel;
        }
    }

    @Override
    protected void create(boolean stream) throws IOException {
        if (!stream) {
            throw new IOException("Datagram socket creation not supported");
        }
        synchronized (stateLock) {
            if (state != State.NEW) {
                throw new IOException("Already created");
            }
            ServerSocketChannel opened = provider.openServerSocketChannel();
            try {
                opened.configureBlocking(false);
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
            channel = opened;
            acceptWaiter = new ReadinessWaiter(opened);
            cleanable = SocketCleaner.register(this, opened, acceptWaiter);
            Set<SocketOption<?>> supported = new HashSet<>(ChannelOptions.publicOptions(opened.supportedOptions()));
            supported.add(StandardSocketOptions.IP_TOS);
            options = Set.copyOf(supported);
            state = State.OPEN;
        }
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (bindAddress != null) {
                throw new SocketException("Already bound");
            }
            bindAddress = new InetSocketAddress(host, port);
            address = host;
        }
    }

    @Override
    protected void listen(int backlog) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (bindAddress == null) {
                throw new SocketException("Not bound");
            }
            if (state == State.LISTENING) {
                return;
            }
            try {
                channel.bind(bindAddress, backlog < 1 ? 50 : backlog);
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            }
            localport = ((InetSocketAddress) channel.getLocalAddress()).getPort();
            state = State.LISTENING;
        }
    }

    @Override
    protected void accept(SocketImpl into) throws IOException {
        if (!(into instanceof ChannelSocketImpl target)) {
            throw new SocketException("An instance of " + getClass().getName()
                    + " cannot accept a connection with an instance of " + into.getClass().getName());
        }
        int timeout = timeoutMillis;
        long remainingNanos = 0;
        if (timeout > 0) {
            remainingNanos = SocketErrors.tryLock(acceptLock, timeout);
            if (remainingNanos <= 0) {
                throw new SocketTimeoutException("Accept timed out");
            }
        } else {
            acceptLock.lock();
        }
        SocketChannel accepted;
        try {
            accepted = acceptLocked(remainingNanos);
        } finally {
            acceptLock.unlock();
        }
        try {
            Integer tos = currentTrafficClass();
            if (tos != null) {
                accepted.setOption(StandardSocketOptions.IP_TOS, tos);
            }
            target.acceptFrom(accepted);
        } catch (IOException | RuntimeException e) {
            accepted.close();
            throw e;
        }
    }

    private SocketChannel acceptLocked(long timeoutNanos) throws IOException {
        ServerSocketChannel ch;
        synchronized (stateLock) {
            ensureOpen();
            if (state != State.LISTENING) {
                throw new SocketException("Not bound");
            }
            ch = channel;
        }
        long start = System.nanoTime();
        try {
            SocketChannel accepted = ch.accept();
            while (accepted == null) {
                long remaining = 0;
                if (timeoutNanos > 0) {
                    remaining = timeoutNanos - (System.nanoTime() - start);
                    if (remaining <= 0) {
                        throw new SocketTimeoutException("Accept timed out");
                    }
                }
                if (!acceptWaiter.await(SelectionKey.OP_ACCEPT, remaining)) {
                    throw new SocketTimeoutException("Accept timed out");
                }
                accepted = ch.accept();
            }
            return accepted;
        } catch (InterruptedIOException e) {
            throw e;
        } catch (ClosedChannelException e) {
            throw SocketErrors.closed();
        }
    }

    private Integer currentTrafficClass() {
        synchronized (stateLock) {
            return trafficClass;
        }
    }

    @Override
    protected void close() throws IOException {
        Cleaner.Cleanable toClean;
        synchronized (stateLock) {
            State previous = state;
            if (previous == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            if (previous == State.NEW) {
                return;
            }
            toClean = cleanable;
        }
        SocketCleaner.clean(toClean);
    }

    // ---- options ----

    @Override
    protected Set<SocketOption<?>> supportedOptions() {
        return options;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected <T> void setOption(SocketOption<T> option, T value) throws IOException {
        ChannelOptions.checkSupported(supportedOptions(), option);
        ChannelOptions.checkValue(option, value);
        synchronized (stateLock) {
            ensureOpen();
            if (option == StandardSocketOptions.IP_TOS) {
                setTrafficClass(checkedTrafficClass((Integer) value));
                return;
            }
            try {
                channel.setOption(option, value);
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    protected <T> T getOption(SocketOption<T> option) throws IOException {
        ChannelOptions.checkSupported(supportedOptions(), option);
        synchronized (stateLock) {
            ensureOpen();
            if (option == StandardSocketOptions.IP_TOS) {
                return (T) (trafficClass != null ? trafficClass : Integer.valueOf(0));
            }
            try {
                return channel.getOption(option);
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            }
        }
    }

    /**
     * The listening socket's IP_TOS, its ECN bits clear as Linux keeps them for a SOCK_STREAM socket (what
     * {@code NioSocketImpl} reads back). A Flyover listener takes it at once, for its SYN-ACKs and the
     * connections it accepts; the kernel's accepted sockets get it in {@link #accept}.
     */
    private void setTrafficClass(int tos) throws IOException {
        trafficClass = tos & 0xFC;
        if (channel instanceof FlyoverServerSocketChannel flyover) {
            flyover.setListenerTrafficClass(tos);
        }
    }

    /** The values the kernel keeps for {@code IP_TOS}: its low 8 bits (as {@code sun.nio.ch.Net} checks). */
    private static int checkedTrafficClass(int value) {
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("Invalid IP_TOS value");
        }
        return value;
    }

    @Override
    public void setOption(int id, Object value) throws SocketException {
        synchronized (stateLock) {
            ensureOpen();
            try {
                switch (id) {
                    case SO_TIMEOUT -> {
                        int millis = LegacyOptionValues.intValue(value, "SO_TIMEOUT");
                        if (millis < 0) {
                            throw new IllegalArgumentException("timeout < 0");
                        }
                        timeoutMillis = millis;
                    }
                    case SO_RCVBUF -> {
                        int size = LegacyOptionValues.intValue(value, "SO_RCVBUF");
                        if (size <= 0) {
                            throw new SocketException("SO_RCVBUF <= 0");
                        }
                        channel.setOption(StandardSocketOptions.SO_RCVBUF, size);
                    }
                    case SO_REUSEADDR -> channel.setOption(StandardSocketOptions.SO_REUSEADDR,
                            LegacyOptionValues.booleanValue(value, "SO_REUSEADDR"));
                    case SO_REUSEPORT -> {
                        if (!options.contains(StandardSocketOptions.SO_REUSEPORT)) {
                            throw new SocketException("SO_REUSEPORT not supported");
                        }
                        channel.setOption(StandardSocketOptions.SO_REUSEPORT,
                                LegacyOptionValues.booleanValue(value, "SO_REUSEPORT"));
                    }
                    case IP_TOS -> setTrafficClass(checkedTrafficClass(LegacyOptionValues.intValue(value, "IP_TOS")));
                    default -> throw new SocketException("Unknown option " + id);
                }
            } catch (SocketException e) {
                throw e;
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            } catch (IllegalArgumentException | IOException e) {
                throw SocketErrors.asSocketException(e);
            }
        }
    }

    @Override
    public Object getOption(int id) throws SocketException {
        synchronized (stateLock) {
            ensureOpen();
            try {
                return switch (id) {
                    case SO_TIMEOUT -> timeoutMillis;
                    case SO_RCVBUF -> channel.getOption(StandardSocketOptions.SO_RCVBUF);
                    case SO_REUSEADDR -> channel.getOption(StandardSocketOptions.SO_REUSEADDR);
                    case SO_REUSEPORT -> {
                        if (!options.contains(StandardSocketOptions.SO_REUSEPORT)) {
                            throw new SocketException("SO_REUSEPORT not supported");
                        }
                        yield channel.getOption(StandardSocketOptions.SO_REUSEPORT);
                    }
                    case SO_BINDADDR -> {
                        InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
                        yield local != null ? local.getAddress() : new InetSocketAddress(0).getAddress();
                    }
                    case IP_TOS -> trafficClass != null ? trafficClass : Integer.valueOf(0);
                    default -> throw new SocketException("Unknown option " + id);
                };
            } catch (SocketException e) {
                throw e;
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            } catch (IllegalArgumentException | IOException e) {
                throw SocketErrors.asSocketException(e);
            }
        }
    }

    // ---- a server socket does not connect, stream or shut down ----

    @Override
    protected void connect(String host, int port) throws IOException {
        throw new SocketException("connect: not a client socket implementation");
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        throw new SocketException("connect: not a client socket implementation");
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
        throw new SocketException("connect: not a client socket implementation");
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        throw new SocketException("Not connected");
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        throw new SocketException("Not connected");
    }

    @Override
    protected int available() throws IOException {
        throw new SocketException("Not connected");
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw new SocketException("Urgent data not supported");
    }

    private void ensureOpen() throws SocketException {
        State current = state;
        if (current == State.NEW) {
            throw new SocketException("Socket not created");
        }
        if (current == State.CLOSED) {
            throw SocketErrors.closed();
        }
    }
}
