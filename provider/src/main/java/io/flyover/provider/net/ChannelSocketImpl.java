package io.flyover.provider.net;

import io.flyover.provider.channel.FlyoverSocketChannel;
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
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@code java.net.Socket} implementation over a {@link SocketChannel} of any {@link SelectorProvider}: with
 * Flyover as the provider, an unmodified {@code new Socket(host, port)} rides on Flyover. The behaviour
 * reproduced is the JDK's own {@code sun.nio.ch.NioSocketImpl}: state checks and their messages,
 * {@code SO_TIMEOUT} as {@link SocketTimeoutException} ("Read timed out", "Connect timed out"), reads and
 * writes of at most 128 KiB per call, {@code -1} after {@code shutdownInput}, a platform thread's interrupt
 * ignored and a virtual thread's interrupt ending the wait (see {@link ReadinessWaiter}). Urgent data goes
 * out through {@link FlyoverSocketChannel#sendOutOfBandData} and {@code SO_OOBINLINE} to the channel's
 * option of that name, so both behave as on a kernel socket.
 *
 * <p>The channel is kept non-blocking; waits go through a selector of the channel's provider. Nothing is
 * allocated per call while the application keeps reading into (and writing from) the same arrays.
 */
public final class ChannelSocketImpl extends SocketImpl {
    /** {@code NioSocketImpl.MAX_BUFFER_SIZE}: the largest transfer of one read or write call. */
    private static final int MAX_TRANSFER = 128 * 1024;
    /** Bytes {@link #available()} pulls from the channel at most, to be able to count them. */
    private static final int READ_AHEAD_CAPACITY = 8 * 1024;

    private enum State { NEW, UNCONNECTED, CONNECTING, CONNECTED, CLOSED }

    private final SelectorProvider provider;
    private final Object stateLock = new Object();
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();

    private volatile State state = State.NEW;
    private SocketChannel channel;
    private ReadinessWaiter readWaiter;
    private ReadinessWaiter writeWaiter;
    private Cleaner.Cleanable cleanable;
    private Set<SocketOption<?>> options = Set.of();
    private SocketOption<Boolean> channelOobInline;
    private boolean oobInline;
    private volatile int timeoutMillis;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;

    // Guarded by readLock.
    private boolean readEof;
    private ByteBuffer readAhead;
    private boolean readAheadEof;
    private IOException readAheadFailure;
    private byte[] readArray;
    private ByteBuffer readView;
    // Guarded by writeLock.
    private byte[] writeArray;
    private ByteBuffer writeView;

    /** A socket whose channel will come from {@code provider} when {@code java.net.Socket} creates it. */
    public ChannelSocketImpl(SelectorProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /** The channel under this socket ({@code null} before creation or accept); for tests and diagnostics. */
    public SocketChannel channel() {
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
            adopt(provider.openSocketChannel());
            state = State.UNCONNECTED;
        }
    }

    /** Takes over a channel accepted by {@link ChannelServerSocketImpl}; this socket must be new. */
    void acceptFrom(SocketChannel accepted) throws IOException {
        synchronized (stateLock) {
            if (state != State.NEW) {
                throw new SocketException("Not a newly created SocketImpl");
            }
            InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteAddress();
            adopt(accepted);
            localport = ((InetSocketAddress) accepted.getLocalAddress()).getPort();
            address = remote.getAddress();
            port = remote.getPort();
            state = State.CONNECTED;
        }
    }

    private void adopt(SocketChannel opened) throws IOException {
        try {
            opened.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        channel = opened;
        readWaiter = new ReadinessWaiter(opened);
        writeWaiter = new ReadinessWaiter(opened);
        cleanable = SocketCleaner.register(this, opened, readWaiter, writeWaiter);
        Set<SocketOption<?>> supported = opened.supportedOptions();
        options = ChannelOptions.publicOptions(supported);
        channelOobInline = ChannelOptions.oobInline(supported);
    }

    // ---- connect, bind ----

    @Override
    protected void connect(String host, int port) throws IOException {
        connect(new InetSocketAddress(host, port), 0);
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        connect(new InetSocketAddress(address, port), 0);
    }

    @Override
    protected void connect(SocketAddress remote, int millis) throws IOException {
        if (!(remote instanceof InetSocketAddress isa)) {
            throw new IOException("Unsupported address type");
        }
        if (isa.isUnresolved()) {
            throw new UnknownHostException(isa.getHostName());
        }
        InetAddress target = isa.getAddress();
        if (target.isAnyLocalAddress()) {
            target = InetAddress.getLocalHost();
        }
        try {
            readLock.lock();
            try {
                SocketChannel ch = beginConnect(target, isa.getPort());
                boolean connected = false;
                try {
                    connected = ch.connect(new InetSocketAddress(target, isa.getPort()))
                            || finishConnect(ch, millis);
                } catch (ClosedChannelException e) {
                    throw SocketErrors.closed();
                } finally {
                    endConnect(ch, connected);
                }
            } finally {
                readLock.unlock();
            }
        } catch (IOException e) {
            close();
            if (e instanceof SocketTimeoutException) {
                throw e;
            }
            if (e instanceof InterruptedIOException) {
                throw new SocketException("Closed by interrupt");
            }
            throw e;
        }
    }

    private boolean finishConnect(SocketChannel ch, int millis) throws IOException {
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(millis);
        long start = System.nanoTime();
        while (true) {
            long remaining = 0;
            if (millis > 0) {
                remaining = timeoutNanos - (System.nanoTime() - start);
                if (remaining <= 0) {
                    throw new SocketTimeoutException("Connect timed out");
                }
            }
            if (!readWaiter.await(SelectionKey.OP_CONNECT, remaining)) {
                throw new SocketTimeoutException("Connect timed out");
            }
            if (ch.finishConnect()) {
                return true;
            }
        }
    }

    private SocketChannel beginConnect(InetAddress target, int targetPort) throws SocketException {
        synchronized (stateLock) {
            switch (state) {
                case NEW -> throw new SocketException("Not created");
                case CONNECTING -> throw new SocketException("Connection in progress");
                case CONNECTED -> throw new SocketException("Already connected");
                case CLOSED -> throw SocketErrors.closed();
                case UNCONNECTED -> { }
            }
            state = State.CONNECTING;
            address = target;
            port = targetPort;
            return channel;
        }
    }

    private void endConnect(SocketChannel ch, boolean completed) throws IOException {
        synchronized (stateLock) {
            if (completed && state == State.CONNECTING) {
                state = State.CONNECTED;
                localport = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            } else if (!completed && state == State.CLOSED) {
                throw SocketErrors.closed();
            }
        }
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (localport != 0) {
                throw new SocketException("Already bound");
            }
            try {
                channel.bind(new InetSocketAddress(host, port));
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            }
            address = host;
            localport = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }
    }

    @Override
    protected void listen(int backlog) throws IOException {
        throw new SocketException("listen: not a server socket implementation");
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        throw new SocketException("accept: not a server socket implementation");
    }

    // ---- data ----

    @Override
    protected InputStream getInputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n > 0 ? one[0] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return ChannelSocketImpl.this.read(b, off, len);
            }

            @Override
            public int available() throws IOException {
                return ChannelSocketImpl.this.available();
            }

            @Override
            public void close() throws IOException {
                ChannelSocketImpl.this.close();
            }
        };
    }

    @Override
    protected OutputStream getOutputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ChannelSocketImpl.this.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                ChannelSocketImpl.this.close();
            }
        };
    }

    private int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        int timeout = timeoutMillis;
        long remainingNanos = 0;
        if (timeout > 0) {
            remainingNanos = SocketErrors.tryLock(readLock, timeout);
            if (remainingNanos <= 0) {
                throw new SocketTimeoutException("Read timed out");
            }
        } else {
            readLock.lock();
        }
        try {
            if (readEof) {
                return -1;
            }
            int n = readLocked(b, off, Math.min(len, MAX_TRANSFER), remainingNanos);
            if (n == -1) {
                readEof = true;
            }
            return n;
        } finally {
            readLock.unlock();
        }
    }

    private int readLocked(byte[] b, int off, int len, long timeoutNanos) throws IOException {
        SocketChannel ch = connectedChannel();
        if (inputShutdown) {
            return -1;
        }
        if (readAhead != null && readAhead.hasRemaining()) {
            int n = Math.min(len, readAhead.remaining());
            readAhead.get(b, off, n);
            return n;
        }
        if (readAheadEof) {
            return -1;
        }
        if (readAheadFailure != null) {
            IOException failure = readAheadFailure;
            readAheadFailure = null;
            throw SocketErrors.asSocketException(failure);
        }
        ByteBuffer dst = readView(b, off, len);
        long start = System.nanoTime();
        try {
            int n = ch.read(dst);
            while (n == 0) {
                long remaining = 0;
                if (timeoutNanos > 0) {
                    remaining = timeoutNanos - (System.nanoTime() - start);
                    if (remaining <= 0) {
                        throw new SocketTimeoutException("Read timed out");
                    }
                }
                if (!readWaiter.await(SelectionKey.OP_READ, remaining)) {
                    throw new SocketTimeoutException("Read timed out");
                }
                n = inputShutdown ? -1 : ch.read(dst);
            }
            return n;
        } catch (InterruptedIOException e) {
            throw e;
        } catch (ClosedChannelException e) {
            throw SocketErrors.closed();
        } catch (IOException e) {
            throw SocketErrors.asSocketException(e);
        }
    }

    private ByteBuffer readView(byte[] b, int off, int len) {
        if (b != readArray) {
            readArray = b;
            readView = ByteBuffer.wrap(b);
        }
        return readView.limit(off + len).position(off);
    }

    private void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return;
        }
        writeLock.lock();
        try {
            SocketChannel ch = connectedChannel();
            if (outputShutdown) {
                // NioSocketImpl writes anyway and the kernel answers EPIPE.
                throw new SocketException("Broken pipe");
            }
            if (b != writeArray) {
                writeArray = b;
                writeView = ByteBuffer.wrap(b);
            }
            ByteBuffer src = writeView.limit(off + len).position(off);
            int end = off + len;
            while (src.position() < end) {
                src.limit(Math.min(end, src.position() + MAX_TRANSFER));
                if (ch.write(src) == 0) {
                    writeWaiter.await(SelectionKey.OP_WRITE, 0);
                }
            }
        } catch (InterruptedIOException e) {
            throw e;
        } catch (ClosedChannelException e) {
            throw SocketErrors.closed();
        } catch (IOException e) {
            throw SocketErrors.asSocketException(e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * The bytes readable without blocking. A channel cannot count its queued bytes, so they are pulled
     * into a small buffer that the next reads drain first; when a reader is already waiting nothing is queued.
     */
    @Override
    protected int available() throws IOException {
        SocketChannel ch;
        synchronized (stateLock) {
            ch = connectedChannel();
            if (inputShutdown) {
                return 0;
            }
        }
        if (!readLock.tryLock()) {
            return 0;
        }
        try {
            if (readAhead == null) {
                readAhead = ByteBuffer.allocate(READ_AHEAD_CAPACITY).flip();
            }
            if (!readEof && !readAheadEof && readAheadFailure == null && readAhead.limit() < readAhead.capacity()) {
                readAhead.compact();
                try {
                    if (ch.read(readAhead) < 0) {
                        readAheadEof = true;
                    }
                } catch (ClosedChannelException e) {
                    throw SocketErrors.closed();
                } catch (IOException e) {
                    readAheadFailure = e;
                } finally {
                    readAhead.flip();
                }
            }
            return readAhead.remaining();
        } finally {
            readLock.unlock();
        }
    }

    @Override
    protected void shutdownInput() throws IOException {
        synchronized (stateLock) {
            SocketChannel ch = connectedChannel();
            if (!inputShutdown) {
                ch.shutdownInput();
                inputShutdown = true;
            }
        }
    }

    @Override
    protected void shutdownOutput() throws IOException {
        synchronized (stateLock) {
            SocketChannel ch = connectedChannel();
            if (!outputShutdown) {
                ch.shutdownOutput();
                outputShutdown = true;
            }
        }
    }

    @Override
    protected boolean supportsUrgentData() {
        return true;
    }

    /** {@code NioSocketImpl.sendUrgentData}: one byte sent as urgent data, waiting for room as a write. */
    @Override
    protected void sendUrgentData(int data) throws IOException {
        writeLock.lock();
        try {
            SocketChannel ch = connectedChannel();
            if (outputShutdown) {
                // NioSocketImpl sends anyway: Net.sendOOB's EPIPE, a plain IOException ("Write failed" family)
                throw new IOException("Broken pipe");
            }
            while (sendOutOfBand(ch, (byte) data) == 0) {
                writeWaiter.await(SelectionKey.OP_WRITE, 0);
            }
        } catch (ClosedChannelException e) {
            throw SocketErrors.closed();
        } finally {
            writeLock.unlock();
        }
    }

    /** 1 when sent, 0 when the (non-blocking) channel's send buffer is full. */
    private static int sendOutOfBand(SocketChannel ch, byte data) throws IOException {
        if (ch instanceof FlyoverSocketChannel flyover) {
            return flyover.sendOutOfBandData(data);
        }
        ch.socket().sendUrgentData(data); // another provider's channel: through its own socket adaptor
        return 1;
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
    protected <T> void setOption(SocketOption<T> option, T value) throws IOException {
        ChannelOptions.checkSupported(supportedOptions(), option);
        ChannelOptions.checkValue(option, value);
        synchronized (stateLock) {
            ensureOpen();
            try {
                channel.setOption(option, value);
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            }
        }
    }

    @Override
    protected <T> T getOption(SocketOption<T> option) throws IOException {
        ChannelOptions.checkSupported(supportedOptions(), option);
        synchronized (stateLock) {
            ensureOpen();
            try {
                return channel.getOption(option);
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            }
        }
    }

    @Override
    public void setOption(int id, Object value) throws SocketException {
        synchronized (stateLock) {
            ensureOpen();
            try {
                switch (id) {
                    case SO_LINGER -> {
                        int seconds = value instanceof Boolean on && !on
                                ? -1 : LegacyOptionValues.intValue(value, "SO_LINGER");
                        channel.setOption(StandardSocketOptions.SO_LINGER, seconds);
                    }
                    case SO_TIMEOUT -> {
                        int millis = LegacyOptionValues.intValue(value, "SO_TIMEOUT");
                        if (millis < 0) {
                            throw new IllegalArgumentException("timeout < 0");
                        }
                        timeoutMillis = millis;
                    }
                    case IP_TOS -> channel.setOption(StandardSocketOptions.IP_TOS, LegacyOptionValues.intValue(value, "IP_TOS"));
                    case TCP_NODELAY -> channel.setOption(StandardSocketOptions.TCP_NODELAY, LegacyOptionValues.booleanValue(value, "TCP_NODELAY"));
                    case SO_SNDBUF -> {
                        int size = LegacyOptionValues.intValue(value, "SO_SNDBUF");
                        if (size <= 0) {
                            throw new SocketException("SO_SNDBUF <= 0");
                        }
                        channel.setOption(StandardSocketOptions.SO_SNDBUF, size);
                    }
                    case SO_RCVBUF -> {
                        int size = LegacyOptionValues.intValue(value, "SO_RCVBUF");
                        if (size <= 0) {
                            throw new SocketException("SO_RCVBUF <= 0");
                        }
                        channel.setOption(StandardSocketOptions.SO_RCVBUF, size);
                    }
                    case SO_KEEPALIVE -> channel.setOption(StandardSocketOptions.SO_KEEPALIVE, LegacyOptionValues.booleanValue(value, "SO_KEEPALIVE"));
                    case SO_OOBINLINE -> {
                        boolean on = LegacyOptionValues.booleanValue(value, "SO_OOBINLINE");
                        if (channelOobInline != null) {
                            channel.setOption(channelOobInline, on);
                        } else {
                            oobInline = on;
                        }
                    }
                    case SO_REUSEADDR -> channel.setOption(StandardSocketOptions.SO_REUSEADDR, LegacyOptionValues.booleanValue(value, "SO_REUSEADDR"));
                    case SO_REUSEPORT -> {
                        if (!options.contains(StandardSocketOptions.SO_REUSEPORT)) {
                            throw new SocketException("SO_REUSEPORT not supported");
                        }
                        channel.setOption(StandardSocketOptions.SO_REUSEPORT, LegacyOptionValues.booleanValue(value, "SO_REUSEPORT"));
                    }
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
                    case TCP_NODELAY -> channel.getOption(StandardSocketOptions.TCP_NODELAY);
                    case SO_OOBINLINE -> channelOobInline != null ? channel.getOption(channelOobInline) : oobInline;
                    case SO_LINGER -> {
                        int seconds = channel.getOption(StandardSocketOptions.SO_LINGER);
                        yield seconds == -1 ? Boolean.FALSE : (Object) seconds;
                    }
                    case SO_REUSEADDR -> channel.getOption(StandardSocketOptions.SO_REUSEADDR);
                    case SO_BINDADDR -> {
                        InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
                        yield local != null ? local.getAddress() : new InetSocketAddress(0).getAddress();
                    }
                    case SO_SNDBUF -> channel.getOption(StandardSocketOptions.SO_SNDBUF);
                    case SO_RCVBUF -> channel.getOption(StandardSocketOptions.SO_RCVBUF);
                    case IP_TOS -> channel.getOption(StandardSocketOptions.IP_TOS);
                    case SO_KEEPALIVE -> channel.getOption(StandardSocketOptions.SO_KEEPALIVE);
                    case SO_REUSEPORT -> {
                        if (!options.contains(StandardSocketOptions.SO_REUSEPORT)) {
                            throw new SocketException("SO_REUSEPORT not supported");
                        }
                        yield channel.getOption(StandardSocketOptions.SO_REUSEPORT);
                    }
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

    // ---- state ----

    private void ensureOpen() throws SocketException {
        State current = state;
        if (current == State.NEW) {
            throw new SocketException("Socket not created");
        }
        if (current == State.CLOSED) {
            throw SocketErrors.closed();
        }
    }

    private SocketChannel connectedChannel() throws SocketException {
        State current = state;
        if (current == State.CLOSED) {
            throw SocketErrors.closed();
        }
        if (current != State.CONNECTED) {
            throw new SocketException("Not connected");
        }
        return channel;
    }
}
