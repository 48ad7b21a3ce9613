package io.flyover.provider.channel;

import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.events.FlyoverEvents;
import io.flyover.provider.stats.SocketStats;
import io.flyover.provider.runtime.FlyoverNetwork;
import io.flyover.provider.runtime.ListenerDirectory;
import io.flyover.provider.runtime.SocketEvents;
import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.net.SteeringRefusedException;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP {@link ServerSocketChannel} over Flyover, as {@code sun.nio.ch.ServerSocketChannelImpl}. At
 * {@code bind} the policy chooses: a listener on the stack that owns the address, or on every stack for
 * the wildcard address; and a kernel listener on the same address and port whenever the kernel can
 * bind it (the shadow socket, so clients the kernel serves still reach this server). {@code accept()}
 * returns what arrives on either path. With no Flyover listener the kernel listener is the whole
 * channel and everything is delegated to it.
 */
public final class FlyoverServerSocketChannel extends ServerSocketChannel implements FlyoverSelectable, SocketEvents {

    /** The path counted open in the process statistics once bound (guarded by stateLock). */
    private OffloadPath openedOn;

    /** One Flyover listener of this channel. */
    private record Listening(StackRuntime runtime, TcpListener listener, IpAddress address, int port, SocketStats stats) {}

    private final FlyoverNetwork network;
    private final SelectorProvider kernelProvider;
    private final ProtocolFamily family;
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private final OptionValues options = new OptionValues(OptionTable.server());

    private final List<Listening> listening = new ArrayList<>();
    /** The kernel listener: the whole channel when {@link #delegateOnly}, else the shadow. */
    private volatile ServerSocketChannel kernel;
    private volatile boolean delegateOnly;
    private InetSocketAddress localAddress;
    /** The stack whose port reservation this channel holds (bound to an address only Flyover serves), or null. */
    private StackRuntime reservedIn;
    private int nextListener;
    private volatile Thread acceptor;
    /** Where a blocking accept waits on the shadow and Flyover at once; made on first need. */
    private Selector waitSelector;
    private volatile boolean waitingInKernel;
    /** Bumped by every accept event and by close: the Flyover listeners are locked only when it moved. */
    private final java.util.concurrent.atomic.AtomicInteger eventSeq = new java.util.concurrent.atomic.AtomicInteger();
    private final ChannelKeys keys = new ChannelKeys(stateLock);
    private ServerSocket socket;

    FlyoverServerSocketChannel(SelectorProvider provider, FlyoverNetwork network, SelectorProvider kernelProvider,
            ProtocolFamily family) {
        super(provider);
        this.network = network;
        this.kernelProvider = kernelProvider;
        this.family = family;
    }

    /** Whether at least one Flyover listener serves this channel. */
    public boolean isOffloaded() {
        synchronized (stateLock) {
            return !listening.isEmpty();
        }
    }

    /** The interfaces of the stacks listening for this channel. */
    public List<String> offloadInterfaces() {
        synchronized (stateLock) {
            return listening.stream().map(l -> l.runtime().interfaceName()).toList();
        }
    }

    /** Whether a kernel listener (the delegate or the shadow) serves this channel too. */
    public boolean hasKernelListener() {
        return kernel != null;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    // --- options and addresses ------------------------------------------------------------------

    @Override
    public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        OptionValues.checkName(OptionTable.server(), name, value);
        synchronized (stateLock) {
            ensureOpen();
            options.set(name, value);
            if (kernel != null) {
                kernel.setOption(name, value);
            }
            updateListeners();
            if (name == StandardSocketOptions.SO_REUSEPORT) {
                for (Listening l : listening) {
                    l.runtime().lock();
                    try {
                        l.listener().setReusePort((Boolean) value);
                    } finally {
                        l.runtime().unlock();
                    }
                }
            }
        }
        return this;
    }

    /**
     * The IP_TOS a {@code java.net.ServerSocket} over this channel sets: as Linux's listening socket, the
     * Flyover listeners send their SYN-ACKs with it and the connections they accept inherit it
     * ({@code ServerSocketChannel} itself has no IP_TOS option).
     */
    public void setListenerTrafficClass(int tos) throws IOException {
        if (tos < 0 || tos > 255) {
            throw new IllegalArgumentException("Invalid IP_TOS value");
        }
        synchronized (stateLock) {
            ensureOpen();
            options.setListenerTrafficClass(tos);
            updateListeners();
        }
    }

