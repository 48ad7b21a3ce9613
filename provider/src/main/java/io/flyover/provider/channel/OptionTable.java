package io.flyover.provider.channel;

import io.flyover.provider.kernel.JdkSelectorProvider;
import io.flyover.stack.tcp.TcpSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The options one kind of channel supports, exactly the set the JDK's own channel of that kind supports
 * on this platform (so {@code supportedOptions()} matches), with their initial values as a fresh JDK
 * socket reports them, except the buffer sizes, which are Flyover's.
 */
final class OptionTable {
    final Set<SocketOption<?>> supported;
    final Map<SocketOption<?>, Object> defaults;

    private OptionTable(Set<SocketOption<?>> supported, Map<SocketOption<?>, Object> defaults) {
        this.supported = supported;
        this.defaults = defaults;
    }

    private static final class Holder {
        static final OptionTable SOCKET = read(Kind.SOCKET);
        static final OptionTable SERVER = read(Kind.SERVER);
        static final OptionTable DATAGRAM = read(Kind.DATAGRAM);
    }

    private enum Kind { SOCKET, SERVER, DATAGRAM }

    static OptionTable socket() { return Holder.SOCKET; }
    static OptionTable server() { return Holder.SERVER; }
    static OptionTable datagram() { return Holder.DATAGRAM; }

    private static OptionTable read(Kind kind) {
        SelectorProvider jdk = JdkSelectorProvider.get();
        try (NetworkChannel ch = switch (kind) {
            case SOCKET -> jdk.openSocketChannel();
            case SERVER -> jdk.openServerSocketChannel();
            case DATAGRAM -> jdk.openDatagramChannel();
        }) {
            Set<SocketOption<?>> supported = ch.supportedOptions();
            Map<SocketOption<?>, Object> defaults = new HashMap<>();
            for (SocketOption<?> o : supported) {
                try {
                    defaults.put(o, ch.getOption(o));
                } catch (IOException | RuntimeException e) {
                    defaults.put(o, null); // not readable on an unbound socket; reads answer null
                }
            }
            if (kind != Kind.DATAGRAM) {
                TcpSettings tcp = new TcpSettings();
                defaults.put(StandardSocketOptions.SO_RCVBUF, tcp.receiveBufferSize);
                if (supported.contains(StandardSocketOptions.SO_SNDBUF)) {
                    defaults.put(StandardSocketOptions.SO_SNDBUF, tcp.sendBufferSize);
                }
            }
            return new OptionTable(supported, Collections.unmodifiableMap(defaults));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a JDK " + kind + " channel to read its options", e);
        }
    }
}
