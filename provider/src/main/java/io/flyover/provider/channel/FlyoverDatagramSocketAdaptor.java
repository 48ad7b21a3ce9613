package io.flyover.provider.channel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.util.Set;

/** The {@link DatagramSocket} face of a {@link FlyoverDatagramChannel}, as {@code sun.nio.ch.DatagramSocketAdaptor}. */
final class FlyoverDatagramSocketAdaptor extends DatagramSocket {
    private final FlyoverDatagramChannel dc;
    private volatile int timeout;

    private FlyoverDatagramSocketAdaptor(FlyoverDatagramChannel dc) {
        super(new NoDatagramSocketImpl());
        this.dc = dc;
    }

    static DatagramSocket create(FlyoverDatagramChannel dc) {
        return new FlyoverDatagramSocketAdaptor(dc);
    }

    private static InetSocketAddress asInet(SocketAddress sa) {
        if (!(sa instanceof InetSocketAddress isa)) {
            throw new IllegalArgumentException("Unsupported address type");
        }
        return isa;
    }

    private void connectInternal(SocketAddress remote) throws SocketException {
        try {
            if (dc.isConnected()) {
                dc.disconnect();
            }
            dc.connect(remote);
        } catch (ClosedChannelException e) {
            // as the JDK: ignored
        } catch (Exception x) {
            throw SocketExceptions.toSocketException(x);
        }
    }

    @Override
    public void bind(SocketAddress local) throws SocketException {
        local = local != null ? asInet(local) : new InetSocketAddress(0);
        try {
            dc.bind(local);
        } catch (Exception x) {
            throw SocketExceptions.toSocketException(x);
        }
    }

    @Override
    public void connect(InetAddress address, int port) {
        if (address == null) {
            throw new IllegalArgumentException("Address can't be null");
        }
        try {
            connectInternal(new InetSocketAddress(address, port));
        } catch (SocketException x) {
            throw new UncheckedIOException(x);
        }
    }

    @Override
    public void connect(SocketAddress remote) throws SocketException {
        if (remote == null) {
            throw new IllegalArgumentException("Address can't be null");
        }
        connectInternal(asInet(remote));
    }

    @Override
    public void disconnect() {
        try {
            dc.disconnect();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    @Override public boolean isBound() { return dc.localAddressOrNull() != null; }
    @Override public boolean isConnected() { return dc.remoteAddressOrNull() != null; }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress remote = dc.remoteAddressOrNull();
        return remote != null ? remote.getAddress() : null;
    }

    @Override
    public int getPort() {
        InetSocketAddress remote = dc.remoteAddressOrNull();
        return remote != null ? remote.getPort() : -1;
    }

    @Override public SocketAddress getRemoteSocketAddress() { return dc.remoteAddressOrNull(); }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return isClosed() ? null : dc.localAddressOrNull();
    }

    @Override
    public void send(DatagramPacket p) throws IOException {
        try {
            synchronized (p) {
                if (!dc.isBlocking()) {
                    throw new IllegalBlockingModeException();
                }
                SocketAddress target;
                if (p.getAddress() == null) {
                    InetSocketAddress remote = dc.remoteAddressOrNull();
                    if (remote == null) {
                        throw new IllegalArgumentException("Address not set");
                    }
                    p.setAddress(remote.getAddress());
                    p.setPort(remote.getPort());
                    target = remote;
                } else {
                    target = p.getSocketAddress();
                }
                dc.send(ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength()), target);
            }
        } catch (AlreadyConnectedException e) {
            throw new IllegalArgumentException("Connected and packet address differ");
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket closed", e);
        }
    }

    @Override
    public void receive(DatagramPacket p) throws IOException {
        try {
            synchronized (p) {
                byte[] data = p.getData();
                ByteBuffer dst = ByteBuffer.wrap(data, p.getOffset(), data.length - p.getOffset());
                SocketAddress sender = dc.blockingReceive(dst, timeout * 1_000_000L);
                if (sender != null) {
                    p.setLength(dst.position() - p.getOffset());
                    p.setSocketAddress(sender);
                }
            }
        } catch (java.net.SocketTimeoutException | ClosedByInterruptException e) {
            throw e;
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket closed", e);
        }
    }

    @Override
    public InetAddress getLocalAddress() {
        if (isClosed()) {
            return null;
        }
        InetSocketAddress local = dc.localAddressOrNull();
        return (local != null ? local : new InetSocketAddress(0)).getAddress();
    }

    @Override
    public int getLocalPort() {
        if (isClosed()) {
            return -1;
        }
        InetSocketAddress local = dc.localAddressOrNull();
        return local != null ? local.getPort() : 0;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        this.timeout = AdaptorOptions.soTimeout(dc, timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        AdaptorOptions.ensureOpen(dc);
        return timeout;
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        AdaptorOptions.set(dc, StandardSocketOptions.SO_SNDBUF, AdaptorOptions.bufferSize(size, "Invalid send size"));
    }

    @Override public int getSendBufferSize() throws SocketException { return AdaptorOptions.get(dc, StandardSocketOptions.SO_SNDBUF); }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        AdaptorOptions.set(dc, StandardSocketOptions.SO_RCVBUF, AdaptorOptions.bufferSize(size, "Invalid receive size"));
    }

    @Override public int getReceiveBufferSize() throws SocketException { return AdaptorOptions.get(dc, StandardSocketOptions.SO_RCVBUF); }
    @Override public void setReuseAddress(boolean on) throws SocketException { AdaptorOptions.set(dc, StandardSocketOptions.SO_REUSEADDR, on); }
    @Override public boolean getReuseAddress() throws SocketException { return AdaptorOptions.get(dc, StandardSocketOptions.SO_REUSEADDR); }
    @Override public void setBroadcast(boolean on) throws SocketException { AdaptorOptions.set(dc, StandardSocketOptions.SO_BROADCAST, on); }
    @Override public boolean getBroadcast() throws SocketException { return AdaptorOptions.get(dc, StandardSocketOptions.SO_BROADCAST); }
    @Override public void setTrafficClass(int tc) throws SocketException { AdaptorOptions.set(dc, StandardSocketOptions.IP_TOS, tc); }
    @Override public int getTrafficClass() throws SocketException { return AdaptorOptions.get(dc, StandardSocketOptions.IP_TOS); }

    @Override
    public void close() {
        try {
            dc.close();
        } catch (IOException x) {
            throw new Error(x);
        }
    }

    @Override public boolean isClosed() { return !dc.isOpen(); }
    @Override public DatagramChannel getChannel() { return dc; }

    @Override
    public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
        dc.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return dc.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return dc.supportedOptions();
    }

    @Override
    public void joinGroup(SocketAddress group, java.net.NetworkInterface netIf) throws IOException {
        if (!(group instanceof InetSocketAddress isa) || netIf == null) {
            throw new IllegalArgumentException("Unsupported address type or no interface");
        }
        dc.join(isa.getAddress(), netIf);
    }

    @Override
    public void leaveGroup(SocketAddress group, java.net.NetworkInterface netIf) throws IOException {
        if (!(group instanceof InetSocketAddress isa) || netIf == null) {
            throw new IllegalArgumentException("Unsupported address type or no interface");
        }
        dc.leave(isa.getAddress(), netIf);
    }
}
