package io.flyover.provider.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/** The {@link ServerSocket} face of a {@link FlyoverServerSocketChannel}, as {@code sun.nio.ch.ServerSocketAdaptor}. */
final class FlyoverServerSocketAdaptor extends ServerSocket {
    private final FlyoverServerSocketChannel ssc;
    private volatile int timeout;

    private FlyoverServerSocketAdaptor(FlyoverServerSocketChannel ssc) {
        super(new NoSocketImpl());
        this.ssc = ssc;
    }

    static ServerSocket create(FlyoverServerSocketChannel ssc) {
        return new FlyoverServerSocketAdaptor(ssc);
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        bind(local, 50);
    }

    @Override
    public void bind(SocketAddress local, int backlog) throws IOException {
        if (local == null) {
            local = new InetSocketAddress(0);
        }
        try {
            ssc.bind(local, backlog);
        } catch (Exception x) {
            throw SocketExceptions.translate(x);
        }
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress local = ssc.localAddressOrNull();
        return local == null ? null : local.getAddress();
    }

    @Override
    public int getLocalPort() {
        InetSocketAddress local = ssc.localAddressOrNull();
        return local == null ? -1 : local.getPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ssc.localAddressOrNull();
    }

    @Override
    public Socket accept() throws IOException {
        SocketChannel sc;
        try {
            int t = timeout;
            if (t > 0) {
                sc = ssc.accept(t * 1_000_000L);
            } else {
                sc = ssc.accept();
                if (sc == null) {
                    throw new IllegalBlockingModeException();
                }
            }
        } catch (Exception e) {
            throw SocketExceptions.translate(e);
        }
        return sc.socket();
    }

    @Override
    public void close() throws IOException {
        ssc.close();
    }

    @Override
    public ServerSocketChannel getChannel() {
        return ssc;
    }

    @Override
    public boolean isBound() {
        return ssc.localAddressOrNull() != null;
    }

    @Override
    public boolean isClosed() {
        return !ssc.isOpen();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        this.timeout = AdaptorOptions.soTimeout(ssc, timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        AdaptorOptions.ensureOpen(ssc);
        return timeout;
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        AdaptorOptions.set(ssc, StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return AdaptorOptions.get(ssc, StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public String toString() {
        if (!isBound()) {
            return "ServerSocket[unbound]";
        }
        return "ServerSocket[addr=" + getInetAddress() + ",localport=" + getLocalPort() + "]";
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        AdaptorOptions.set(ssc, StandardSocketOptions.SO_RCVBUF, AdaptorOptions.bufferSize(size, "size cannot be 0 or negative"));
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return AdaptorOptions.get(ssc, StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
        ssc.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ssc.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return ssc.supportedOptions();
    }
}
