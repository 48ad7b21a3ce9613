package io.flyover.provider.channel;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.Channel;
import java.nio.channels.NetworkChannel;

/**
 * The checks and option access the socket adaptors share, as the JDK's {@code sun.nio.ch.SocketAdaptor},
 * {@code ServerSocketAdaptor} and {@code DatagramSocketAdaptor}: options go through the channel and its
 * {@code IOException}s surface as {@code SocketException}s.
 */
final class AdaptorOptions {
    private AdaptorOptions() {}

    static <T> void set(NetworkChannel channel, SocketOption<T> name, T value) throws SocketException {
        try {
            channel.setOption(name, value);
        } catch (IOException x) {
            throw SocketExceptions.toSocketException(x);
        }
    }

    static <T> T get(NetworkChannel channel, SocketOption<T> name) throws SocketException {
        try {
            return channel.getOption(name);
        } catch (IOException x) {
            throw SocketExceptions.toSocketException(x);
        }
    }

    /** A buffer size for SO_SNDBUF or SO_RCVBUF: positive, else {@code IllegalArgumentException(message)}. */
    static int bufferSize(int size, String message) {
        if (size <= 0) {
            throw new IllegalArgumentException(message);
        }
        return size;
    }

    static void ensureOpen(Channel channel) throws SocketException {
        if (!channel.isOpen()) {
            throw new SocketException("Socket is closed");
        }
    }

    /** A timeout for {@code setSoTimeout}: the socket open and the timeout not negative. */
    static int soTimeout(Channel channel, int timeout) throws SocketException {
        ensureOpen(channel);
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        return timeout;
    }
}
