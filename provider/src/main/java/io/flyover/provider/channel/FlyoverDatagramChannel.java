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
import io.flyover.stack.udp.UdpSocket;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A UDP {@link DatagramChannel} over Flyover, as {@code sun.nio.ch.DatagramChannelImpl}. A bound
 * socket has a Flyover UDP socket on each stack that serves its address (every stack for the
 * wildcard) and, whenever the kernel can bind the address, a kernel socket on the same port (the
 * shadow): {@code receive} returns what arrives on either path, and each {@code send} goes the way its
 * destination is routed. A socket no stack serves is the kernel's, and delegates everything.
 */
public final class FlyoverDatagramChannel extends DatagramChannel implements FlyoverSelectable, SocketEvents {
    /** How often a blocking send held back by the frame pool's low watermark tries again. */
    private static final long BACK_PRESSURE_RECHECK_NANOS = 1_000_000L;

    private static final int MAX_DATAGRAM = 65_535;
    private static final Object KERNEL = new Object();
    /** What a connected read answers: its byte count is in {@link #readCount} (no boxing per datagram). */
    private static final Object READ = new Object();

    /** The Flyover UDP socket of this channel on one stack. */
    record Part(StackRuntime runtime, UdpSocket socket) {}

    /** Counters in the statistics file of the bound stack sockets (each used under its stack's lock). */
    private final java.util.Map<UdpSocket, SocketStats> socketStats = new java.util.concurrent.ConcurrentHashMap<>();
    /** The sockets recorded in the listener directory (bound by {@code bind}), each removed once at close. */
    private final java.util.Set<UdpSocket> inDirectory = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The path counted open in the process statistics once bound, or null. */
    private volatile OffloadPath openedOn;

    private final FlyoverNetwork network;
    private final SelectorProvider kernelProvider;
    private final ProtocolFamily family;
    private final ReentrantLock readLock = new ReentrantLock();
    /** The byte count of the last connected read that answered {@link #READ} (guarded by readLock). */
    private int readCount;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private final OptionValues options = new OptionValues(OptionTable.datagram());

    private volatile List<Part> parts = List.of();
    /** The kernel socket: the whole channel when {@link #delegateOnly}, else the shadow. */
    private volatile DatagramChannel kernel;
    private volatile boolean delegateOnly;
    private InetSocketAddress localAddress;
    private InetSocketAddress boundAddress;
    private volatile InetSocketAddress remoteAddress;
    /** The Flyover socket a connected channel talks through; null when connected through the kernel. */
    private volatile Part connectedPart;
    private boolean countedSender;
    private int nextPart;

    private volatile Thread reader;
    private volatile Thread writer;
    private Selector waitSelector;
    private volatile boolean waitingInKernel;
    /**
     * Bumped by every datagram event, close, bind, connect, disconnect and mode change: the Flyover
     * sockets are locked only when it moved, and a non-blocking receive that found nothing marks it quiet.
     */
    private final SpinSignal eventSeq = new SpinSignal();
    /** Receives answered from the quiet mark since the kernel socket was last asked ({@code flyover.udp.kernel.poll.ratio}). */
    private int quietReceives;
    private final ChannelKeys keys = new ChannelKeys(stateLock);
    private final List<FlyoverMembershipKey> memberships = new ArrayList<>();
    private DatagramSocket socket;

    // Scratch buffers: one datagram in each direction (used under the read and write locks).
    private ByteBuffer sendScratch;
    private MemorySegment sendSegment;
    private ByteBuffer receiveScratch;
    private MemorySegment receiveSegment;
    private InetSocketAddress lastTarget;
    private Object lastTargetPath;
    private long lastTargetHi;
    private long lastTargetLo;
    private InetSocketAddress lastSender;
    private long lastSenderHi;
    private long lastSenderLo;
    private int lastSenderPort;
    /** The connected peer in the stack's form (set at connect). */
    private long remoteHi;
    private long remoteLo;

    FlyoverDatagramChannel(SelectorProvider provider, FlyoverNetwork network, SelectorProvider kernelProvider,
            ProtocolFamily family) {
        super(provider);
        this.network = network;
        this.kernelProvider = kernelProvider;
        this.family = family;
    }

    /** Whether a Flyover socket serves this channel. */
    public boolean isOffloaded() {
        return !parts.isEmpty();
    }

    /** Whether the channel is entirely the kernel's. */
    public boolean isKernel() {
        return delegateOnly;
    }

    /** Whether a kernel socket (delegate or shadow) serves this channel too. */
    public boolean hasKernelSocket() {
        return kernel != null;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private <E extends IOException> E kernelFailed(E e) {
        if (e instanceof AsynchronousCloseException) {
            closeQuietly();
        }
        return e;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // closing after a failure
        }
    }

    // --- options and addresses ------------------------------------------------------------------

