package io.flyover.provider.net;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@code java.net.DatagramSocket} / {@code MulticastSocket} implementation over a {@link DatagramChannel} of
 * any {@link SelectorProvider}. Since JDK 15 the JDK's own {@code DatagramSocket} is
 * {@code sun.nio.ch.DatagramSocketAdaptor} over a kernel {@code DatagramChannel}; this reproduces it:
 * "Receive timed out" after {@code SO_TIMEOUT}, truncation to the packet's buffer length, a virtual thread's
 * interrupt closing the socket ("Closed by interrupt"), "Already a member of group" / "Not a member of group",
 * a join without an interface letting the kernel choose, and the legacy loopback-mode option
 * ({@code IP_MULTICAST_LOOP} set to {@code true} means loopback <em>disabled</em>).
 *
 * <p>{@code peek}/{@code peekData}, which {@code java.net.DatagramSocket} itself no longer calls, hold one
 * datagram back for the next {@code receive}; {@code peek(InetAddress)} cannot fill in its (immutable)
 * argument and only returns the port.
 */
public final class ChannelDatagramSocketImpl extends DatagramSocketImpl {
    /** The largest UDP payload: a datagram held back by {@code peekData} fits. */
    private static final int MAX_DATAGRAM = 65_535;

    private final SelectorProvider provider;
    private final Object stateLock = new Object();
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final ReentrantLock sendLock = new ReentrantLock();
    private final List<MembershipKey> memberships = new ArrayList<>();

    private DatagramChannel channel;
    private ReadinessWaiter receiveWaiter;
    private ReadinessWaiter sendWaiter;
    private Cleaner.Cleanable cleanable;
    private volatile boolean closed;
    private volatile int timeoutMillis;
    private InetAddress outgoingAddress;

    // Guarded by receiveLock.
    private ByteBuffer heldBack;
    private InetSocketAddress heldBackSender;
    private byte[] receiveArray;
    private ByteBuffer receiveView;
    // Guarded by sendLock.
    private byte[] sendArray;
    private ByteBuffer sendView;

