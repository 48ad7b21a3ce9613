package io.flyover.provider.events;

import io.flyover.provider.policy.OffloadDecision;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.stack.tcp.TcpConnection;
import java.net.InetAddress;
import java.net.SocketAddress;

/**
 * Where the runtime emits Flyover's JFR events: one call per socket event, each doing nothing but a
 * check when no recording wants it (the addresses are formatted only for an event that will be
 * committed). These run at open, connect, accept and close, never per packet; drops are reported by
 * the periodic {@link DropsEvent} ({@link DropsEvents}).
 */
public final class FlyoverEvents {
    private FlyoverEvents() {}

    // --- connection lifecycle -----------------------------------------------------------------

    /** An offloaded TCP connection opened ({@code openedBy}: "connect" or "accept") on the stack serving {@code interfaceName}. */
    public static void connectionOpened(TcpConnection c, String openedBy, String interfaceName) {
        ConnectionOpenedEvent e = new ConnectionOpenedEvent();
        if (e.shouldCommit()) {
            e.ends(c, interfaceName);
            e.openedBy = openedBy;
            e.commit();
        }
    }

    /**
     * Any socket opened (kernel sockets, listeners, UDP): {@code protocol} "TCP" or "UDP"; {@code remote}
     * null for a listener or an unconnected UDP socket; {@code interfaceName} null on the kernel path.
     */
    public static void connectionOpened(String protocol, SocketAddress local, SocketAddress remote, OffloadPath path,
                                        String interfaceName, String openedBy) {
        ConnectionOpenedEvent e = new ConnectionOpenedEvent();
        if (e.shouldCommit()) {
            e.ends(protocol, local, remote, path, interfaceName);
            e.openedBy = openedBy;
            e.commit();
        }
    }

    /** An offloaded TCP connection reached ESTABLISHED, {@code handshakeNanos} after it began (0 when unknown). */
    public static void connectionEstablished(TcpConnection c, String interfaceName, long handshakeNanos) {
        ConnectionEstablishedEvent e = new ConnectionEstablishedEvent();
        if (e.shouldCommit()) {
            e.ends(c, interfaceName);
            e.handshake = handshakeNanos;
            e.commit();
        }
    }

    /** A kernel-path TCP connection finished connecting. */
    public static void connectionEstablished(SocketAddress local, SocketAddress remote, OffloadPath path, String interfaceName,
                                             long handshakeNanos) {
        ConnectionEstablishedEvent e = new ConnectionEstablishedEvent();
        if (e.shouldCommit()) {
            e.ends("TCP", local, remote, path, interfaceName);
            e.handshake = handshakeNanos;
            e.commit();
        }
    }

    /**
     * An offloaded TCP connection closed; {@code reason} null takes it from the connection's error
     * ({@link #reason(TcpConnection.Error)}). Bytes are the connection's payload counters.
     */
    public static void connectionClosed(TcpConnection c, String interfaceName, String reason, long lifetimeNanos) {
        ConnectionClosedEvent e = new ConnectionClosedEvent();
        if (e.shouldCommit()) {
            e.ends(c, interfaceName);
            e.reason = reason != null ? reason : reason(c.error());
            e.bytesIn = c.payloadBytesReceived();
            e.bytesOut = c.payloadBytesSent();
            e.lifetime = lifetimeNanos;
            e.commit();
        }
    }

    /** Any socket closed; bytes as far as the caller counted them (0 when not counted). */
    public static void connectionClosed(String protocol, SocketAddress local, SocketAddress remote, OffloadPath path,
                                        String interfaceName, String reason, long bytesIn, long bytesOut, long lifetimeNanos) {
        ConnectionClosedEvent e = new ConnectionClosedEvent();
        if (e.shouldCommit()) {
            e.ends(protocol, local, remote, path, interfaceName);
            e.reason = reason;
            e.bytesIn = bytesIn;
            e.bytesOut = bytesOut;
            e.lifetime = lifetimeNanos;
            e.commit();
        }
    }

    /** The words a closed event gives for a connection's error: what {@code SocketChannel} would have thrown. */
    public static String reason(TcpConnection.Error error) {
        return switch (error) {
            case NONE -> "closed";
            case REFUSED -> "refused";
            case RESET -> "reset by peer";
            case TIMED_OUT -> "timed out";
            case ABORTED -> "aborted";
            case UNREACHABLE -> "unreachable";
        };
    }

    // --- offload policy -----------------------------------------------------------------------

    /** The policy decided {@code decision} for a socket of {@code role} at {@code address}:{@code port}. */
    public static void offloadDecision(SocketRole role, InetAddress address, int port, OffloadDecision decision) {
        OffloadDecisionEvent e = new OffloadDecisionEvent();
        if (e.shouldCommit()) {
            e.role = role.ruleName();
            e.address = address == null ? null : address.getHostAddress();
            e.port = port;
            e.decision = decision.path().name();
            e.interfaceName = decision.interfaceName();
            e.decidedBy = decision.reason();
            e.commit();
        }
    }
}