    @Override
    public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
        OptionValues.checkName(OptionTable.datagram(), name, value);
        synchronized (stateLock) {
            ensureOpen();
            if (delegateOnly) {
                kernel.setOption(name, value);
                return this;
            }
            options.set(name, value);
            lastTarget = null;
            if (kernel != null) {
                kernel.setOption(name, value);
            }
            for (Part p : parts) {
                p.runtime().lock();
                try {
                    applyTo(p.socket());
                } finally {
                    p.runtime().unlock();
                }
            }
        }
        return this;
    }

    /** The options, set before or after bind, onto a stack socket: Linux applies each at once. */
    private void applyTo(UdpSocket s) {
        s.setReuseAddress(options.get(StandardSocketOptions.SO_REUSEADDR));
        s.setReusePort(options.reusePort());
        s.setBroadcast(options.get(StandardSocketOptions.SO_BROADCAST));
        s.setMulticastLoop(options.get(StandardSocketOptions.IP_MULTICAST_LOOP));
        Integer tos = options.get(StandardSocketOptions.IP_TOS);
        s.setTrafficClass(tos == null ? 0 : tos);
        Integer ttl = options.get(StandardSocketOptions.IP_MULTICAST_TTL);
        s.setMulticastTtl(ttl == null ? 1 : ttl);
        s.setDontFragment(Boolean.TRUE.equals(options.get(jdk.net.ExtendedSocketOptions.IP_DONTFRAGMENT)));
        if (options.isSet(StandardSocketOptions.SO_RCVBUF)) {
            // Queued datagrams stay; a smaller size admits new ones only once the queue is below it.
            s.setReceiveBufferSize(Math.max(options.get(StandardSocketOptions.SO_RCVBUF), MIN_RECEIVE_BUFFER));
        }
    }

    /** The smallest receive queue SO_RCVBUF sets (Linux's SOCK_MIN_RCVBUF is of this order). */
    private static final int MIN_RECEIVE_BUFFER = 4096;

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        OptionValues.checkName(OptionTable.datagram(), name);
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
        return OptionTable.datagram().supported;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (delegateOnly) {
                return kernel.getLocalAddress();
            }
            return localAddress;
        }
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            return remoteAddress;
        }
    }

    InetSocketAddress localAddressOrNull() {
        synchronized (stateLock) {
            if (delegateOnly) {
                try {
                    return (InetSocketAddress) kernel.getLocalAddress();
                } catch (IOException e) {
                    return null;
                }
            }
            return localAddress;
        }
    }

    InetSocketAddress remoteAddressOrNull() {
        return remoteAddress;
    }

    ProtocolFamily family() {
        return family;
    }

    // --- bind -----------------------------------------------------------------------------------

    @Override
    public DatagramChannel bind(SocketAddress local) throws IOException {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                synchronized (stateLock) {
                    ensureOpen();
                    if (localAddress != null || delegateOnly) {
                        throw new AlreadyBoundException();
                    }
                    bindInternal(local);
                    OffloadPath path = delegateOnly ? OffloadPath.KERNEL : OffloadPath.OFFLOAD;
                    network.counters().decided(SocketRole.UDP_RECEIVER, path);
                    countOpened(path);
                }
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
        attachKeys();
        return this;
    }

    /** Binds on every stack serving the address and, when the kernel can, in the kernel too. */
    private void bindInternal(SocketAddress local) throws IOException {
        InetSocketAddress isa = local == null
                ? new InetSocketAddress(Addresses.anyLocal(family), 0) : Addresses.check(local, family);
        InetAddress a = isa.getAddress();
        List<StackRuntime> stacks;
        if (a.isAnyLocalAddress()) {
            stacks = network.wildcard(SocketRole.UDP_RECEIVER, a, isa.getPort());
        } else {
            FlyoverNetwork.Route r = network.bound(SocketRole.UDP_RECEIVER, a, isa.getPort());
            stacks = r.offloaded() ? List.of(r.runtime()) : List.of();
        }
        DatagramChannel k = null;
        int port = isa.getPort();
        List<Part> opened = new ArrayList<>();
        try {
            if (stacks.isEmpty() || Waits.kernelHasAddress(a)) {
                k = kernelProvider.openDatagramChannel(family);
                options.applyTo(k);
                k.bind(isa);
                port = ((InetSocketAddress) k.getLocalAddress()).getPort();
            }
            IpAddress ip = IpAddress.of(a);
            for (StackRuntime rt : stacks) {
                Part p = open(rt);
                opened.add(p);
                rt.lock();
                try {
                    p.socket().bind(ip, port);
                    port = p.socket().localPort();
                    socketStats.put(p.socket(), rt.track(p.socket()));
                } finally {
                    rt.unlock();
                }
                network.listeners().add(rt, ListenerDirectory.Protocol.UDP, ip, port);
                inDirectory.add(p.socket());
            }
        } catch (IOException | RuntimeException e) {
            for (Part p : opened) {
                closePart(p);
            }
            if (k != null) {
                k.close();
            }
            throw e;
        }
        delegateOnly = stacks.isEmpty();
        if (k != null) {
            k.configureBlocking(delegateOnly && isBlocking());
        }
        kernel = k;
        parts = List.copyOf(opened);
        localAddress = k != null ? (InetSocketAddress) k.getLocalAddress() : new InetSocketAddress(a, port);
        boundAddress = localAddress;
        eventSeq.incrementAndGet();
    }

    /** Counts this socket open in the process statistics, once (closed in {@link #implCloseSelectableChannel}). */
    private void countOpened(OffloadPath path) {
        if (openedOn == null) {
            openedOn = path;
            network.counters().socketOpened(path);
            FlyoverEvents.connectionOpened("UDP", localAddress, null, path, null, "bind");
        }
    }

    private Part open(StackRuntime rt) throws IOException {
        rt.lock();
        try {
            UdpSocket s = rt.stack().openUdp();
            applyTo(s);
            s.attachment = this;
            return new Part(rt, s);
        } finally {
            rt.unlock();
        }
    }

    private void closePart(Part p) {
        StackRuntime rt = p.runtime();
        rt.lock();
        try {
            p.socket().attachment = null;
            SocketStats st = socketStats.remove(p.socket());
            if (st != null) {
                st.close();
            }
            if (inDirectory.remove(p.socket())) {
                network.listeners().remove(rt, ListenerDirectory.Protocol.UDP,
                        new IpAddress(0, 0).equals(p.socket().localAddress()) ? null : p.socket().localAddress(),
                        p.socket().localPort());
            }
            p.socket().close();
        } finally {
            rt.unlock();
        }
    }

    /** An unbound channel binds to the wildcard address at its first send, receive or connect (as the JDK). */
    private void ensureBound() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (localAddress == null && !delegateOnly) {
                bindInternal(null);
            } else {
                return;
            }
        }
        attachKeys();
    }

    private void attachKeys() throws ClosedChannelException {
        keys.attachKernelAndSignal(kernel);
    }

    // --- connect --------------------------------------------------------------------------------

    @Override
    public boolean isConnected() {
        return remoteAddress != null;
    }

    @Override
    public DatagramChannel connect(SocketAddress remote) throws IOException {
        InetSocketAddress isa = Addresses.check(remote, family);
        readLock.lock();
        try {
            writeLock.lock();
            try {
                synchronized (stateLock) {
                    ensureOpen();
                    if (remoteAddress != null) {
                        throw new AlreadyConnectedException();
                    }
                    if (isa.getPort() == 0) {
                        throw new SocketException("Can't connect to port 0");
                    }
                    FlyoverNetwork.Route route = network.outgoing(SocketRole.UDP_CONNECT, isa.getAddress(), isa.getPort(),
                            ListenerDirectory.Protocol.UDP);
                    if (localAddress == null && !delegateOnly) {
                        if (route.offloaded()) {
                            connectFlyoverOnly(route.runtime(), isa);
                        } else {
                            becomeKernel();
                        }
                    }
                    if (delegateOnly) {
                        kernel.connect(isa);
                        network.counters().decided(SocketRole.UDP_CONNECT, OffloadPath.KERNEL);
                    } else {
                        connectBound(route, isa);
                    }
                    remoteAddress = isa;
                    eventSeq.incrementAndGet();
                }
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
        attachKeys();
        return this;
    }

    /**
     * An unbound channel connected over Flyover: one socket on the route's stack, no shadow. On a device
     * stack its port comes from the kernel, as XLIO takes it: a kernel socket bound to port 0 holds it
     * until the channel closes (never read), so no kernel socket on the address the interface shares
     * can draw the same port and lose its datagrams to Flyover's port steering.
     */
    private void connectFlyoverOnly(StackRuntime rt, InetSocketAddress isa) throws IOException {
        for (Part failed : parts) {
            closePart(failed); // left by an earlier connect that failed after this point
        }
        parts = List.of();
        if (portReservation != null) {
            portReservation.close();
            portReservation = null;
        }
        Part p = open(rt);
        parts = List.of(p);
        if (!rt.isLoopback()) {
            DatagramChannel reservation = kernelProvider.openDatagramChannel(family);
            try {
                reservation.bind(new InetSocketAddress(Addresses.anyLocal(family), 0));
                int port = ((InetSocketAddress) reservation.getLocalAddress()).getPort();
                rt.lock();
                try {
                    p.socket().bind(null, port);
                } finally {
                    rt.unlock();
                }
                portReservation = reservation;
            } catch (IOException | RuntimeException e) {
                reservation.close(); // the stack picks the port
            }
        }
        localAddress = null; // set by connectBound
    }

    /** The kernel socket holding the port of {@link #connectFlyoverOnly}, or null. */
    private DatagramChannel portReservation;

    private void becomeKernel() throws IOException {
        DatagramChannel k = kernelProvider.openDatagramChannel(family);
        options.applyTo(k);
        k.configureBlocking(isBlocking());
        kernel = k;
        delegateOnly = true;
    }

    private void connectBound(FlyoverNetwork.Route route, InetSocketAddress isa) throws IOException {
        Part chosen = null;
        for (Part p : parts) {
            if (route.runtime() == p.runtime()) {
                chosen = p;
            }
        }
        if (chosen == null && (kernel == null)) {
            chosen = parts.get(0); // bound to an address only a stack has: that stack it is
        }
        IpAddress remoteIp = IpAddress.of(isa.getAddress());
        remoteHi = remoteIp.hi();
        remoteLo = remoteIp.lo();
        if (chosen != null) {
            StackRuntime rt = chosen.runtime();
            rt.lock();
            try {
                chosen.socket().connect(remoteIp, isa.getPort());
                while (chosen.socket().hasDatagram()) {
                    chosen.socket().receive(receiveSegment(), 0, MAX_DATAGRAM); // only datagrams from now on
                }
                long[] src = new long[2];
                IpAddress bound = chosen.socket().localAddress();
                if (bound.isUnspecified() && rt.stack().ipOutput().selectSource(remoteIp.hi(), remoteIp.lo(), src)) {
                    localAddress = Addresses.socketAddress(src[0], src[1], chosen.socket().localPort());
                } else {
                    localAddress = new InetSocketAddress(bound.toInetAddress(), chosen.socket().localPort());
                }
                if (boundAddress == null) {
                    boundAddress = new InetSocketAddress(Addresses.anyLocal(family), chosen.socket().localPort());
                }
            } finally {
                rt.unlock();
            }
            connectedPart = chosen;
            network.counters().decided(SocketRole.UDP_CONNECT, OffloadPath.OFFLOAD);
        } else {
            kernel.connect(isa);
            localAddress = (InetSocketAddress) kernel.getLocalAddress();
            connectedPart = null;
            network.counters().decided(SocketRole.UDP_CONNECT, OffloadPath.KERNEL);
        }
    }

    @Override
    public DatagramChannel disconnect() throws IOException {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                synchronized (stateLock) {
                    if (!isOpen() || remoteAddress == null) {
                        return this;
                    }
                    if (delegateOnly) {
                        kernel.disconnect();
                    } else {
                        Part p = connectedPart;
                        if (p != null) {
                            p.runtime().lock();
                            try {
                                p.socket().disconnect();
                            } finally {
                                p.runtime().unlock();
                            }
                        } else if (kernel != null) {
                            kernel.disconnect();
                        }
                        connectedPart = null;
                        localAddress = boundAddress;
                    }
                    remoteAddress = null;
                    eventSeq.incrementAndGet();
                }
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
        return this;
    }

    // --- receive and read -----------------------------------------------------------------------

    private MemorySegment receiveSegment() {
        if (receiveSegment == null) {
            receiveScratch = ByteBuffer.allocateDirect(MAX_DATAGRAM);
            receiveSegment = MemorySegment.ofBuffer(receiveScratch);
        }
        return receiveSegment;
    }

    private MemorySegment sendSegment() {
        if (sendSegment == null) {
            sendScratch = ByteBuffer.allocateDirect(MAX_DATAGRAM);
            sendSegment = MemorySegment.ofBuffer(sendScratch);
        }
        return sendSegment;
    }

    @Override
    public SocketAddress receive(ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        ensureBound();
        if (delegateOnly) {
            try {
                return kernel.receive(dst);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        if (knownEmpty()) {
            return null;
        }
        return (SocketAddress) flyoverReceive(dst, null, 0, 0, false, 0);
    }

    /**
     * Whether a non-blocking receive would find nothing: no event, bind, connect, disconnect, mode
     * change or close since the last one found nothing (it marked {@link #eventSeq} quiet), no input
     * any of its stacks has not polled yet, and the kernel socket (a shadow) not due to be asked. Such a
     * receive answers without locks, as a busy-polling receiver must not pull the cache lines of the
     * thread delivering its datagrams. The kernel socket is asked on every {@code flyover.udp.kernel.poll.ratio}th
     * receive (100 by default), as XLIO polls the OS once per {@code XLIO_RX_UDP_POLL_OS_RATIO} offloaded polls,
     * and at least once a millisecond, so that a receiver polling on a slow timer is not a hundred calls late.
     */
    private boolean knownEmpty() {
        if (!eventSeq.isQuiet() || !isOpen() || (remoteAddress != null && connectedPart == null)) {
            return false; // a socket connected through the kernel only reads the kernel's
        }
        List<Part> ps = parts;
        for (int i = 0; i < ps.size(); i++) {
            if (ps.get(i).runtime().inputMayBePending()) {
                return false;
            }
        }
        int ratio = network.udpKernelPollRatio();
        if (kernel != null && ratio > 0) {
            long now = System.nanoTime();
            if (++quietReceives >= ratio || now - kernelAskedNanos >= KERNEL_ASK_MAX_NANOS) {
                quietReceives = 0; // a slow poller asks at least once a millisecond, not every 100 calls
                kernelAskedNanos = now;
                return false;
            }
        }
        return true;
    }

    /** When a quiet receive last let the kernel socket be asked (the receiving thread's own field). */
    private long kernelAskedNanos = System.nanoTime();

    /** The longest a quiet receive answers without asking the kernel socket. */
    private static final long KERNEL_ASK_MAX_NANOS = 1_000_000;

    /** A blocking receive with a timeout (the socket adaptor's {@code SO_TIMEOUT}); 0 for none. */
    SocketAddress blockingReceive(ByteBuffer dst, long timeoutNanos) throws IOException {
        if (!isBlocking()) {
            throw new IllegalBlockingModeException();
        }
        ensureBound();
        if (delegateOnly) {
            if (timeoutNanos == 0) {
                return receive(dst);
            }
            java.net.DatagramSocket ks = kernel.socket();
            ks.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutNanos / 1_000_000)));
            byte[] buf = new byte[dst.remaining()];
            java.net.DatagramPacket packet = new java.net.DatagramPacket(buf, buf.length);
            ks.receive(packet);
            dst.put(buf, 0, packet.getLength());
            return packet.getSocketAddress();
        }
        return (SocketAddress) flyoverReceive(dst, null, 0, 0, false, timeoutNanos);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        if (delegateOnly) {
            try {
                return kernel.read(dst);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        if (remoteAddress != null && knownEmpty()) {
            return 0;
        }
        readLock.lock(); // held across the call so that readCount is this read's
        try {
            flyoverReceive(dst, null, 0, 0, true, 0);
            return readCount;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        if (delegateOnly) {
            try {
                return kernel.read(dsts, offset, length);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        readLock.lock(); // held across the call so that readCount is this read's
        try {
            flyoverReceive(null, dsts, offset, length, true, 0);
            return readCount;
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Receive ({@code connectedRead} false: answers the sender or null) or read (true: answers the
     * byte count; requires a connected channel).
     */
    private Object flyoverReceive(ByteBuffer dst, ByteBuffer[] dsts, int offset, int length, boolean connectedRead,
            long timeoutNanos) throws IOException {
        readLock.lock();
        try {
            ensureOpen();
            boolean blocking = isBlocking();
            Object result = null;
            try {
                if (blocking) {
                    begin();
                }
                synchronized (stateLock) {
                    ensureOpen();
                    if (connectedRead && remoteAddress == null) {
                        throw new NotYetConnectedException();
                    }
                    if (blocking) {
                        reader = Thread.currentThread();
                    }
                }
                int seen = eventSeq.get();
                result = tryReceive(dst, dsts, offset, length, connectedRead, true);
                if (!blocking && result == null) {
                    eventSeq.markQuiet(seen);
                }
                if (blocking) {
                    long deadline = timeoutNanos == 0 ? 0 : System.nanoTime() + timeoutNanos;
                    long spinEnd = Waits.spinEnd(network.spinNanos());
                    while (result == null && isOpen()) {
                        if (!awaitReadable(seen, spinEnd, deadline)) {
                            throw new SocketTimeoutException("Receive timed out");
                        }
                        int now = eventSeq.get();
                        result = tryReceive(dst, dsts, offset, length, connectedRead, now != seen);
                        seen = now;
                    }
                }
            } finally {
                if (blocking) {
                    reader = null;
                    end(result != null);
                }
            }
            if (result == null && connectedRead) {
                readCount = 0;
                return READ;
            }
            return result;
        } finally {
            readLock.unlock();
        }
    }

    /** One attempt on the Flyover sockets (then the kernel's): the sender or byte count, or null for none. */
    private Object tryReceive(ByteBuffer dst, ByteBuffer[] dsts, int offset, int length, boolean connectedRead,
            boolean flyover) throws IOException {
        Part connected = connectedPart;
        boolean isConnected = remoteAddress != null;
        if (isConnected) {
            if (connected != null) {
                return flyover ? receiveFrom(connected, dst, dsts, offset, length, connectedRead) : null;
            }
            return kernelReceive(dst, dsts, offset, length, connectedRead);
        }
        List<Part> ps = flyover ? parts : List.of();
        int count = ps.size();
        for (int i = 0; i < count; i++) {
            Part p = ps.get((nextPart + i) % count);
            Object r = receiveFrom(p, dst, dsts, offset, length, connectedRead);
            if (r != null) {
                nextPart = (nextPart + i + 1) % count;
                return r;
            }
        }
        return kernelReceive(dst, dsts, offset, length, connectedRead);
    }

    private Object kernelReceive(ByteBuffer dst, ByteBuffer[] dsts, int offset, int length, boolean connectedRead)
            throws IOException {
        DatagramChannel k = kernel;
        if (k == null) {
            return null;
        }
        if (connectedRead) {
            int n = dst != null ? k.read(dst) : (int) k.read(dsts, offset, length);
            if (n == 0) {
                return null;
            }
            readCount = n;
            return READ;
        }
        return k.receive(dst); // an unconnected receive has one buffer: only connected reads scatter
    }

    private Object receiveFrom(Part p, ByteBuffer dst, ByteBuffer[] dsts, int offset, int length, boolean connectedRead)
            throws IOException {
        StackRuntime rt = p.runtime();
        MemorySegment seg = receiveSegment();
        int n;
        long hi;
        long lo;
        int port;
        rt.lock();
        try {
            if (!isOpen()) {
                return null;
            }
            n = p.socket().receive(seg, 0, MAX_DATAGRAM);
            if (n < 0) {
                rt.pollLocked();
                n = p.socket().receive(seg, 0, MAX_DATAGRAM);
            }
            if (n < 0) {
                return null;
            }
            hi = p.socket().sourceHi();
            lo = p.socket().sourceLo();
            port = p.socket().sourcePort();
        } finally {
            rt.unlock();
        }
        receiveScratch.clear().limit(n);
        int copied;
        if (dst != null) {
            copied = Math.min(n, dst.remaining()); // the rest of the datagram is discarded, as the kernel does
            receiveScratch.limit(copied);
            dst.put(receiveScratch);
        } else {
            copied = scatter(receiveScratch, dsts, offset, length);
        }
        if (connectedRead) {
            readCount = copied;
            return READ;
        }
        return sender(hi, lo, port);
    }

    private static int scatter(ByteBuffer from, ByteBuffer[] dsts, int offset, int length) {
        int total = 0;
        for (int i = offset; i < offset + length && from.hasRemaining(); i++) {
            ByteBuffer d = dsts[i];
            int take = Math.min(d.remaining(), from.remaining());
            int lim = from.limit();
            from.limit(from.position() + take);
            d.put(from);
            from.limit(lim);
            total += take;
        }
        return total;
    }

    /** The sender's address, reused while datagrams keep coming from the same one (as the JDK caches it). */
    private InetSocketAddress sender(long hi, long lo, int port) {
        InetSocketAddress last = lastSender;
        if (last != null && lastSenderPort == port && lastSenderHi == hi && lastSenderLo == lo) {
            return last;
        }
        InetSocketAddress s = Addresses.socketAddress(hi, lo, port);
        lastSender = s;
        lastSenderHi = hi;
        lastSenderLo = lo;
        lastSenderPort = port;
        return s;
    }

    /** Spin-polls, then waits in the kernel shadow's selector or parks; false when the deadline passed. */
    private boolean awaitReadable(int seen, long spinEnd, long deadline) throws IOException {
        long now = System.nanoTime();
        if (deadline != 0 && now - deadline >= 0) {
            return false;
        }
        if (now - spinEnd < 0) {
            network.pollAll();
            Thread.onSpinWait();
            return true;
        }
        DatagramChannel k = kernel;
        if (k == null || (remoteAddress != null && connectedPart != null)) {
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
            if (anyDatagram()) {
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

    private boolean anyDatagram() {
        for (Part p : parts) {
            p.runtime().lock();
            try {
                if (p.socket().hasDatagram()) {
                    return true;
                }
            } finally {
                p.runtime().unlock();
            }
        }
        return false;
    }

    private Selector waitSelector() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (waitSelector == null) {
                waitSelector = kernelProvider.openSelector();
                kernel.register(waitSelector, SelectionKey.OP_READ);
            }
            return waitSelector;
        }
    }

    // --- send and write -------------------------------------------------------------------------

    @Override
    public int send(ByteBuffer src, SocketAddress target) throws IOException {
        Objects.requireNonNull(src);
        InetSocketAddress isa = Addresses.check(target, family);
        ensureBound();
        if (delegateOnly) {
            countSender(OffloadPath.KERNEL);
            try {
                return kernel.send(src, isa);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        InetSocketAddress remote = remoteAddress;
        if (remote != null) {
            if (!target.equals(remote)) {
                throw new AlreadyConnectedException();
            }
            return (int) flyoverSend(src, null, 0, 0, null);
        }
        if (isa.getPort() == 0) {
            throw new SocketException("Can't send to port 0");
        }
        return (int) flyoverSend(src, null, 0, 0, isa);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        if (delegateOnly) {
            try {
                return kernel.write(src);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        if (remoteAddress == null) {
            ensureOpen();
            throw new NotYetConnectedException();
        }
        return (int) flyoverSend(src, null, 0, 0, null);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        if (delegateOnly) {
            try {
                return kernel.write(srcs, offset, length);
            } catch (IOException e) {
                throw kernelFailed(e);
            }
        }
        if (remoteAddress == null) {
            ensureOpen();
            throw new NotYetConnectedException();
        }
        return flyoverSend(null, srcs, offset, length, null);
    }

    /** Sends one datagram ({@code target} null: to the connected peer); blocking mode waits for buffer space. */
    private long flyoverSend(ByteBuffer src, ByteBuffer[] srcs, int offset, int length, InetSocketAddress target)
            throws IOException {
        writeLock.lock();
        try {
            ensureOpen();
            boolean blocking = isBlocking();
            long n = 0;
            boolean completed = false;
            try {
                if (blocking) {
                    begin();
                    synchronized (stateLock) {
                        ensureOpen();
                        writer = Thread.currentThread();
                    }
                }
                n = trySend(src, srcs, offset, length, target);
                if (blocking) {
                    long spinEnd = Waits.spinEnd(network.spinNanos());
                    while (n < 0 && isOpen()) {
                        // The pool's back-pressure ends as the stack transmits, which raises no socket
                        // event: look again at least every millisecond rather than park unbounded.
                        Waits.pause(this, network, null, spinEnd, System.nanoTime() + BACK_PRESSURE_RECHECK_NANOS);
                        n = trySend(src, srcs, offset, length, target);
                    }
                }
                completed = n >= 0;
            } finally {
                if (blocking) {
                    writer = null;
                    end(completed);
                }
            }
            return Math.max(n, 0);
        } finally {
            writeLock.unlock();
        }
    }

    /** One attempt: the bytes sent, or -1 when there is no buffer space now. */
    private long trySend(ByteBuffer src, ByteBuffer[] srcs, int offset, int length, InetSocketAddress target)
            throws IOException {
        Object path;
        long hi;
        long lo;
        int port;
        if (target == null) {
            Part p = connectedPart;
            path = p != null ? p : KERNEL;
            InetSocketAddress r = remoteAddress;
            if (r == null) {
                throw new NotYetConnectedException();
            }
            if (p == null) {
                return kernelSend(src, srcs, offset, length, null);
            }
            hi = remoteHi;
            lo = remoteLo;
            port = r.getPort();
        } else {
            path = pathTo(target);
            if (path == KERNEL) {
                countSender(OffloadPath.KERNEL);
                return kernelSend(src, srcs, offset, length, target);
            }
            countSender(OffloadPath.OFFLOAD);
            hi = lastTargetHi;
            lo = lastTargetLo;
            port = target.getPort();
        }
        Part p = (Part) path;
        MemorySegment seg = sendSegment();
        int len = gather(src, srcs, offset, length);
        StackRuntime rt = p.runtime();
        int n;
        rt.lock();
        try {
            if (!isOpen()) {
                return 0;
            }
            if (target == null) {
                n = p.socket().send(seg, 0, len);
            } else {
                n = p.socket().sendTo(seg, 0, len, hi, lo, port);
            }
            if (n == 0 && len > 0) {
                rt.pollLocked();
                n = target == null ? p.socket().send(seg, 0, len) : p.socket().sendTo(seg, 0, len, hi, lo, port);
            }
            if (n > 0 || len == 0) {
                rt.flushLocked(); // out now; on the loopback stack delivered, its receivers told, before send returns
            }
        } finally {
            rt.unlock();
        }
        if (n == 0 && len > 0) {
            return -1;
        }
        consume(src, srcs, offset, length, len);
        return len;
    }

    private long kernelSend(ByteBuffer src, ByteBuffer[] srcs, int offset, int length, InetSocketAddress target)
            throws IOException {
        DatagramChannel k = kernel;
        if (src == null) {
            int len = gather(null, srcs, offset, length);
            ByteBuffer copy = ByteBuffer.allocate(len);
            copy.put(sendScratch.clear().limit(len));
            copy.flip();
            int n = target == null ? k.write(copy) : k.send(copy, target);
            if (n == 0 && len > 0) {
                return -1;
            }
            consume(null, srcs, offset, length, n);
            return n;
        }
        int before = src.remaining();
        int n = target == null ? k.write(src) : k.send(src, target);
        return n == 0 && before > 0 ? -1 : n;
    }

    /** Copies the datagram into the send scratch buffer without moving the sources; returns its length. */
    private int gather(ByteBuffer src, ByteBuffer[] srcs, int offset, int length) throws IOException {
        sendSegment();
        sendScratch.clear();
        if (src != null) {
            if (src.remaining() > MAX_DATAGRAM) {
                throw new SocketException("Message too long");
            }
            int pos = src.position();
            sendScratch.put(src);
            src.position(pos); // moved only once the datagram is sent
        } else {
            for (int i = offset; i < offset + length; i++) {
                if (srcs[i].remaining() > sendScratch.remaining()) {
                    throw new SocketException("Message too long");
                }
                int pos = srcs[i].position();
                sendScratch.put(srcs[i]);
                srcs[i].position(pos);
            }
        }
        return sendScratch.position();
    }

    private static void consume(ByteBuffer src, ByteBuffer[] srcs, int offset, int length, int n) {
        if (src != null) {
            src.position(src.position() + n);
            return;
        }
        for (int i = offset; i < offset + length && n > 0; i++) {
            int take = Math.min(n, srcs[i].remaining());
            srcs[i].position(srcs[i].position() + take);
            n -= take;
        }
    }

    /** The socket part a datagram to {@code target} leaves through (cached for the last target), or KERNEL. */
    private Object pathTo(InetSocketAddress target) {
        if (target.equals(lastTarget)) {
            return lastTargetPath;
        }
        Object path;
        Part chosen = null;
        NetworkInterface multicastIf = null;
        if (target.getAddress().isMulticastAddress()) {
            synchronized (stateLock) {
                multicastIf = options.get(StandardSocketOptions.IP_MULTICAST_IF);
            }
        }
        if (multicastIf != null) {
            // IP_MULTICAST_IF names the interface multicast leaves through: its stack, or the kernel
            for (Part p : parts) {
                if (p.runtime().interfaceName().equals(multicastIf.getName())
                        || p.runtime().isLoopback() && multicastIf.getName().equals("lo")) {
                    chosen = p;
                }
            }
        } else {
            FlyoverNetwork.Route route = network.outgoing(SocketRole.UDP_SENDER, target.getAddress(), target.getPort(),
                    ListenerDirectory.Protocol.UDP);
            for (Part p : parts) {
                if (route.runtime() == p.runtime()) {
                    chosen = p;
                }
            }
        }
        if (chosen == null && kernel == null && !parts.isEmpty()) {
            chosen = parts.get(0);
        }
        path = chosen != null ? chosen : KERNEL;
        IpAddress ip = IpAddress.of(target.getAddress());
        lastTargetHi = ip.hi();
        lastTargetLo = ip.lo();
        lastTarget = target;
        lastTargetPath = path;
        return path;
    }

    private void countSender(OffloadPath path) {
        if (!countedSender) {
            countedSender = true;
            network.counters().decided(SocketRole.UDP_SENDER, path);
        }
    }

    // --- multicast ------------------------------------------------------------------------------

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf) throws IOException {
        return innerJoin(group, interf, null);
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) throws IOException {
        Objects.requireNonNull(source);
        return innerJoin(group, interf, source);
    }

    private MembershipKey innerJoin(InetAddress group, NetworkInterface interf, InetAddress source) throws IOException {
        Objects.requireNonNull(interf);
        if (!group.isMulticastAddress()) {
            throw new IllegalArgumentException("Group not a multicast address");
        }
        if (group instanceof Inet6Address && family != StandardProtocolFamily.INET6) {
            throw new IllegalArgumentException("Only IPv6 sockets can join IPv6 multicast group");
        }
        if (!(group instanceof Inet4Address) && !(group instanceof Inet6Address)) {
            throw new IllegalArgumentException("Address type not supported");
        }
        if (source != null) {
            if (source.isAnyLocalAddress()) {
                throw new IllegalArgumentException("Source address is a wildcard address");
            }
            if (source.isMulticastAddress()) {
                throw new IllegalArgumentException("Source address is multicast address");
            }
            if (source.getClass() != group.getClass()) {
                throw new IllegalArgumentException("Source address is different type to group");
            }
        }
        ensureBound();
        if (delegateOnly) {
            MembershipKey k = source == null ? kernel.join(group, interf) : kernel.join(group, interf, source);
            return register(new FlyoverMembershipKey(this, group, interf, source, null, k));
        }
        synchronized (stateLock) {
            ensureOpen();
            for (FlyoverMembershipKey m : memberships) {
                if (m.isValid() && m.group().equals(group) && m.networkInterface().equals(interf)
                        && Objects.equals(m.sourceAddress(), source)) {
                    return m;
                }
            }
            Part part = null;
            for (Part p : parts) {
                if (p.runtime().interfaceName().equals(interf.getName()) || p.runtime().isLoopback() && interf.isLoopback()) {
                    part = p;
                }
            }
            if (part == null) {
                if (kernel == null) {
                    throw new SocketException("No Flyover stack of this socket serves " + interf.getName());
                }
                MembershipKey k = source == null ? kernel.join(group, interf) : kernel.join(group, interf, source);
                FlyoverMembershipKey m = new FlyoverMembershipKey(this, group, interf, source, null, k);
                memberships.add(m);
                network.counters().decided(SocketRole.UDP_RECEIVER, OffloadPath.KERNEL);
                return m;
            }
            part.runtime().lock();
            try {
                if (source == null) {
                    part.socket().join(IpAddress.of(group));
                } else {
                    part.socket().join(IpAddress.of(group), IpAddress.of(source));
                }
            } finally {
                part.runtime().unlock();
            }
            FlyoverMembershipKey m = new FlyoverMembershipKey(this, group, interf, source, part, null);
            memberships.add(m);
            network.counters().decided(SocketRole.UDP_RECEIVER, OffloadPath.OFFLOAD);
            return m;
        }
    }

    /** {@code DatagramSocket.leaveGroup}: drops the any-source membership of {@code group} on {@code interf}. */
    void leave(InetAddress group, NetworkInterface interf) throws SocketException {
        FlyoverMembershipKey found = null;
        synchronized (stateLock) {
            for (FlyoverMembershipKey m : memberships) {
                if (m.isValid() && m.group().equals(group) && m.networkInterface().equals(interf) && m.sourceAddress() == null) {
                    found = m;
                }
            }
        }
        if (found == null) {
            throw new SocketException("Not a member of " + group.getHostAddress());
        }
        found.drop();
    }

    private MembershipKey register(FlyoverMembershipKey m) {
        synchronized (stateLock) {
            memberships.add(m);
        }
        return m;
    }

    /** A membership key was dropped: leave the group (or its one source) on its Flyover socket. */
    void drop(FlyoverMembershipKey m, Part part) {
        synchronized (stateLock) {
            memberships.remove(m);
            if (part != null && isOpen()) {
                part.runtime().lock();
                try {
                    if (m.sourceAddress() == null) {
                        part.socket().leave(IpAddress.of(m.group()));
                    } else {
                        part.socket().leave(IpAddress.of(m.group()), IpAddress.of(m.sourceAddress()));
                    }
                } finally {
                    part.runtime().unlock();
                }
            }
        }
    }

    /** {@code MembershipKey.block} of an any-source membership on a Flyover socket. */
    void block(FlyoverMembershipKey m, Part part, InetAddress source) throws IOException {
        synchronized (stateLock) {
            if (!m.isValid()) {
                throw new IllegalStateException("key is no longer valid");
            }
            part.runtime().lock();
            try {
                part.socket().block(IpAddress.of(m.group()), IpAddress.of(source));
            } finally {
                part.runtime().unlock();
            }
        }
    }

    /** {@code MembershipKey.unblock} on a Flyover socket. */
    void unblock(FlyoverMembershipKey m, Part part, InetAddress source) {
        synchronized (stateLock) {
            if (!m.isValid()) {
                throw new IllegalStateException("key is no longer valid");
            }
            part.runtime().lock();
            try {
                part.socket().unblock(IpAddress.of(m.group()), IpAddress.of(source));
            } finally {
                part.runtime().unlock();
            }
        }
    }

    // --- close and blocking mode ----------------------------------------------------------------

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        List<Part> ps;
        DatagramChannel k;
        Selector sel;
        List<FlyoverMembershipKey> ms;
        synchronized (stateLock) {
            ps = parts;
            parts = List.of();
            k = kernel;
            sel = waitSelector;
            waitSelector = null;
            ms = List.copyOf(memberships);
            memberships.clear();
        }
        for (FlyoverMembershipKey m : ms) {
            m.invalidate();
        }
        for (Part p : ps) {
            closePart(p);
        }
        OffloadPath was = openedOn;
        if (was != null) {
            openedOn = null;
            network.counters().socketClosed(was);
            FlyoverEvents.connectionClosed("UDP", boundAddress, null, was, null, "closed", 0, 0, 0);
        }
        eventSeq.incrementAndGet();
        LockSupport.unpark(reader);
        LockSupport.unpark(writer);
        if (sel != null) {
            sel.close();
        }
        if (k != null) {
            k.close();
        }
        DatagramChannel r;
        synchronized (stateLock) {
            r = portReservation;
            portReservation = null;
        }
        if (r != null) {
            r.close();
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
                    if (delegateOnly) {
                        if (block) {
                            keys.detachKernel();
                        }
                        kernel.configureBlocking(block);
                    }
                }
                eventSeq.incrementAndGet(); // a receive's quiet mark holds for the non-blocking mode it was made in
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
        if (delegateOnly || interest == 0 || !isOpen()) {
            return 0;
        }
        int ops = 0;
        if ((interest & SelectionKey.OP_WRITE) != 0 && (kernel == null || !parts.isEmpty())) {
            ops |= SelectionKey.OP_WRITE; // UDP can always send (back-pressure is brief)
        }
        if ((interest & SelectionKey.OP_READ) != 0) {
            Part connected = connectedPart;
            if (remoteAddress != null && connected == null) {
                return ops; // connected through the kernel: its readiness comes from the inner selector
            }
            for (Part p : parts) {
                if (connected != null && p != connected) {
                    continue;
                }
                p.runtime().lock();
                try {
                    if (p.socket().hasDatagram()) {
                        ops |= SelectionKey.OP_READ;
                        break;
                    }
                } finally {
                    p.runtime().unlock();
                }
            }
        }
        return ops;
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
    public void onKernelReady(int ops) {
        if ((ops & SelectionKey.OP_READ) != 0) {
            eventSeq.incrementAndGet(); // the kernel socket has a datagram: no quiet answers until it is read
        }
    }

    @Override
    public void onStackEvent(int events) {
        if ((events & READABLE) == 0) {
            return;
        }
        eventSeq.incrementAndGet();
        Waits.wake(reader, waitingInKernel, waitSelector);
        keys.signalReady(SelectionKey.OP_READ);
    }

    // --- adaptor and description ----------------------------------------------------------------

    @Override
    public DatagramSocket socket() {
        synchronized (stateLock) {
            if (socket == null) {
                socket = FlyoverDatagramSocketAdaptor.create(this);
            }
            return socket;
        }
    }

    /** The kernel channel, when the channel is entirely the kernel's. */
    DatagramChannel kernelChannel() {
        return delegateOnly ? kernel : null;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSuperclass().getName()).append('[');
        if (!isOpen()) {
            sb.append("closed");
        } else {
            InetSocketAddress l = localAddressOrNull();
            sb.append(l == null ? "unbound" : l.toString());
            if (remoteAddress != null) {
                sb.append(" connected=").append(remoteAddress);
            }
            sb.append(isOffloaded() ? " flyover" : delegateOnly ? " kernel" : "");
        }
        return sb.append(']').toString();
    }
}
