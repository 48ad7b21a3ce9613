package io.flyover.provider.channel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * The {@link Socket} face of a {@link FlyoverSocketChannel}, as {@code sun.nio.ch.SocketAdaptor}: the
 * same checks, messages and exception translation; {@code SO_TIMEOUT} for reads; streams that require
 * blocking mode. A socket handed to the kernel uses the JDK's own adaptor of its kernel channel for
 * timed connects and streams.
 */
final class FlyoverSocketAdaptor extends Socket {
    private final FlyoverSocketChannel sc;
    private volatile int timeout;

    private FlyoverSocketAdaptor(FlyoverSocketChannel sc) throws SocketException {
        super((java.net.SocketImpl) null);
        this.sc = sc;
    }

    static Socket create(FlyoverSocketChannel sc) {
        try {
            return new FlyoverSocketAdaptor(sc);
        } catch (SocketException e) {
            throw new InternalError(e);
        }
    }

    @Override
    public void connect(SocketAddress remote) throws IOException {
        connect(remote, 0);
    }

    @Override
    public void connect(SocketAddress remote, int timeout) throws IOException {
        if (remote == null) {
            throw new IllegalArgumentException("connect: The address can't be null");
        }
        if (remote instanceof InetSocketAddress isa && isa.isUnresolved()) {
            if (!sc.isOpen()) {
                throw new SocketException("Socket is closed");
            }
            if (sc.isConnected()) {
                throw new SocketException("Already connected");
            }
            close();
            throw new UnknownHostException(remote.toString());
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        try {
            if (!sc.isBlocking()) {
                throw new IllegalBlockingModeException();
            }
            sc.connect(remote, timeout > 0 ? timeout * 1_000_000L : 0);
        } catch (Exception e) {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        try {
            sc.bind(local);
        } catch (Exception x) {
            throw SocketExceptions.translate(x);
        }
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress remote = sc.remoteAddressOrNull();
        return remote == null ? null : remote.getAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        if (sc.isOpen()) {
            InetSocketAddress local = sc.localAddressOrNull();
            if (local != null) {
                return local.getAddress();
            }
        }
        return new InetSocketAddress(0).getAddress();
    }

    @Override
    public int getPort() {
        InetSocketAddress remote = sc.remoteAddressOrNull();
        return remote == null ? 0 : remote.getPort();
    }

    @Override
    public int getLocalPort() {
        InetSocketAddress local = sc.localAddressOrNull();
        return local == null ? -1 : local.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return sc.remoteAddressOrNull();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return sc.localAddressOrNull();
    }

    @Override
    public SocketChannel getChannel() {
        return sc;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        if (!sc.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        if (!sc.isConnected()) {
            throw new SocketException("Socket is not connected");
        }
        if (isInputShutdown()) {
            throw new SocketException("Socket input is shutdown");
        }
        return new In();
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        if (!sc.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        if (!sc.isConnected()) {
            throw new SocketException("Socket is not connected");
        }
        if (isOutputShutdown()) {
            throw new SocketException("Socket output is shutdown");
        }
        return new Out();
    }

    @Override public void setTcpNoDelay(boolean on) throws SocketException { AdaptorOptions.set(sc, StandardSocketOptions.TCP_NODELAY, on); }
    @Override public boolean getTcpNoDelay() throws SocketException { return AdaptorOptions.get(sc, StandardSocketOptions.TCP_NODELAY); }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        AdaptorOptions.set(sc, StandardSocketOptions.SO_LINGER, on ? linger : -1);
    }

    @Override public int getSoLinger() throws SocketException { return AdaptorOptions.get(sc, StandardSocketOptions.SO_LINGER); }

    @Override
    public void sendUrgentData(int data) throws IOException {
        // sun.nio.ch.SocketAdaptor.sendUrgentData (the channel hands a kernel socket's to the kernel)
        if (sc.sendOutOfBandData((byte) data) == 0) {
            throw new IOException("Socket buffer full");
        }
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        AdaptorOptions.set(sc, oobInline(), on);
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        return AdaptorOptions.get(sc, oobInline());
    }

    @SuppressWarnings("unchecked")
    private SocketOption<Boolean> oobInline() throws SocketException {
        for (SocketOption<?> o : sc.supportedOptions()) {
            if (o.name().equals("SO_OOBINLINE")) {
                return (SocketOption<Boolean>) o;
            }
        }
        throw new SocketException("SO_OOBINLINE not supported");
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        this.timeout = AdaptorOptions.soTimeout(sc, timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        AdaptorOptions.ensureOpen(sc);
        return timeout;
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        AdaptorOptions.set(sc, StandardSocketOptions.SO_SNDBUF, AdaptorOptions.bufferSize(size, "Invalid send size"));
    }

    @Override public int getSendBufferSize() throws SocketException { return AdaptorOptions.get(sc, StandardSocketOptions.SO_SNDBUF); }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        AdaptorOptions.set(sc, StandardSocketOptions.SO_RCVBUF, AdaptorOptions.bufferSize(size, "Invalid receive size"));
    }

    @Override public int getReceiveBufferSize() throws SocketException { return AdaptorOptions.get(sc, StandardSocketOptions.SO_RCVBUF); }
    @Override public void setKeepAlive(boolean on) throws SocketException { AdaptorOptions.set(sc, StandardSocketOptions.SO_KEEPALIVE, on); }
    @Override public boolean getKeepAlive() throws SocketException { return AdaptorOptions.get(sc, StandardSocketOptions.SO_KEEPALIVE); }
    @Override public void setTrafficClass(int tc) throws SocketException { AdaptorOptions.set(sc, StandardSocketOptions.IP_TOS, tc); }
    @Override public int getTrafficClass() throws SocketException { return AdaptorOptions.get(sc, StandardSocketOptions.IP_TOS); }
    @Override public void setReuseAddress(boolean on) throws SocketException { AdaptorOptions.set(sc, StandardSocketOptions.SO_REUSEADDR, on); }
    @Override public boolean getReuseAddress() throws SocketException { return AdaptorOptions.get(sc, StandardSocketOptions.SO_REUSEADDR); }

    @Override
    public void close() throws IOException {
        sc.close();
    }

    @Override
    public void shutdownInput() throws IOException {
        try {
            sc.shutdownInput();
        } catch (Exception x) {
            throw SocketExceptions.translate(x);
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        try {
            sc.shutdownOutput();
        } catch (Exception x) {
            throw SocketExceptions.translate(x);
        }
    }

    @Override
    public String toString() {
        if (sc.isConnected()) {
            return "Socket[addr=" + getInetAddress() + ",port=" + getPort() + ",localport=" + getLocalPort() + "]";
        }
        return "Socket[unconnected]";
    }

    @Override public boolean isConnected() { return sc.isConnected(); }
    @Override public boolean isBound() { return sc.localAddressOrNull() != null; }
    @Override public boolean isClosed() { return !sc.isOpen(); }

    @Override
    public boolean isInputShutdown() {
        SocketChannel k = sc.kernelChannel();
        return k != null ? k.socket().isInputShutdown() : !sc.isInputOpen();
    }

    @Override
    public boolean isOutputShutdown() {
        SocketChannel k = sc.kernelChannel();
        return k != null ? k.socket().isOutputShutdown() : !sc.isOutputOpen();
    }

    @Override
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
        sc.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return sc.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return sc.supportedOptions();
    }

    /** {@code sun.nio.ch.SocketInputStream}: blocking reads with {@code SO_TIMEOUT}. */
    private final class In extends InputStream {
        private InputStream kernelIn;

        @Override
        public int read() throws IOException {
            byte[] a = new byte[1];
            int n = read(a, 0, 1);
            return n > 0 ? a[0] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            SocketChannel k = sc.kernelChannel();
            if (k != null) {
                Socket ks = k.socket();
                ks.setSoTimeout(timeout);
                if (kernelIn == null) {
                    kernelIn = ks.getInputStream();
                }
                return kernelIn.read(b, off, len);
            }
            if (len == 0) {
                return 0;
            }
            return sc.blockingRead(ByteBuffer.wrap(b, off, len), timeout * 1_000_000L);
        }

        @Override
        public int available() throws IOException {
            SocketChannel k = sc.kernelChannel();
            if (k != null) {
                if (kernelIn == null) {
                    kernelIn = k.socket().getInputStream();
                }
                return kernelIn.available();
            }
            return sc.available();
        }

        @Override
        public void close() throws IOException {
            sc.close();
        }
    }

    /** {@code sun.nio.ch.SocketOutputStream}: blocking writes of the whole array. */
    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (!sc.isBlocking()) {
                throw new IllegalBlockingModeException();
            }
            ByteBuffer src = ByteBuffer.wrap(b, off, len);
            while (src.hasRemaining()) {
                sc.write(src);
            }
        }

        @Override
        public void close() throws IOException {
            sc.close();
        }
    }
}
