package io.flyover.provider.channel;

import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.events.FlyoverEvents;
import io.flyover.provider.stats.SocketStats;
import io.flyover.provider.runtime.FlyoverNetwork;
import io.flyover.provider.runtime.ListenerDirectory;
import io.flyover.provider.runtime.SocketEvents;
import io.flyover.provider.runtime.SpinSignal;
import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.net.SteeringRefusedException;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpSettings;
import io.flyover.stack.tcp.TcpState;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ProtocolFamily;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP {@link SocketChannel} over Flyover, with the per-socket fallback to the kernel: the channel is
 * created before its destination is known; at {@code connect} the offload policy chooses a Flyover
 * stack or the kernel, and a kernel socket is a JDK channel to which this one delegates everything.
 * Flyover sockets reproduce {@code sun.nio.ch.SocketChannelImpl}: its states, locks, exceptions,
 * blocking and non-blocking modes, interruption and asynchronous close.
 *
 * <p>A {@code bind} before {@code connect} binds a kernel socket (reserving the port, as XLIO's shadow
 * socket) unless the address is one only a Flyover stack has, whose port is then reserved in the stack;
 * an unbound connect on a device stack takes its ephemeral port from such a kernel socket too, held as
 * long as the stack holds the connection.
 */
public final class FlyoverSocketChannel extends SocketChannel implements FlyoverSelectable, SocketEvents {
    private static final int ST_UNCONNECTED = 0;
    private static final int ST_PENDING = 1;
    private static final int ST_CONNECTED = 2;
    private static final int ST_CLOSED = 3;

    private final FlyoverNetwork network;
    private final SelectorProvider kernelProvider;
    private final ProtocolFamily family;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private final OptionValues options = new OptionValues(OptionTable.socket());

    private volatile int state;
    /** The kernel socket everything is delegated to, once the path is the kernel's. */
    private volatile SocketChannel kernel;
    /** The stack and connection, once the path is Flyover's; {@code conn} is used under the stack lock. */
    private volatile StackRuntime runtime;
    private TcpConnection conn;
    /** A kernel socket bound before connect, holding the local port. */
    private SocketChannel shadow;
    /** The stack holding a reserved port for a bind to an address only it has. */
    private StackRuntime reservedIn;
    private InetSocketAddress localAddress;
    private InetSocketAddress remoteAddress;
    private volatile boolean inputClosed;
    private volatile boolean outputClosed;
    private volatile boolean connectionReset;
    private volatile Thread reader;
    private volatile Thread writer;
    /** Bumped by every stack event, close and shutdown: a waiting thread touches the stack lock only when it moved. */
    private final SpinSignal eventSeq = new SpinSignal();
    private final ChannelKeys keys = new ChannelKeys(stateLock);
    /**
     * The {@link #eventSeq} seen before the last read that found the socket empty (under the read lock):
     * while no event came since, a read answers 0 without taking the stack lock unless the stack may have
     * input nobody polled yet. Data, end of stream and errors all come with a readable event.
     */
    private volatile int emptyAtSeq = -1;
    private Socket socket;
    /** This connection's counters in the statistics file (used under the stack lock). */
    private SocketStats stats = SocketStats.NONE;
    /** The path counted open in the process statistics, or null while none is. */
    private volatile OffloadPath openedOn;
    private long openedAtNanos;

    FlyoverSocketChannel(SelectorProvider provider, FlyoverNetwork network, SelectorProvider kernelProvider,
            ProtocolFamily family) {
        super(provider);
        this.network = network;
        this.kernelProvider = kernelProvider;
        this.family = family;
    }

    /** A connection accepted by a Flyover listener; the caller holds the stack lock. */
    static FlyoverSocketChannel acceptedFlyover(SelectorProvider provider, FlyoverNetwork network,
            SelectorProvider kernelProvider, ProtocolFamily family, StackRuntime runtime, TcpConnection c,
            OptionValues inherited) {
        FlyoverSocketChannel ch = new FlyoverSocketChannel(provider, network, kernelProvider, family);
        ch.options.inherit(inherited);
        ch.runtime = runtime;
        ch.conn = c;
        ch.localAddress = Addresses.socketAddress(c.localAddressHi(), c.localAddressLo(), c.localPort());
        ch.remoteAddress = Addresses.socketAddress(c.remoteAddressHi(), c.remoteAddressLo(), c.remotePort());
        ch.state = ST_CONNECTED;
        c.attachment = ch;
        ch.opened(OffloadPath.OFFLOAD);
        ch.stats = runtime.track(c);
        FlyoverEvents.connectionOpened(c, "accept", runtime.interfaceName());
        return ch;
    }

    /** A connection accepted by the kernel (a fallback or shadow listener). */
    static FlyoverSocketChannel acceptedKernel(SelectorProvider provider, FlyoverNetwork network,
            SelectorProvider kernelProvider, ProtocolFamily family, SocketChannel accepted) throws IOException {
        FlyoverSocketChannel ch = new FlyoverSocketChannel(provider, network, kernelProvider, family);
        accepted.configureBlocking(true);
        ch.kernel = accepted;
        ch.state = ST_CONNECTED;
        ch.opened(OffloadPath.KERNEL);
        FlyoverEvents.connectionOpened("TCP", accepted.getLocalAddress(), accepted.getRemoteAddress(), OffloadPath.KERNEL, null, "accept");
        return ch;
    }

    // --- the path -------------------------------------------------------------------------------

