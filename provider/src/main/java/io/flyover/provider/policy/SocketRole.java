package io.flyover.provider.policy;

import java.util.Locale;

/** What a socket does, in the words of XLIO's rules file (so its users read our rules at once). */
public enum SocketRole {
    /** A TCP listener; its rule address is the local one it binds. */
    TCP_SERVER,
    /** A TCP connection opened by {@code connect}; its rule address is the remote one. */
    TCP_CLIENT,
    /** An unconnected UDP socket sending; the rule address is the destination of each datagram. */
    UDP_SENDER,
    /** A UDP socket receiving; the rule address is the local one it binds (or the group it joins). */
    UDP_RECEIVER,
    /** A connected UDP socket; the rule address is the remote one. */
    UDP_CONNECT;

    /** The rules-file spelling, such as {@code tcp_client}. */
    public String ruleName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for roles whose address names this host's end (binds), false for the remote end. */
    public boolean isLocalAddress() {
        return this == TCP_SERVER || this == UDP_RECEIVER;
    }

    static SocketRole parse(String word) {
        for (SocketRole r : values()) {
            if (r.ruleName().equals(word)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + word + "' (expected one of tcp_server, tcp_client, udp_sender, udp_receiver, udp_connect)");
    }
}
