package io.flyover.provider.channel;

import io.flyover.stack.tcp.TcpSettings;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import jdk.net.ExtendedSocketOptions;

/**
 * The socket options of one Flyover channel: checked as {@code sun.nio.ch.Net.setSocketOption} and the
 * JDK's Linux extended options check them, kept until the channel's path is known, then replayed onto
 * the kernel socket or mapped onto the stack's {@link TcpSettings}. Callers hold the channel's state lock.
 */
final class OptionValues {
    private static final int MAX_KEEPALIVE_SECONDS = 32_767; // Linux MAX_TCP_KEEPIDLE / MAX_TCP_KEEPINTVL
    private static final int MAX_KEEPALIVE_PROBES = 127;     // Linux MAX_TCP_KEEPCNT

    private final OptionTable table;
    private final Map<SocketOption<?>, Object> set = new LinkedHashMap<>();

    OptionValues(OptionTable table) {
        this.table = table;
    }

    /** The checks every setOption makes before looking at the channel's state. */
    static void checkName(OptionTable table, SocketOption<?> name, Object value) {
        Objects.requireNonNull(name);
        if (!table.supported.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        if (!name.type().isInstance(value)) {
            throw new IllegalArgumentException("Invalid value '" + value + "'");
        }
    }

    static void checkName(OptionTable table, SocketOption<?> name) {
        Objects.requireNonNull(name);
        if (!table.supported.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
    }

    /** Checks and normalizes {@code value} as Linux and the JDK do, and keeps it. */
    <T> void set(SocketOption<T> name, T value) throws IOException {
        Object v = value;
        if (name == StandardSocketOptions.SO_RCVBUF || name == StandardSocketOptions.SO_SNDBUF) {
            if ((Integer) value < 0) {
                throw new IllegalArgumentException("Invalid send/receive buffer size");
            }
        } else if (name == StandardSocketOptions.SO_LINGER) {
            int i = (Integer) value;
            v = i < 0 ? -1 : Math.min(i, 65_535);
        } else if (name == StandardSocketOptions.IP_TOS) {
            int i = (Integer) value;
            if (i < 0 || i > 255) {
                throw new IllegalArgumentException("Invalid IP_TOS value");
            }
            if (table != OptionTable.datagram()) {
                // Linux's __ip_sock_set_tos (and IPV6_TCLASS) keep the ECN bits of a SOCK_STREAM socket
                // for TCP itself: the JDK reads back 0xFC after setting 0xFF on a SocketChannel.
                v = i & TcpSettings.DSCP_MASK;
            }
        } else if (name == StandardSocketOptions.IP_MULTICAST_TTL) {
            int i = (Integer) value;
            if (i < 0 || i > 255) {
                throw new IllegalArgumentException("Invalid TTL/hop value");
            }
        } else if (name == ExtendedSocketOptions.TCP_KEEPIDLE || name == ExtendedSocketOptions.TCP_KEEPINTERVAL) {
            int i = (Integer) value;
            if (i < 1 || i > MAX_KEEPALIVE_SECONDS) {
                throw new SocketException("Invalid argument");
            }
        } else if (name == ExtendedSocketOptions.TCP_KEEPCOUNT) {
            int i = (Integer) value;
            if (i < 1 || i > MAX_KEEPALIVE_PROBES) {
                throw new SocketException("Invalid argument");
            }
        } else if (name == ExtendedSocketOptions.SO_INCOMING_NAPI_ID) {
            throw new SocketException("Attempt to set read only option " + name);
        }
        set.put(name, v);
    }

    /**
     * IP_TOS of a listening socket: a {@code ServerSocketChannel} has no such option, but Linux's
     * listening socket (what {@code ServerSocket.setOption(IP_TOS)} sets) carries one, sends its SYN-ACKs
     * with it and passes it to the connections it accepts. Kept here, it reaches the stack's listener
     * through {@link #tcpSettings} and accepted channels through {@link #inherit}.
     */
    void setListenerTrafficClass(int tos) {
        set.put(StandardSocketOptions.IP_TOS, tos & TcpSettings.DSCP_MASK);
    }

    @SuppressWarnings("unchecked")
    <T> T get(SocketOption<T> name) {
        if (set.containsKey(name)) {
            return (T) set.get(name);
        }
        return (T) table.defaults.get(name);
    }

    /** SO_REUSEPORT as set (Linux reads it at bind and listen). */
    boolean reusePort() {
        return Boolean.TRUE.equals(get(StandardSocketOptions.SO_REUSEPORT));
    }

    /** Whether the option was set explicitly. */
    boolean isSet(SocketOption<?> name) {
        return set.containsKey(name);
    }

    /** Replays every option set so far onto a kernel channel (the fallback socket or a shadow). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void applyTo(NetworkChannel ch) throws IOException {
        for (Map.Entry<SocketOption<?>, Object> e : set.entrySet()) {
            if (ch.supportedOptions().contains(e.getKey())) {
                ch.setOption((SocketOption) e.getKey(), e.getValue());
            }
        }
    }

    /** Copies the values of another channel's options that this kind supports (accepted sockets inherit). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void inherit(OptionValues from) {
        for (Map.Entry<SocketOption<?>, Object> e : from.set.entrySet()) {
            if (table.supported.contains(e.getKey())) {
                set.put(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * The JDK's internal {@code sun.nio.ch.ExtendedSocketOption.SO_OOBINLINE} (a socket channel supports it
     * for its adaptor's {@code setOOBInline}); recognized by name, the class not being exported.
     */
    static boolean isOobInline(SocketOption<?> o) {
        return o.name().equals("SO_OOBINLINE") && o.type() == Boolean.class;
    }

    /**
     * The stack settings for a new connection or listener, or to update a live one with: the stack's
     * defaults with these options applied.
     */
    TcpSettings tcpSettings(TcpSettings stackDefaults) {
        TcpSettings s = stackDefaults.clone();
        for (Map.Entry<SocketOption<?>, Object> e : set.entrySet()) {
            SocketOption<?> o = e.getKey();
            Object v = e.getValue();
            if (o == StandardSocketOptions.SO_RCVBUF) {
                s.receiveBufferSize = Math.max((Integer) v, 4096);
            } else if (o == StandardSocketOptions.SO_SNDBUF) {
                s.sendBufferSize = Math.max((Integer) v, 4096);
            } else if (o == StandardSocketOptions.TCP_NODELAY) {
                s.noDelay = (Boolean) v;
            } else if (o == StandardSocketOptions.IP_TOS) {
                s.trafficClass = (Integer) v;
            } else if (o == StandardSocketOptions.SO_KEEPALIVE) {
                s.keepAlive = (Boolean) v;
            } else if (o == StandardSocketOptions.SO_LINGER) {
                int secs = (Integer) v;
                s.lingerNanos = secs < 0 ? -1 : secs * 1_000_000_000L;
            } else if (o == ExtendedSocketOptions.TCP_KEEPIDLE) {
                s.keepAliveIdleNanos = (Integer) v * 1_000_000_000L;
            } else if (o == ExtendedSocketOptions.TCP_KEEPINTERVAL) {
                s.keepAliveIntervalNanos = (Integer) v * 1_000_000_000L;
            } else if (o == ExtendedSocketOptions.TCP_KEEPCOUNT) {
                s.keepAliveCount = (Integer) v;
            } else if (isOobInline(o)) {
                s.oobInline = (Boolean) v;
            }
        }
        return s;
    }
}