    /** Whether this socket runs over Flyover (false for the kernel, or while not yet decided). */
    public boolean isOffloaded() {
        return runtime != null;
    }

    /** Whether this socket was handed to the kernel. */
    public boolean isKernel() {
        return kernel != null;
    }

    /** The interface of the stack serving this socket, or null. */
    public String offloadInterface() {
        StackRuntime r = runtime;
        return r == null ? null : r.interfaceName();
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private void ensureOpenAndConnected() throws ClosedChannelException {
        int s = state;
        if (s < ST_CONNECTED) {
            throw new NotYetConnectedException();
        } else if (s > ST_CONNECTED) {
            throw new ClosedChannelException();
        }
    }

    /** A delegated kernel call failed: an interrupt closed the kernel socket, so this channel closes too. */
    private <E extends IOException> E kernelFailed(E e) {
        if (e instanceof ClosedByInterruptException || e instanceof AsynchronousCloseException) {
            closeQuietly();
        }
        return e;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // closing a channel that failed
        }
    }

    // --- addresses and options ------------------------------------------------------------------

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        return address(true);
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        return address(false);
    }

    private SocketAddress address(boolean local) throws IOException {
        SocketChannel k = kernel;
        if (k != null) {
            return local ? k.getLocalAddress() : k.getRemoteAddress();
        }
        synchronized (stateLock) {
            ensureOpen();
            return local ? localAddress : remoteAddress;
        }
    }

    /** The remote address without checks (the socket adaptor's view). */
    InetSocketAddress remoteAddressOrNull() {
        return addressOrNull(false);
    }

    /** The local address without checks (the socket adaptor's view). */
    InetSocketAddress localAddressOrNull() {
        return addressOrNull(true);
    }

    private InetSocketAddress addressOrNull(boolean local) {
        SocketChannel k = kernel;
        if (k != null) {
            try {
                return (InetSocketAddress) (local ? k.getLocalAddress() : k.getRemoteAddress());
            } catch (IOException e) {
                return null;
            }
        }
        synchronized (stateLock) {
            return local ? localAddress : remoteAddress;
        }
    }

    @Override
    public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        OptionValues.checkName(OptionTable.socket(), name, value);
        synchronized (stateLock) {
            ensureOpen();
            SocketChannel k = kernel;
            if (k != null) {
                k.setOption(name, value);
                return this;
            }
            options.set(name, value);
            if (shadow != null) {
                shadow.setOption(name, value);
            }
        }
        if (name == jdk.net.ExtendedSocketOptions.TCP_QUICKACK && Boolean.TRUE.equals(value)) {
            onLiveConnection((r, c) -> c.quickAck()); // acknowledge at once from now (Linux's quick-ack mode)
        }
        if (appliesToLiveConnection(name)) {
            TcpSettings wanted;
            synchronized (stateLock) {
                wanted = runtime == null ? null : options.tcpSettings(runtime.config().tcpDefaults());
            }
            if (wanted != null) {
                onLiveConnection((r, c) -> c.updateOptions(wanted, r.now()));
            }
        }
        return this;
    }

    /** Runs {@code action} on the open Flyover connection, if any, under the stack lock, and sends what it queued. */
    private void onLiveConnection(BiConsumer<StackRuntime, TcpConnection> action) {
        StackRuntime r;
        TcpConnection c;
        synchronized (stateLock) {
            r = runtime;
            c = conn;
        }
        if (r != null && c != null) {
            r.lock();
            try {
                action.accept(r, c);
                r.flushLocked();
            } finally {
                r.unlock();
            }
        }
    }

    /**
     * The options Linux applies to an open connection: all these (a buffer size within what the window
     * scale chosen at connect can announce). SO_REUSEADDR and SO_REUSEPORT only matter at bind.
     */
    private static boolean appliesToLiveConnection(SocketOption<?> name) {
        return name == StandardSocketOptions.TCP_NODELAY || name == StandardSocketOptions.SO_KEEPALIVE
                || name == StandardSocketOptions.IP_TOS || name == StandardSocketOptions.SO_RCVBUF
                || name == StandardSocketOptions.SO_SNDBUF
                || name == StandardSocketOptions.SO_LINGER || name == jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE
                || name == jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL
                || name == jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT
                || OptionValues.isOobInline(name);
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        OptionValues.checkName(OptionTable.socket(), name);
        synchronized (stateLock) {
            ensureOpen();
            SocketChannel k = kernel;
            if (k != null) {
                return k.getOption(name);
            }
            return options.get(name);
        }
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OptionTable.socket().supported;
    }

    // --- bind -----------------------------------------------------------------------------------

    @Override
    public SocketChannel bind(SocketAddress local) throws IOException {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                synchronized (stateLock) {
                    ensureOpen();
                    SocketChannel k = kernel;
                    if (k != null) {
                        k.bind(local);
                        return this;
                    }
                    if (state == ST_PENDING) {
                        throw new ConnectionPendingException();
                    }
                    if (localAddress != null) {
                        throw new AlreadyBoundException();
                    }
                    InetSocketAddress isa = local == null
                            ? new InetSocketAddress(Addresses.anyLocal(family), 0) : Addresses.check(local, family);
                    InetAddress a = isa.getAddress();
                    StackRuntime owner = a.isAnyLocalAddress() ? null : network.owner(a);
                    if (owner != null && !Waits.kernelHasAddress(a)) {
                        int port = owner.reserveTcpPort(isa.getPort(),
                                options.reusePort());
                        reservedIn = owner;
                        localAddress = new InetSocketAddress(a, port);
                    } else {
                        SocketChannel s = kernelProvider.openSocketChannel(family);
                        try {
                            options.applyTo(s);
                            s.bind(isa);
                        } catch (IOException | RuntimeException e) {
                            s.close();
                            throw e;
                        }
                        shadow = s;
                        localAddress = (InetSocketAddress) s.getLocalAddress();
                    }
                }
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
        return this;
    }

    // --- connect --------------------------------------------------------------------------------

    @Override
    public boolean isConnected() {
        SocketChannel k = kernel;
        return k != null ? k.isConnected() : state == ST_CONNECTED;
    }

    @Override
    public boolean isConnectionPending() {
        SocketChannel k = kernel;
        return k != null ? k.isConnectionPending() : state == ST_PENDING;
    }

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        return connect(remote, 0);
    }

    /**
     * Connect with an optional timeout (the socket adaptor's {@code connect(address, timeout)}).
     *
     * @param timeoutNanos 0 for none; otherwise the channel must be blocking
     */
    boolean connect(SocketAddress remote, long timeoutNanos) throws IOException {
        InetSocketAddress isa = Addresses.checkRemote(remote, family);
        readLock.lock();
        try {
            writeLock.lock();
            try {
                ensureOpen();
                SocketChannel k = kernel;
                if (k == null) {
                    synchronized (stateLock) {
                        if (state == ST_CONNECTED) {
                            throw new AlreadyConnectedException();
                        }
                        if (state == ST_PENDING) {
                            throw new ConnectionPendingException();
                        }
                    }
                    if (timeoutNanos > 0 && !isBlocking()) {
                        throw new IllegalBlockingModeException();
                    }
                    StackRuntime via = chooseStack(isa);
                    if (via != null) {
                        network.counters().decided(SocketRole.TCP_CLIENT, OffloadPath.OFFLOAD);
                        opened(OffloadPath.OFFLOAD);
                        return flyoverConnect(via, isa, timeoutNanos);
                    }
                    network.counters().decided(SocketRole.TCP_CLIENT, OffloadPath.KERNEL);
                    opened(OffloadPath.KERNEL);
                    k = becomeKernel();
                }
                try {
                    if (timeoutNanos > 0) {
                        return kernelTimedConnect(k, isa, timeoutNanos);
                    }
                    return k.connect(isa);
                } catch (IOException e) {
                    closeQuietly();
                    throw e;
                }
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    /** The kernel's connect with a timeout: the JDK's own socket adaptor does it on the kernel channel. */
    private boolean kernelTimedConnect(SocketChannel k, InetSocketAddress isa, long timeoutNanos) throws IOException {
        long millis = Math.max(1, (timeoutNanos + 999_999) / 1_000_000);
        k.socket().connect(isa, (int) Math.min(millis, Integer.MAX_VALUE));
        return true;
    }

    /** The stack to connect through, or null for the kernel. */
    private StackRuntime chooseStack(InetSocketAddress remote) {
        synchronized (stateLock) {
            if (reservedIn != null) {
                return reservedIn; // bound to an address only that stack has
            }
            FlyoverNetwork.Route route = network.outgoing(SocketRole.TCP_CLIENT, remote.getAddress(), remote.getPort(),
                    ListenerDirectory.Protocol.TCP);
            if (!route.offloaded()) {
                return null;
            }
            if (localAddress != null && !localAddress.getAddress().isAnyLocalAddress()
                    && !route.runtime().owns(IpAddress.of(localAddress.getAddress()))) {
                return null; // bound to an address of another interface: the kernel's
            }
            return route.runtime();
        }
    }

    /** Hands the socket to the kernel: the shadow (if bound) or a new JDK channel, with options replayed. */
    private SocketChannel becomeKernel() throws IOException {
        SocketChannel k;
        synchronized (stateLock) {
            k = shadow;
            shadow = null;
            if (k == null) {
                k = kernelProvider.openSocketChannel(family);
                options.applyTo(k);
            }
            k.configureBlocking(isBlocking());
            kernel = k;
        }
        keys.attachKernel(k);
        return k;
    }

    private boolean flyoverConnect(StackRuntime rt, InetSocketAddress isa, long timeoutNanos) throws IOException {
        boolean blocking = isBlocking();
        boolean connected = false;
        try {
            if (blocking) {
                begin();
            }
            IpAddress remoteIp = IpAddress.of(isa.getAddress());
            if (isa.getPort() == 0) {
                throw new java.net.ConnectException("Connection refused"); // as Linux answers a connect to port 0
            }
            synchronized (stateLock) {
                ensureOpen();
                state = ST_PENDING;
                remoteAddress = isa;
                if (blocking) {
                    reader = Thread.currentThread();
                }
            }
            long[] source = new long[2];
            InetSocketAddress bound = localAddress; // bind and connect exclude each other (read and write locks)
            if (bound != null && !bound.getAddress().isAnyLocalAddress()) {
                IpAddress b = IpAddress.of(bound.getAddress());
                source[0] = b.hi();
                source[1] = b.lo();
            } else {
                rt.lock();
                try {
                    if (!rt.stack().ipOutput().selectSource(remoteIp.hi(), remoteIp.lo(), source)) {
                        throw new NoRouteToHostException("No route to host");
                    }
                } finally {
                    rt.unlock();
                }
            }
            // an unbound connect on a device stack takes its port from the kernel: those system calls run
            // before the stack lock, which every other socket of the stack and its thread wait for
            boolean kernelPort = bound == null && !rt.isLoopback();
            SocketChannel reservation = kernelPort ? kernelPortReservation(source) : null;
            rt.lock();
            try {
                ensureOpen();
                TcpConnection c;
                try {
                    SocketChannel first = reservation;
                    reservation = null; // connectOnKernelPort owns it now
                    c = kernelPort
                            ? connectOnKernelPort(rt, source, remoteIp, isa.getPort(), first)
                            : rt.stack().tcp().connect(source[0], source[1], bound == null ? 0 : bound.getPort(),
                                    remoteIp.hi(), remoteIp.lo(), isa.getPort(),
                                    options.tcpSettings(rt.config().tcpDefaults()), rt.now());
                } catch (SteeringRefusedException e) {
                    throw new BindException("Cannot assign requested address (" + e.getMessage() + ")");
                } catch (IllegalStateException e) {
                    throw new BindException(bound == null ? "Cannot assign requested address" : "Address already in use");
                }
                c.attachment = this;
                conn = c;
                runtime = rt;
                stats = rt.track(c);
                if (!isOpen()) {
                    // closed by another thread since ensureOpen: its close may have looked for the
                    // connection before there was one (a Dekker pair: runtime written, then isOpen read)
                    c.attachment = null;
                    stats.close();
                    c.abort(rt.now());
                    rt.flushLocked();
                    throw new AsynchronousCloseException();
                }
                FlyoverEvents.connectionOpened(c, "connect", rt.interfaceName()); // after the check: no close event would pair it
                rt.flushLocked(); // on the loopback the handshake completes here, yet connect answers
                                  // "pending" as Linux does (the SYN-ACK is processed after its state check)
            } finally {
                rt.unlock();
                closeQuietly(reservation); // not handed over: the channel closed first
            }
            keys.attachKernelAndSignal(null);
            if (!connected && blocking) {
                connected = awaitConnect(timeoutNanos == 0 ? 0 : System.nanoTime() + timeoutNanos);
            }
        } catch (IOException e) {
            endConnect(blocking, false, e);
            closeQuietly();
            throw e;
        }
        endConnect(blocking, connected, null);
        return connected;
    }

    /**
     * An unbound connect on a device stack, its local port chosen by the kernel as XLIO does: a kernel
     * socket bound to the source address and port 0 takes a port from the kernel's ephemeral range and
     * holds it as long as the connection holds its place in the stack (through TIME-WAIT:
     * {@link TcpConnection#heldUntilReleased}), so no kernel socket on the address the interface shares
     * can draw the same port and lose its replies to Flyover's port steering. A port whose 4-tuple the
     * stack still has (a TIME-WAIT to the same peer) is drawn again, a few times; then, as when the kernel
     * does not have the address, the stack picks. Takes {@code firstReservation} (null: the kernel refused).
     */
    private TcpConnection connectOnKernelPort(StackRuntime rt, long[] source, IpAddress remote, int remotePort,
                                              SocketChannel firstReservation) {
        for (int attempt = 0; attempt < KERNEL_PORT_ATTEMPTS; attempt++) {
            // the first port was taken before the stack lock; another (a rare 4-tuple clash) under it
            SocketChannel reservation = attempt == 0 ? firstReservation : kernelPortReservation(source);
            if (reservation == null) {
                break;
            }
            try {
                int port = ((InetSocketAddress) reservation.getLocalAddress()).getPort();
                TcpConnection c = rt.stack().tcp().connect(source[0], source[1], port, remote.hi(), remote.lo(),
                        remotePort, options.tcpSettings(rt.config().tcpDefaults()), rt.now());
                c.heldUntilReleased = reservation;
                return c;
            } catch (SteeringRefusedException e) {
                closeQuietly(reservation);
                throw e;
            } catch (IllegalStateException | IOException e) {
                closeQuietly(reservation); // the 4-tuple is in use: another port
            }
        }
        return rt.stack().tcp().connect(source[0], source[1], 0, remote.hi(), remote.lo(), remotePort,
                options.tcpSettings(rt.config().tcpDefaults()), rt.now());
    }

    private static final int KERNEL_PORT_ATTEMPTS = 4;

    /** A kernel socket bound to the source address and an ephemeral port, or null when the kernel refuses. */
    private SocketChannel kernelPortReservation(long[] source) {
        SocketChannel s = null;
        try {
            s = kernelProvider.openSocketChannel(family);
            s.bind(Addresses.socketAddress(source[0], source[1], 0));
            return s;
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            return null;
        }
    }

    private static void closeQuietly(SocketChannel s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing was bound, or it is gone already
            }
        }
    }

    /** Ends a connect or finishConnect as {@code SocketChannelImpl.endConnect}; may throw the close or interrupt. */
    private void endConnect(boolean blocking, boolean completed, IOException failure) throws IOException {
        reader = null;
        if (completed) {
            synchronized (stateLock) {
                if (state == ST_PENDING) {
                    StackRuntime rt = runtime;
                    rt.lock();
                    try {
                        localAddress = Addresses.socketAddress(conn.localAddressHi(), conn.localAddressLo(), conn.localPort());
                    } finally {
                        rt.unlock();
                    }
                    state = ST_CONNECTED;
                }
            }
        }
        if (blocking) {
            try {
                end(completed);
            } catch (AsynchronousCloseException e) {
                // as in the JDK's finally block: the interrupt or asynchronous close replaces any failure
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                closeQuietly();
                throw e;
            }
        }
    }

    /**
     * Whether the handshake completed; throws the connect failure. Polls the stack inline once when the
     * answer is not there yet.
     */
    private boolean checkConnect() throws IOException {
        StackRuntime rt = runtime;
        rt.lock();
        try {
            if (!isOpen()) {
                return false;
            }
            if (!conn.isConnected() && conn.state() != TcpState.CLOSED) {
                rt.pollLocked();
            }
            if (conn.isConnected()) {
                return true;
            }
            if (conn.state() == TcpState.CLOSED) {
                throw Errors.connectFailed(conn.error());
            }
            return false;
        } finally {
            rt.unlock();
        }
    }

    private boolean awaitConnect(long deadline) throws IOException {
        long spinEnd = Waits.spinEnd(network.spinNanos());
        for (;;) {
            int seen = eventSeq.get();
            if (checkConnect()) {
                return true;
            }
            if (!isOpen()) {
                return false;
            }
            if (!awaitEvent(seen, spinEnd, deadline)) {
                throw new SocketTimeoutException("Connect timed out");
            }
        }
    }

    /**
     * Waits until a stack event (or close, or shutdown) for this socket happens after {@code seen} was
     * read: spinning (polling the stack itself) until {@code spinEnd}, then parked. False at the deadline.
     */
    private boolean awaitEvent(int seen, long spinEnd, long deadline) {
        StackRuntime rt = runtime;
        while (eventSeq.get() == seen && isOpen()) {
            if (!Waits.pause(this, network, rt, spinEnd, deadline)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean finishConnect() throws IOException {
        SocketChannel k = kernel;
        if (k != null) {
            try {
                return k.finishConnect();
            } catch (IOException e) {
                closeQuietly();
                throw e;
            }
        }
        readLock.lock();
        try {
            writeLock.lock();
            try {
                if (isConnected()) {
                    return true;
                }
                ensureOpen();
                boolean blocking = isBlocking();
                boolean connected = false;
                try {
                    if (blocking) {
                        begin();
                    }
                    synchronized (stateLock) {
                        ensureOpen();
                        if (state != ST_PENDING) {
                            throw new NoConnectionPendingException();
                        }
                        if (blocking) {
                            reader = Thread.currentThread();
                        }
                    }
                    connected = checkConnect();
                    if (!connected && blocking) {
                        connected = awaitConnect(0);
                    }
                } catch (IOException e) {
                    endConnect(blocking, false, e);
                    closeQuietly();
                    throw e;
                } catch (NoConnectionPendingException e) {
                    endConnect(blocking, false, null);
                    throw e;
                }
                endConnect(blocking, connected, null);
                return connected;
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    // --- read -----------------------------------------------------------------------------------

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        SocketChannel k = kernel;
        if (k != null) {
            try {
                return k.read(dst);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        if (knownEmpty() && dst.hasRemaining()) {
            return 0;
        }
        return (int) flyoverRead(dst, null, 0, 0, 0);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        SocketChannel k = kernel;
        if (k != null) {
            try {
                return k.read(dsts, offset, length);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
        }
        if (knownEmpty() && wantsBytes(null, dsts, offset, length)) {
            return 0;
        }
        return flyoverRead(null, dsts, offset, length, 0);
    }

    /**
     * Whether a non-blocking read of this open, connected Flyover socket would find nothing: no stack
     * event, close, shutdown or mode change since the last non-blocking read found it drained (it marked
     * {@link #eventSeq} quiet), and no input the stack has not polled yet. Such a read
     * answers 0 without the read lock, as a busy-polling reader must not write (lock) to cache lines that
     * the thread delivering its data is about to touch; a concurrent reader holding the lock changes
     * nothing, since a non-blocking read may answer 0 whenever no data has arrived.
     */
    private boolean knownEmpty() {
        StackRuntime rt;
        return eventSeq.isQuiet() && !inputClosed && isOpen() && (rt = runtime) != null && !rt.inputMayBePending();
    }

    /**
     * A blocking read of a Flyover socket with a timeout (the socket adaptor's input stream, {@code SO_TIMEOUT}).
     *
     * @param timeoutNanos 0 for none
     */
    int blockingRead(ByteBuffer dst, long timeoutNanos) throws IOException {
        if (!isBlocking()) {
            throw new IllegalBlockingModeException();
        }
        return (int) flyoverRead(dst, null, 0, 0, timeoutNanos);
    }

    private long flyoverRead(ByteBuffer dst, ByteBuffer[] dsts, int offset, int length, long timeoutNanos)
            throws IOException {
        readLock.lock();
        try {
            ensureOpenAndConnected();
            boolean blocking = isBlocking();
            long n = 0;
            try {
                if (blocking) {
                    begin();
                    synchronized (stateLock) {
                        ensureOpen();
                        reader = Thread.currentThread();
                    }
                }
                if (connectionReset) {
                    throw new SocketException("Connection reset");
                }
                if (inputClosed) {
                    return -1;
                }
                int seen = eventSeq.get();
                n = tryRead(dst, dsts, offset, length);
                if (blocking && n == 0 && wantsBytes(dst, dsts, offset, length)) {
                    long deadline = timeoutNanos == 0 ? 0 : System.nanoTime() + timeoutNanos;
                    long spinEnd = Waits.spinEnd(network.spinNanos());
                    while (n == 0 && isOpen() && !inputClosed) {
                        if (!awaitEvent(seen, spinEnd, deadline)) {
                            throw new SocketTimeoutException("Read timed out");
                        }
                        seen = eventSeq.get();
                        n = tryRead(dst, dsts, offset, length);
                    }
                }
            } finally {
                if (blocking) {
                    reader = null;
                    end(n > 0);
                }
                if (n <= 0 && inputClosed) {
                    return -1; // in finally, as SocketChannelImpl.read: shutdownInput wins over the wake-up
                }
            }
            return n;
        } finally {
            readLock.unlock();
        }
    }

    private static boolean wantsBytes(ByteBuffer dst, ByteBuffer[] dsts, int offset, int length) {
        if (dst != null) {
            return dst.hasRemaining();
        }
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /** One attempt: bytes read, 0 when none yet, -1 at end of stream; throws a connection failure. */
    private long tryRead(ByteBuffer dst, ByteBuffer[] dsts, int offset, int length) throws IOException {
        if (!wantsBytes(dst, dsts, offset, length)) {
            return 0;
        }
        StackRuntime rt = runtime;
        int seq = eventSeq.get();
        if (seq == emptyAtSeq && !rt.inputMayBePending()) {
            return 0;
        }
        int status;
        long total;
        rt.lock();
        try {
            if (!isOpen()) {
                return 0;
            }
            total = 0;
            status = readOnce(dst, dsts, offset, length);
            if (status == 0 && rt.pollForInputLocked()) {
                status = readOnce(dst, dsts, offset, length);
            }
            if (status > 0) {
                total = status;
            }
            // gathered reads: keep filling while data and buffers remain
            if (dsts != null && status > 0) {
                total = readMore(dsts, offset, length, total);
            }
            if (total > 0 && conn.hasPendingOutput()) {
                rt.flushLocked(); // the read opened the window enough to announce (RFC 9293 §3.8.6.2.2): now
            }
            if (status >= 0 && !conn.isReadable()) {
                emptyAtSeq = seq; // drained: the next read waits for an event (or input not yet polled)
                if (!isBlocking()) {
                    eventSeq.markQuiet(seq);
                }
            }
        } finally {
            rt.unlock();
        }
        if (total > 0) {
            return total;
        }
        if (status == TcpConnection.EOF) {
            return -1;
        }
        if (status == TcpConnection.FAILED) {
            TcpConnection.Error e = conn.error();
            if (e == TcpConnection.Error.RESET) {
                connectionReset = true;
            }
            throw Errors.readFailed(e);
        }
        return 0;
    }

    private int readOnce(ByteBuffer dst, ByteBuffer[] dsts, int offset, int length) {
        if (dst != null) {
            return conn.read(dst);
        }
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].hasRemaining()) {
                return conn.read(dsts[i]);
            }
        }
        return 0;
    }

    private long readMore(ByteBuffer[] dsts, int offset, int length, long total) {
        for (int i = offset; i < offset + length; i++) {
            if (!dsts[i].hasRemaining()) {
                continue;
            }
            int n = conn.read(dsts[i]);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    // --- write ----------------------------------------------------------------------------------

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        SocketChannel k = kernel;
        if (k != null) {
            try {
                return k.write(src);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        return (int) flyoverWrite(src, null, 0, 0, NOT_URGENT);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        SocketChannel k = kernel;
        if (k != null) {
            try {
                return k.write(srcs, offset, length);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        return flyoverWrite(null, srcs, offset, length, NOT_URGENT);
    }

    /** {@link #flyoverWrite}'s {@code urgent} when the write is ordinary data. */
    private static final int NOT_URGENT = -1;

    /**
     * A write of the buffers, or of the one urgent byte {@code urgent} (0-255; {@link #NOT_URGENT} for
     * ordinary data): blocking ones wait for room as {@code SocketChannelImpl} does.
     */
    private long flyoverWrite(ByteBuffer src, ByteBuffer[] srcs, int offset, int length, int urgent) throws IOException {
        writeLock.lock();
        try {
            ensureOpenAndConnected();
            boolean blocking = isBlocking();
            long total = 0;
            try {
                if (blocking) {
                    begin();
                    synchronized (stateLock) {
                        ensureOpen();
                        if (outputClosed) {
                            throw new ClosedChannelException();
                        }
                        writer = Thread.currentThread();
                    }
                } else if (outputClosed) {
                    throw new IOException("Broken pipe"); // the kernel's EPIPE, also for send(MSG_OOB)
                }
                int seen = eventSeq.get();
                total = tryWrite(src, srcs, offset, length, urgent);
                if (blocking) {
                    long spinEnd = Waits.spinEnd(network.spinNanos());
                    while ((urgent == NOT_URGENT ? wantsBytes(src, srcs, offset, length) : total == 0)
                            && isOpen() && !outputClosed) {
                        awaitEvent(seen, spinEnd, 0);
                        seen = eventSeq.get();
                        long n = tryWrite(src, srcs, offset, length, urgent);
                        if (n > 0) {
                            total += n;
                            spinEnd = Waits.spinEnd(network.spinNanos());
                        }
                    }
                }
            } finally {
                if (blocking) {
                    writer = null;
                    end(total > 0);
                }
                if (total <= 0 && outputClosed) {
                    throw new AsynchronousCloseException(); // in finally, as SocketChannelImpl.write
                }
            }
            return total;
        } finally {
            writeLock.unlock();
        }
    }

    /** One attempt: bytes copied into the send buffer and flushed towards the wire; throws a failure. */
    private long tryWrite(ByteBuffer src, ByteBuffer[] srcs, int offset, int length, int urgent) throws IOException {
        if (urgent == NOT_URGENT && !wantsBytes(src, srcs, offset, length)) {
            return 0;
        }
        StackRuntime rt = runtime;
        long total = 0;
        int status;
        rt.lock();
        try {
            if (!isOpen()) {
                return 0;
            }
            status = writeSome(src, srcs, offset, length, urgent);
            if (status == 0) {
                rt.pollLocked(); // acknowledgements may be waiting to free space
                status = writeSome(src, srcs, offset, length, urgent);
            }
            if (status > 0) {
                total = status;
                if (srcs != null) {
                    for (int i = offset; i < offset + length; i++) {
                        if (!srcs[i].hasRemaining()) {
                            continue;
                        }
                        int n = conn.write(srcs[i]);
                        if (n <= 0) {
                            break;
                        }
                        total += n;
                    }
                }
                rt.flushLocked();
            }
        } finally {
            rt.unlock();
        }
        if (status == TcpConnection.FAILED) {
            throw Errors.writeFailed(conn.error());
        }
        return total;
    }

    private int writeSome(ByteBuffer src, ByteBuffer[] srcs, int offset, int length, int urgent) {
        if (urgent != NOT_URGENT) {
            return conn.writeUrgent((byte) urgent);
        }
        if (src != null) {
            return conn.write(src);
        }
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return conn.write(srcs[i]);
            }
        }
        return 0;
    }

    // --- urgent data ----------------------------------------------------------------------------

    /**
     * One byte of TCP urgent data, as {@code sun.nio.ch.SocketChannelImpl.sendOutOfBandData} (what the
     * socket adaptor's {@code sendUrgentData} calls): a send(MSG_OOB) of one byte. Returns 1, or 0 when a
     * non-blocking channel's send buffer is full; a blocking channel waits for room as a blocking write.
     * The stack marks the byte urgent on the wire (see {@code io.flyover.stack.tcp.UrgentData}).
     */
    public int sendOutOfBandData(byte data) throws IOException {
        SocketChannel k = kernel;
        if (k != null) {
            try {
                k.socket().sendUrgentData(data);
                return 1;
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        return (int) flyoverWrite(null, null, 0, 0, data & 0xFF);
    }

    // --- shutdown and close ---------------------------------------------------------------------

    @Override
    public SocketChannel shutdownInput() throws IOException {
        SocketChannel k = kernel;
        if (k != null) {
            k.shutdownInput();
            return this;
        }
        synchronized (stateLock) {
            ensureOpen();
            if (!isConnected()) {
                throw new NotYetConnectedException();
            }
            if (!inputClosed) {
                inputClosed = true;
                eventSeq.incrementAndGet();
                LockSupport.unpark(reader);
            }
        }
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException {
        SocketChannel k = kernel;
        if (k != null) {
            k.shutdownOutput();
            return this;
        }
        synchronized (stateLock) {
            ensureOpen();
            if (!isConnected()) {
                throw new NotYetConnectedException();
            }
            if (!outputClosed) {
                StackRuntime rt = runtime;
                rt.lock();
                try {
                    conn.shutdownOutput();
                    rt.flushLocked();
                } finally {
                    rt.unlock();
                }
                outputClosed = true;
                eventSeq.incrementAndGet();
                LockSupport.unpark(writer);
            }
        }
        return this;
    }

    boolean isInputOpen() {
        return !inputClosed;
    }

    boolean isOutputOpen() {
        return !outputClosed;
    }

    /** Bytes that a read would return now (the adaptor's {@code available()}). */
    int available() throws IOException {
        synchronized (stateLock) {
            ensureOpenAndConnected();
            if (inputClosed) {
                return 0;
            }
        }
        StackRuntime rt = runtime;
        rt.lock();
        try {
            return conn.bytesAvailable();
        } finally {
            rt.unlock();
        }
    }

    /** The kernel channel, when this socket was handed to the kernel (the adaptor then uses the JDK's own). */
    SocketChannel kernelChannel() {
        return kernel;
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        SocketChannel k;
        SocketChannel s;
        StackRuntime rt;
        boolean lingerWait;
        int linger;
        synchronized (stateLock) {
            boolean connected = state == ST_CONNECTED;
            state = ST_CLOSED;
            k = kernel;
            s = shadow;
            shadow = null;
            rt = runtime;
            linger = options.get(StandardSocketOptions.SO_LINGER);
            lingerWait = connected && isBlocking() && linger > 0;
            if (reservedIn != null && localAddress != null) {
                reservedIn.releaseTcpPort(localAddress.getPort());
            }
        }
        IOException failure = null;
        if (k != null) {
            try {
                k.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (rt != null) {
            rt.lock();
            try {
                TcpConnection c = conn;
                if (c.attachment == this) { // else a connect racing this close released it already
                    c.attachment = null;
                    FlyoverEvents.connectionClosed(c, rt.interfaceName(), null, System.nanoTime() - openedAtNanos);
                    stats.close();
                    if (linger == 0) {
                        c.abort(rt.now());
                    } else {
                        c.close(rt.now());
                    }
                    rt.flushLocked();
                }
            } finally {
                rt.unlock();
            }
            if (lingerWait) {
                lingerUntilSent(rt, linger);
            }
        }
        OffloadPath was = openedOn;
        if (was != null) {
            openedOn = null;
            network.counters().socketClosed(was);
            if (was == OffloadPath.KERNEL) {
                FlyoverEvents.connectionClosed("TCP", localAddress, remoteAddress, was, null, "closed", 0, 0,
                        System.nanoTime() - openedAtNanos);
            }
        }
        eventSeq.incrementAndGet();
        LockSupport.unpark(reader);
        LockSupport.unpark(writer);
        if (failure != null) {
            throw failure;
        }
    }

    /** Counts this socket open on {@code path} in the process statistics (once; {@link #implCloseSelectableChannel} closes it). */
    private void opened(OffloadPath path) {
        if (openedOn == null) {
            openedAtNanos = System.nanoTime();
            openedOn = path;
            network.counters().socketOpened(path);
        }
    }

    /** SO_LINGER on a blocking socket: close waits (up to the linger time) for the data to be acknowledged. */
    private void lingerUntilSent(StackRuntime rt, int lingerSeconds) {
        long deadline = System.nanoTime() + lingerSeconds * 1_000_000_000L;
        long spinEnd = Waits.spinEnd(network.spinNanos());
        for (;;) {
            rt.lock();
            try {
                if (conn.bytesUnacknowledged() == 0 || conn.state() == TcpState.CLOSED) {
                    return;
                }
            } finally {
                rt.unlock();
            }
            long now = System.nanoTime();
            if (now - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                return;
            }
            if (now - spinEnd < 0) {
                rt.tryPoll();
            } else {
                network.beforeApplicationPark();
                LockSupport.parkNanos(this, Math.min(deadline - now, 1_000_000));
            }
        }
    }

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                synchronized (stateLock) {
                    ensureOpen();
                    SocketChannel k = kernel;
                    if (k != null) {
                        if (block) {
                            keys.detachKernel();
                        }
                        k.configureBlocking(block);
                    }
                }
                eventSeq.incrementAndGet(); // a read's quiet mark holds for the non-blocking mode it was made in
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    // --- selection ------------------------------------------------------------------------------

    @Override
    public int flyoverReadyOps(int interest) {
        if (kernel != null || interest == 0) {
            return 0;
        }
        int s = state;
        if (s == ST_CLOSED) {
            return 0;
        }
        StackRuntime rt = runtime;
        if (s == ST_UNCONNECTED || rt == null) {
            return interest; // a socket never connected reports a hang-up, as Linux's tcp_poll
        }
        if (interest == SelectionKey.OP_READ && s == ST_CONNECTED && knownEmpty()) {
            return 0; // a busy selectNow after the read that drained the socket: no lock taken
        }
        rt.lock();
        try {
            TcpConnection c = conn;
            if (c.state() == TcpState.CLOSED && c.error() != TcpConnection.Error.NONE) {
                return interest; // POLLERR
            }
            int ops = 0;
            if (s == ST_PENDING) {
                if ((interest & SelectionKey.OP_CONNECT) != 0 && (c.isConnected() || c.state() == TcpState.CLOSED)) {
                    ops |= SelectionKey.OP_CONNECT;
                }
                return ops;
            }
            if ((interest & SelectionKey.OP_READ) != 0 && (inputClosed || c.isReadable())) {
                ops |= SelectionKey.OP_READ;
            }
            if ((interest & SelectionKey.OP_WRITE) != 0 && (outputClosed || c.isWritable())) {
                ops |= SelectionKey.OP_WRITE;
            }
            return ops;
        } finally {
            rt.unlock();
        }
    }

    @Override
    public SelectableChannel kernelPart() {
        return kernel;
    }

    @Override
    public void addKey(FlyoverKey key) throws ClosedChannelException {
        keys.add(key, this);
    }

    @Override
    public void removeKey(FlyoverKey key) {
        keys.remove(key);
    }

    @Override
    public void onStackEvent(int events) {
        eventSeq.incrementAndGet();
        Thread t;
        if ((events & (READABLE | CONNECTED)) != 0 && (t = reader) != null) {
            LockSupport.unpark(t);
        }
        if ((events & WRITABLE) != 0 && (t = writer) != null) {
            LockSupport.unpark(t);
        }
        keys.signalReady(((events & READABLE) != 0 ? SelectionKey.OP_READ : 0)
                | ((events & WRITABLE) != 0 ? SelectionKey.OP_WRITE : 0)
                | ((events & CONNECTED) != 0 ? SelectionKey.OP_CONNECT : 0));
    }

    // --- adaptor and description ----------------------------------------------------------------

    @Override
    public Socket socket() {
        synchronized (stateLock) {
            if (socket == null) {
                socket = FlyoverSocketAdaptor.create(this);
            }
            return socket;
        }
    }

    ProtocolFamily family() {
        return family;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSuperclass().getName()).append('[');
        if (!isOpen()) {
            sb.append("closed");
        } else {
            sb.append(isConnectionPending() ? "connection-pending" : isConnected() ? "connected" : "unconnected");
            InetSocketAddress local = localAddressOrNull();
            if (local != null) {
                sb.append(" local=").append(local);
            }
            InetSocketAddress remote = remoteAddressOrNull();
            if (remote != null) {
                sb.append(" remote=").append(remote);
            }
            sb.append(isOffloaded() ? " flyover=" + offloadInterface() : isKernel() ? " kernel" : "");
        }
        return sb.append(']').toString();
    }
}
