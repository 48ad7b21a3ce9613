package io.flyover.provider.channel;

import io.flyover.stack.net.IpAddress;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/** Socket-address checks and conversions, as {@code sun.nio.ch.Net} does them. */
final class Addresses {
    static final InetAddress ANY4 = InetAddress.ofLiteral("0.0.0.0");
    static final InetAddress ANY6 = InetAddress.ofLiteral("::");
    static final InetAddress LOOPBACK4 = InetAddress.ofLiteral("127.0.0.1");
    static final InetAddress LOOPBACK6 = InetAddress.ofLiteral("::1");

    private Addresses() {}

    /** {@code Net.checkAddress}: an resolved IPv4/IPv6 socket address that the family can reach. */
    static InetSocketAddress check(SocketAddress sa, ProtocolFamily family) {
        if (sa == null) {
            throw new NullPointerException();
        }
        if (!(sa instanceof InetSocketAddress isa)) {
            throw new UnsupportedAddressTypeException();
        }
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        InetAddress a = isa.getAddress();
        if (!(a instanceof Inet4Address || a instanceof Inet6Address)) {
            throw new IllegalArgumentException("Invalid address type");
        }
        if (family == StandardProtocolFamily.INET && !(a instanceof Inet4Address)) {
            throw new UnsupportedAddressTypeException();
        }
        return isa;
    }

    /** As {@code SocketChannelImpl.checkRemote}: connecting to the wildcard address means loopback. */
    static InetSocketAddress checkRemote(SocketAddress sa, ProtocolFamily family) {
        InetSocketAddress isa = check(sa, family);
        if (isa.getAddress().isAnyLocalAddress()) {
            return new InetSocketAddress(isa.getAddress() instanceof Inet4Address ? LOOPBACK4 : LOOPBACK6, isa.getPort());
        }
        return isa;
    }

    static InetAddress anyLocal(ProtocolFamily family) {
        return family == StandardProtocolFamily.INET ? ANY4 : ANY6;
    }

    static InetSocketAddress socketAddress(long hi, long lo, int port) {
        return new InetSocketAddress(new IpAddress(hi, lo).toInetAddress(), port);
    }

    /** The stack's two-long form; IPv4 as IPv4-mapped, and the wildcard (either family) as 0/0. */
    static IpAddress ip(InetAddress a) {
        IpAddress ip = IpAddress.of(a);
        return ip.isUnspecified() ? IpAddress.ANY_V6 : ip;
    }
}