    /** A datagram socket whose channel will come from {@code provider} when {@code java.net} creates it. */
    public ChannelDatagramSocketImpl(SelectorProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /** The channel under this socket ({@code null} before creation); for tests and diagnostics. */
    public DatagramChannel channel() {
        synchronized (stateLock) {
            return channel;
        }
    }

    @Override
    protected void create() throws SocketException {
        synchronized (stateLock) {
            if (channel != null) {
                throw new SocketException("Already created");
            }
            try {
                DatagramChannel opened = provider.openDatagramChannel();
                try {
                    opened.configureBlocking(false);
                } catch (IOException | RuntimeException e) {
                    opened.close();
                    throw e;
                }
                channel = opened;
                receiveWaiter = new ReadinessWaiter(opened);
                sendWaiter = new ReadinessWaiter(opened);
                cleanable = SocketCleaner.register(this, opened, receiveWaiter, sendWaiter);
            } catch (IOException e) {
                throw SocketErrors.asSocketException(e);
            }
        }
    }

    @Override
    protected void bind(int port, InetAddress address) throws SocketException {
        synchronized (stateLock) {
            DatagramChannel ch = openChannel();
            try {
                ch.bind(new InetSocketAddress(address, port));
                localPort = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            } catch (IOException e) {
                throw SocketErrors.asSocketException(e);
            }
        }
    }

    @Override
    protected void connect(InetAddress address, int port) throws SocketException {
        synchronized (stateLock) {
            DatagramChannel ch = openChannel();
            try {
                ch.connect(new InetSocketAddress(address, port));
            } catch (ClosedChannelException e) {
                throw SocketErrors.closed();
            } catch (IOException e) {
                throw SocketErrors.asSocketException(e);
            }
        }
    }

    @Override
    protected void disconnect() {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            try {
                channel.disconnect();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---- send, receive ----

    @Override
    protected void send(DatagramPacket packet) throws IOException {
        sendLock.lock();
        try {
            DatagramChannel ch = openChannel();
            byte[] data = packet.getData();
            if (data != sendArray) {
                sendArray = data;
                sendView = ByteBuffer.wrap(data);
            }
            int offset = packet.getOffset();
            ByteBuffer src = sendView.limit(offset + packet.getLength()).position(offset);
            SocketAddress target = packet.getSocketAddress();
            while (ch.send(src, target) == 0 && src.hasRemaining()) {
                sendWaiter.await(SelectionKey.OP_WRITE, 0);
            }
        } catch (InterruptedIOException e) {
            throw closedByInterrupt();
        } catch (ClosedChannelException e) {
            throw SocketErrors.closed();
        } finally {
            sendLock.unlock();
        }
    }

    @Override
    protected void receive(DatagramPacket packet) throws IOException {
        lockForReceive();
        try {
            int capacity = JavaNetAccess.receiveCapacity(packet);
            int offset = packet.getOffset();
            if (heldBack != null) {
                int length = Math.min(capacity, heldBack.remaining());
                heldBack.get(packet.getData(), offset, length);
                JavaNetAccess.setReceivedLength(packet, length);
                packet.setSocketAddress(heldBackSender);
                heldBack = null;
                heldBackSender = null;
                return;
            }
            byte[] data = packet.getData();
            if (data != receiveArray) {
                receiveArray = data;
                receiveView = ByteBuffer.wrap(data);
            }
            ByteBuffer dst = receiveView.limit(offset + capacity).position(offset);
            SocketAddress sender = receiveLocked(dst);
            JavaNetAccess.setReceivedLength(packet, dst.position() - offset);
            packet.setSocketAddress(sender);
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    protected int peekData(DatagramPacket packet) throws IOException {
        lockForReceive();
        try {
            if (heldBack == null) {
                ByteBuffer datagram = ByteBuffer.allocate(MAX_DATAGRAM);
                heldBackSender = (InetSocketAddress) receiveLocked(datagram);
                heldBack = datagram.flip();
            }
            int length = Math.min(JavaNetAccess.receiveCapacity(packet), heldBack.remaining());
            heldBack.get(heldBack.position(), packet.getData(), packet.getOffset(), length);
            JavaNetAccess.setReceivedLength(packet, length);
            packet.setSocketAddress(heldBackSender);
            return heldBackSender.getPort();
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    protected int peek(InetAddress ignored) throws IOException {
        return peekData(new DatagramPacket(new byte[1], 1));
    }

    private void lockForReceive() throws SocketTimeoutException {
        int timeout = timeoutMillis;
        if (timeout > 0) {
            if (SocketErrors.tryLock(receiveLock, timeout) <= 0) {
                throw new SocketTimeoutException("Receive timed out");
            }
        } else {
            receiveLock.lock();
        }
    }

    /** Receives one datagram into {@code dst} (truncating it to fit), waiting up to {@code SO_TIMEOUT}. */
    private SocketAddress receiveLocked(ByteBuffer dst) throws IOException {
        int timeout = timeoutMillis;
        long timeoutNanos = timeout * 1_000_000L;
        long start = System.nanoTime();
        try {
            DatagramChannel ch = openChannel();
            SocketAddress sender = ch.receive(dst);
            while (sender == null) {
                long remaining = 0;
                if (timeout > 0) {
                    remaining = timeoutNanos - (System.nanoTime() - start);
                    if (remaining <= 0) {
                        throw new SocketTimeoutException("Receive timed out");
                    }
                }
                if (!receiveWaiter.await(SelectionKey.OP_READ, remaining)) {
                    throw new SocketTimeoutException("Receive timed out");
                }
                sender = ch.receive(dst);
            }
            return sender;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (InterruptedIOException e) {
            throw closedByInterrupt();
        } catch (ClosedChannelException e) {
            throw SocketErrors.closed();
        }
    }

    /** {@code DatagramSocketAdaptor}: an interrupted virtual thread closes the socket. */
    private SocketException closedByInterrupt() {
        close();
        return new SocketException("Closed by interrupt");
    }

    // ---- multicast ----

    @Override
    @SuppressWarnings("removal")
    protected void setTTL(byte ttl) throws IOException {
        setTimeToLive(Byte.toUnsignedInt(ttl));
    }

    @Override
    @SuppressWarnings("removal")
    protected byte getTTL() throws IOException {
        return (byte) getTimeToLive();
    }

    @Override
    protected void setTimeToLive(int ttl) throws IOException {
        setChannelOption(StandardSocketOptions.IP_MULTICAST_TTL, ttl);
    }

    @Override
    protected int getTimeToLive() throws IOException {
        return channelOption(StandardSocketOptions.IP_MULTICAST_TTL);
    }

    @Override
    protected void join(InetAddress group) throws IOException {
        joinGroup(new InetSocketAddress(group, 0), null);
    }

    @Override
    protected void leave(InetAddress group) throws IOException {
        leaveGroup(new InetSocketAddress(group, 0), null);
    }

    @Override
    protected void joinGroup(SocketAddress groupAddress, NetworkInterface netIf) throws IOException {
        InetAddress group = ((InetSocketAddress) groupAddress).getAddress();
        NetworkInterface ni = netIf != null ? netIf : defaultInterface();
        synchronized (stateLock) {
            DatagramChannel ch = openChannel();
            if (membership(group, ni) != null) {
                throw new SocketException("Already a member of group");
            }
            memberships.add(ch.join(group, ni));
        }
    }

    @Override
    protected void leaveGroup(SocketAddress groupAddress, NetworkInterface netIf) throws IOException {
        InetAddress group = ((InetSocketAddress) groupAddress).getAddress();
        NetworkInterface ni = netIf != null ? netIf : defaultInterface();
        synchronized (stateLock) {
            openChannel();
            MembershipKey key = membership(group, ni);
            if (key == null) {
                throw new SocketException("Not a member of group");
            }
            key.drop();
            memberships.remove(key);
        }
    }

    private MembershipKey membership(InetAddress group, NetworkInterface ni) {
        for (Iterator<MembershipKey> it = memberships.iterator(); it.hasNext(); ) {
            MembershipKey key = it.next();
            if (!key.isValid()) {
                it.remove();
            } else if (key.group().equals(group) && key.networkInterface().equals(ni) && key.sourceAddress() == null) {
                return key;
            }
        }
        return null;
    }

    /** {@code DatagramSocketAdaptor.defaultNetworkInterface}: the outgoing interface, else "any" (index 0). */
    private NetworkInterface defaultInterface() throws IOException {
        NetworkInterface outgoing = channelOption(StandardSocketOptions.IP_MULTICAST_IF);
        if (outgoing != null) {
            return outgoing;
        }
        NetworkInterface any = JavaNetAccess.anyInterface();
        if (any != null) {
            return any;
        }
        // Without java.net access: the first interface that is up and takes multicast.
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (ni.isUp() && ni.supportsMulticast()) {
                return ni;
            }
        }
        throw new SocketException("No network interface supports multicast");
    }

    // ---- close ----

    @Override
    protected void close() {
        Cleaner.Cleanable toClean;
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            toClean = cleanable;
        }
        if (toClean == null) {
            return;
        }
        try {
            SocketCleaner.clean(toClean);
        } catch (IOException ignored) {
            // DatagramSocketImpl.close declares nothing; a datagram channel's close has nothing to flush
        }
    }

    // ---- options ----

    @Override
    protected Set<SocketOption<?>> supportedOptions() {
        DatagramChannel ch = channel();
        return ch != null ? ch.supportedOptions() : Set.of();
    }

    @Override
    protected <T> void setOption(SocketOption<T> option, T value) throws IOException {
        setChannelOption(option, value);
    }

    @Override
    protected <T> T getOption(SocketOption<T> option) throws IOException {
        return channelOption(option);
    }

    @Override
    public void setOption(int id, Object value) throws SocketException {
        openChannel();
        switch (id) {
            case SO_TIMEOUT -> {
                int millis = LegacyOptionValues.intValue(value, "SO_TIMEOUT");
                if (millis < 0) {
                    throw new IllegalArgumentException("timeout < 0");
                }
                timeoutMillis = millis;
            }
            case SO_SNDBUF -> setChannelOption(StandardSocketOptions.SO_SNDBUF, LegacyOptionValues.intValue(value, "SO_SNDBUF"));
            case SO_RCVBUF -> setChannelOption(StandardSocketOptions.SO_RCVBUF, LegacyOptionValues.intValue(value, "SO_RCVBUF"));
            case SO_REUSEADDR -> setChannelOption(StandardSocketOptions.SO_REUSEADDR, LegacyOptionValues.booleanValue(value, "SO_REUSEADDR"));
            case SO_REUSEPORT -> {
                if (!supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    throw new SocketException("SO_REUSEPORT not supported");
                }
                setChannelOption(StandardSocketOptions.SO_REUSEPORT, LegacyOptionValues.booleanValue(value, "SO_REUSEPORT"));
            }
            case SO_BROADCAST -> setChannelOption(StandardSocketOptions.SO_BROADCAST, LegacyOptionValues.booleanValue(value, "SO_BROADCAST"));
            case IP_TOS -> setChannelOption(StandardSocketOptions.IP_TOS, LegacyOptionValues.intValue(value, "IP_TOS"));
            case IP_MULTICAST_LOOP -> {
                boolean loopbackDisabled = LegacyOptionValues.booleanValue(value, "IP_MULTICAST_LOOP");
                setChannelOption(StandardSocketOptions.IP_MULTICAST_LOOP, !loopbackDisabled);
            }
            case IP_MULTICAST_IF -> {
                if (!(value instanceof InetAddress interfaceAddress)) {
                    throw new SocketException("Bad value for IP_MULTICAST_IF");
                }
                NetworkInterface ni = NetworkInterface.getByInetAddress(interfaceAddress);
                if (ni == null) {
                    throw new SocketException("No network interface found with address " + interfaceAddress.getHostAddress());
                }
                setChannelOption(StandardSocketOptions.IP_MULTICAST_IF, ni);
                synchronized (stateLock) {
                    outgoingAddress = interfaceAddress;
                }
            }
            case IP_MULTICAST_IF2 -> {
                if (!(value instanceof NetworkInterface ni)) {
                    throw new SocketException("Bad value for IP_MULTICAST_IF2");
                }
                setChannelOption(StandardSocketOptions.IP_MULTICAST_IF, ni);
                synchronized (stateLock) {
                    outgoingAddress = null;
                }
            }
            default -> throw new SocketException("Unknown option " + id);
        }
    }

    @Override
    public Object getOption(int id) throws SocketException {
        openChannel();
        return switch (id) {
            case SO_TIMEOUT -> timeoutMillis;
            case SO_SNDBUF -> channelOption(StandardSocketOptions.SO_SNDBUF);
            case SO_RCVBUF -> channelOption(StandardSocketOptions.SO_RCVBUF);
            case SO_REUSEADDR -> channelOption(StandardSocketOptions.SO_REUSEADDR);
            case SO_REUSEPORT -> {
                if (!supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    throw new SocketException("SO_REUSEPORT not supported");
                }
                yield channelOption(StandardSocketOptions.SO_REUSEPORT);
            }
            case SO_BROADCAST -> channelOption(StandardSocketOptions.SO_BROADCAST);
            case IP_TOS -> channelOption(StandardSocketOptions.IP_TOS);
            case IP_MULTICAST_LOOP -> !channelOption(StandardSocketOptions.IP_MULTICAST_LOOP);
            case IP_MULTICAST_IF -> outgoingInterfaceAddress();
            case IP_MULTICAST_IF2 -> channelOption(StandardSocketOptions.IP_MULTICAST_IF);
            case SO_BINDADDR -> {
                try {
                    InetSocketAddress local = (InetSocketAddress) openChannel().getLocalAddress();
                    yield local != null ? local.getAddress() : new InetSocketAddress(0).getAddress();
                } catch (ClosedChannelException e) {
                    throw SocketErrors.closed();
                } catch (IOException e) {
                    throw SocketErrors.asSocketException(e);
                }
            }
            default -> throw new SocketException("Unknown option " + id);
        };
    }

    /** {@code MulticastSocket.getInterface}: the address given to {@code setInterface}, else one of the interface's. */
    private InetAddress outgoingInterfaceAddress() throws SocketException {
        NetworkInterface ni = channelOption(StandardSocketOptions.IP_MULTICAST_IF);
        InetAddress any = new InetSocketAddress(0).getAddress();
        if (ni == null) {
            return any;
        }
        synchronized (stateLock) {
            if (outgoingAddress != null && Collections.list(ni.getInetAddresses()).contains(outgoingAddress)) {
                return outgoingAddress;
            }
        }
        return ni.inetAddresses().findFirst().orElse(any);
    }

    private <T> void setChannelOption(SocketOption<T> option, T value) throws SocketException {
        try {
            openChannel().setOption(option, value);
        } catch (ClosedChannelException e) {
            throw SocketErrors.closed();
        } catch (IOException e) {
            throw SocketErrors.asSocketException(e);
        }
    }

    private <T> T channelOption(SocketOption<T> option) throws SocketException {
        try {
            return openChannel().getOption(option);
        } catch (ClosedChannelException e) {
            throw SocketErrors.closed();
        } catch (IOException e) {
            throw SocketErrors.asSocketException(e);
        }
    }

    private DatagramChannel openChannel() throws SocketException {
        synchronized (stateLock) {
            if (closed) {
                throw SocketErrors.closed();
            }
            if (channel == null) {
                throw new SocketException("Socket not created");
            }
            return channel;
        }
    }
}
