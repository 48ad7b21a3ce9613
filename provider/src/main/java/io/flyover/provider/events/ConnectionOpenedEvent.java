package io.flyover.provider.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A socket opened: connected, accepted, listening or bound; offloaded or on the kernel. */
@Name("io.flyover.ConnectionOpened")
@Label("Connection Opened")
@Category({"Flyover", "Connections"})
@Description("A Flyover socket opened (connect, accept, listen, bind), with the path its traffic takes")
@StackTrace(false)
public final class ConnectionOpenedEvent extends jdk.jfr.Event {
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

    @Label("Opened By")
    @Description("connect, accept, listen or bind")
    public String openedBy;
}
