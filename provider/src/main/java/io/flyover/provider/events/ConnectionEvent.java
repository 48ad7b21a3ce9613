package io.flyover.provider.events;

import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.stats.AddressText;
import io.flyover.stack.tcp.TcpConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import jdk.jfr.Description;
import jdk.jfr.Label;

/**
 * The fields every connection event carries (JFR records a superclass's fields with each event): the
 * two ends, the path the socket's traffic takes and the interface that serves it.
 */
public abstract class ConnectionEvent extends jdk.jfr.Event {
    @Label("Protocol")
    @Description("TCP or UDP")
    public String protocol;

    @Label("Local Address")
    public String localAddress;

    @Label("Local Port")
    public int localPort;

    @Label("Remote Address")
    @Description("Empty for a listener or an unconnected UDP socket")
    public String remoteAddress;

    @Label("Remote Port")
    public int remotePort;

    @Label("Path")
    @Description("OFFLOAD (a Flyover stack) or KERNEL (the JDK's own socket)")
    public String path;

    @Label("Interface")
    @Description("The interface whose Flyover stack serves the socket; empty on the kernel path")
    public String interfaceName;

    /** An offloaded TCP connection's ends, on the stack serving {@code interfaceName}. */
    final void ends(TcpConnection c, String interfaceName) {
        protocol = "TCP";
        localAddress = AddressText.address(c.localAddressHi(), c.localAddressLo());
        localPort = c.localPort();
        remoteAddress = AddressText.address(c.remoteAddressHi(), c.remoteAddressLo());
        remotePort = c.remotePort();
        path = OffloadPath.OFFLOAD.name();
        this.interfaceName = interfaceName;
    }

    /** Any socket's ends; {@code remote} null when it has none, {@code interfaceName} null on the kernel path. */
    final void ends(String protocol, SocketAddress local, SocketAddress remote, OffloadPath path, String interfaceName) {
        this.protocol = protocol;
        localAddress = host(local);
        localPort = port(local);
        remoteAddress = host(remote);
        remotePort = port(remote);
        this.path = path.name();
        this.interfaceName = interfaceName;
    }

    private static String host(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            InetAddress address = i.getAddress();
            return address != null ? address.getHostAddress() : i.getHostString();
        }
        return a == null ? null : a.toString();
    }

    private static int port(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getPort() : 0;
    }
}