    /** Options set on a listening socket apply to the connections it accepts from then on, as on Linux. */
    private void updateListeners() {
        for (Listening l : listening) {
            StackRuntime rt = l.runtime();
            rt.lock();
            try {
                l.listener().updateOptions(options.tcpSettings(rt.config().tcpDefaults()));
            } finally {
                rt.unlock();
            }
        }
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        OptionValues.checkName(OptionTable.server(), name);
        synchronized (stateLock) {
            ensureOpen();
            if (delegateOnly) {
                return kernel.getOption(name);
            }
            return options.get(name);
        }
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OptionTable.server().supported;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            return localAddress;
        }
    }

    InetSocketAddress localAddressOrNull() {
        synchronized (stateLock) {
            return localAddress;
        }
    }

    // --- bind -----------------------------------------------------------------------------------

    @Override
    public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (localAddress != null) {
                throw new AlreadyBoundException();
            }
            InetSocketAddress isa = local == null
                    ? new InetSocketAddress(Addresses.anyLocal(family), 0) : Addresses.check(local, family);
            int queue = backlog < 1 ? 50 : backlog;
            InetAddress a = isa.getAddress();
            List<StackRuntime> stacks;
            if (a.isAnyLocalAddress()) {
                stacks = network.wildcard(SocketRole.TCP_SERVER, a, isa.getPort());
            } else {
                FlyoverNetwork.Route r = network.bound(SocketRole.TCP_SERVER, a, isa.getPort());
                stacks = r.offloaded() ? List.of(r.runtime()) : List.of();
            }
            ServerSocketChannel k = null;
            StackRuntime reserved = null;
            int port = isa.getPort();
            try {
                if (stacks.isEmpty() || Waits.kernelHasAddress(a)) {
                    k = kernelProvider.openServerSocketChannel(family);
                    options.applyTo(k);
                    k.bind(isa, queue);
                    port = ((InetSocketAddress) k.getLocalAddress()).getPort();
                } else {
                    port = stacks.get(0).reserveTcpPort(port, options.reusePort());
                    reserved = stacks.get(0);
                }
                IpAddress ip = Addresses.ip(a);
                for (StackRuntime rt : stacks) {
                    listen(rt, ip, port, queue);
                }
            } catch (IOException | RuntimeException e) {
                closeListeners();
                if (k != null) {
                    k.close();
                }
                if (reserved != null) {
                    reserved.releaseTcpPort(port);
                }
                throw e;
            }
            OffloadPath path = stacks.isEmpty() ? OffloadPath.KERNEL : OffloadPath.OFFLOAD;
            network.counters().decided(SocketRole.TCP_SERVER, path);
            network.counters().socketOpened(path);
            openedOn = path;
            delegateOnly = stacks.isEmpty();
            if (k != null) {
                k.configureBlocking(delegateOnly && isBlocking());
            }
            kernel = k;
            reservedIn = reserved;
            localAddress = k != null ? (InetSocketAddress) k.getLocalAddress() : new InetSocketAddress(a, port);
            FlyoverEvents.connectionOpened("TCP", localAddress, null, path, stacks.isEmpty() ? null : stacks.get(0).interfaceName(), "listen");
        }
        keys.attachKernelAndSignal(kernel);
        return this;
    }

    private void listen(StackRuntime rt, IpAddress ip, int port, int backlog) throws BindException {
        rt.lock();
        try {
            TcpListener l;
            try {
                l = rt.stack().tcp().listen(ip.hi(), ip.lo(), port, backlog, options.tcpSettings(rt.config().tcpDefaults()),
                        options.reusePort());
            } catch (SteeringRefusedException e) {
                throw new BindException("Cannot assign requested address (" + e.getMessage() + ")");
            } catch (IllegalStateException e) {
                throw new BindException("Address already in use");
            }
            l.attachment = this;
            listening.add(new Listening(rt, l, ip, port, rt.track(l)));
        } finally {
            rt.unlock();
        }
        network.listeners().add(rt, ListenerDirectory.Protocol.TCP, ip, port);
    }

    private void closeListeners() {
        for (Listening l : listening) {
            network.listeners().remove(l.runtime(), ListenerDirectory.Protocol.TCP, l.address(), l.port());
            l.runtime().lock();
            try {
                l.listener().attachment = null;
                l.stats().close();
                l.listener().close(l.runtime().now());
                l.runtime().flushLocked();
            } finally {
                l.runtime().unlock();
            }
        }
        listening.clear();
    }

    // --- accept ---------------------------------------------------------------------------------

    @Override
    public SocketChannel accept() throws IOException {
        return accept(0);
    }

    /** {@code accept()} with a timeout (the server socket adaptor's {@code SO_TIMEOUT}); 0 for none. */
    SocketChannel accept(long timeoutNanos) throws IOException {
        acceptLock.lock();
        try {
            ensureOpen();
            if (delegateOnly) {
                return kernelAccept(timeoutNanos);
            }
            boolean blocking = isBlocking();
            if (timeoutNanos > 0 && !blocking) {
                throw new IllegalBlockingModeException();
            }
            SocketChannel accepted = null;
            try {
                if (blocking) {
                    begin();
                }
                synchronized (stateLock) {
                    ensureOpen();
                    if (localAddress == null) {
                        throw new NotYetBoundException();
                    }
                    if (blocking) {
                        acceptor = Thread.currentThread();
                    }
                }
                int seen = eventSeq.get();
                accepted = tryAccept(true);
                if (blocking) {
                    long deadline = timeoutNanos == 0 ? 0 : System.nanoTime() + timeoutNanos;
                    long spinEnd = Waits.spinEnd(network.spinNanos());
                    while (accepted == null && isOpen()) {
                        if (!awaitAcceptable(seen, spinEnd, deadline)) {
                            throw new SocketTimeoutException("Accept timed out");
                        }
                        int now = eventSeq.get();
                        accepted = tryAccept(now != seen);
                        seen = now;
                    }
                }
            } finally {
                if (blocking) {
                    acceptor = null;
                    end(accepted != null);
                }
            }
            return accepted;
        } finally {
            acceptLock.unlock();
        }
    }

    private SocketChannel kernelAccept(long timeoutNanos) throws IOException {
        ServerSocketChannel k = kernel;
        SocketChannel s;
        try {
            if (timeoutNanos > 0) {
                if (!isBlocking()) {
                    throw new IllegalBlockingModeException();
                }
                k.socket().setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutNanos / 1_000_000)));
                s = k.socket().accept().getChannel();
            } else {
                s = k.accept();
            }
        } catch (AsynchronousCloseException e) {
            try {
                close();
            } catch (IOException ignored) {
                // already failing
            }
            throw e;
        }
        if (s == null) {
            return null;
        }
        network.counters().countAccepted(OffloadPath.KERNEL);
        return FlyoverSocketChannel.acceptedKernel(provider(), network, kernelProvider, family, s);
    }

    /** One attempt on every listener, Flyover ones (when {@code flyover}) first in turn, then the kernel shadow. */
    private SocketChannel tryAccept(boolean flyover) throws IOException {
        List<Listening> ls;
        synchronized (stateLock) {
            ls = flyover ? listening : List.of();
            int count = ls.size();
            for (int i = 0; i < count; i++) {
                Listening l = ls.get((nextListener + i) % count);
                SocketChannel ch = acceptFrom(l);
                if (ch != null) {
                    nextListener = (nextListener + i + 1) % count;
                    network.counters().countAccepted(OffloadPath.OFFLOAD);
                    return ch;
                }
            }
        }
        ServerSocketChannel k = kernel;
        if (k != null) {
            SocketChannel s = k.accept();
            if (s != null) {
                network.counters().countAccepted(OffloadPath.KERNEL);
                return FlyoverSocketChannel.acceptedKernel(provider(), network, kernelProvider, family, s);
            }
        }
        return null;
    }

    private SocketChannel acceptFrom(Listening l) {
        StackRuntime rt = l.runtime();
        rt.lock();
        try {
            if (!isOpen()) {
                return null;
            }
            TcpConnection c = l.listener().accept();
            if (c == null) {
                rt.pollLocked();
                c = l.listener().accept();
            }
            if (c == null) {
                return null;
            }
            return FlyoverSocketChannel.acceptedFlyover(provider(), network, kernelProvider, family, rt, c, options);
        } finally {
            rt.unlock();
        }
    }

    private boolean hasAcceptable() {
        synchronized (stateLock) {
            for (Listening l : listening) {
                l.runtime().lock();
                try {
                    if (l.listener().isAcceptable()) {
                        return true;
                    }
                } finally {
                    l.runtime().unlock();
                }
            }
        }
        return false;
    }

    /** Spin-polls, then waits in the kernel shadow's selector or parks; false when the deadline passed. */
    private boolean awaitAcceptable(int seen, long spinEnd, long deadline) throws IOException {
        long now = System.nanoTime();
        if (deadline != 0 && now - deadline >= 0) {
            return false;
        }
        if (now - spinEnd < 0) {
            network.pollAll();
            Thread.onSpinWait();
            return true;
        }
        ServerSocketChannel k = kernel;
        if (k == null) {
            while (eventSeq.get() == seen && isOpen()) {
                if (!Waits.pause(this, network, null, spinEnd, deadline)) {
                    return false;
                }
            }
            return true;
        }
        Selector sel = waitSelector();
        waitingInKernel = true;
        try {
            if (hasAcceptable()) {
                return true;
            }
            long millis = deadline == 0 ? 0 : Math.max(1, (deadline - now) / 1_000_000);
            network.beforeApplicationPark();
            sel.select(millis);
            sel.selectedKeys().clear();
        } finally {
            waitingInKernel = false;
        }
        begin(); // the JDK selector replaced this channel's interrupt hook with its own; put it back
        return true;
    }

    private Selector waitSelector() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (waitSelector == null) {
                waitSelector = kernelProvider.openSelector();
                kernel.register(waitSelector, SelectionKey.OP_ACCEPT);
            }
            return waitSelector;
        }
    }

    // --- close and blocking mode ----------------------------------------------------------------

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        ServerSocketChannel k;
        Selector sel;
        synchronized (stateLock) {
            closeListeners();
            if (reservedIn != null) {
                reservedIn.releaseTcpPort(localAddress.getPort());
                reservedIn = null;
            }
            if (openedOn != null) {
                network.counters().socketClosed(openedOn);
                FlyoverEvents.connectionClosed("TCP", localAddress, null, openedOn, null, "closed", 0, 0, 0);
                openedOn = null;
            }
            k = kernel;
            sel = waitSelector;
            waitSelector = null;
        }
        eventSeq.incrementAndGet();
        Thread t = acceptor;
        if (t != null) {
            LockSupport.unpark(t);
        }
        if (sel != null) {
            sel.close(); // wakes an accept waiting in it, then deregisters the shadow
        }
        if (k != null) {
            k.close();
        }
    }

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        acceptLock.lock();
        try {
            synchronized (stateLock) {
                ensureOpen();
                if (delegateOnly) {
                    if (block) {
                        keys.detachKernel();
                    }
                    kernel.configureBlocking(block);
                }
            }
        } finally {
            acceptLock.unlock();
        }
    }

    // --- selection ------------------------------------------------------------------------------

    @Override
    public int flyoverReadyOps(int interest) {
        if (delegateOnly || interest == 0) {
            return 0;
        }
        synchronized (stateLock) {
            if (!isOpen()) {
                return 0;
            }
            if (localAddress == null) {
                return interest; // a socket not listening reports a hang-up
            }
        }
        return (interest & SelectionKey.OP_ACCEPT) != 0 && hasAcceptable() ? SelectionKey.OP_ACCEPT : 0;
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
        if ((events & ACCEPTABLE) == 0) {
            return;
        }
        eventSeq.incrementAndGet();
        Waits.wake(acceptor, waitingInKernel, waitSelector);
        keys.signalReady(SelectionKey.OP_ACCEPT);
    }

    // --- adaptor and description ----------------------------------------------------------------

    @Override
    public ServerSocket socket() {
        synchronized (stateLock) {
            if (socket == null) {
                socket = FlyoverServerSocketAdaptor.create(this);
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
            InetSocketAddress a = localAddressOrNull();
            sb.append(a == null ? "unbound" : a.toString());
            if (isOffloaded()) {
                sb.append(" flyover=").append(offloadInterfaces());
            }
        }
        return sb.append(']').toString();
    }
}
