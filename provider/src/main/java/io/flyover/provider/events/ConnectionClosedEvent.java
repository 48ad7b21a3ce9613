package io.flyover.provider.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A socket closed, and why: by the application, reset by the peer, timed out, refused, unreachable. */
@Name("io.flyover.ConnectionClosed")
@Label("Connection Closed")
@Category({"Flyover", "Connections"})
@Description("A Flyover socket closed, with the reason and the bytes it carried")
@StackTrace(false)
public final class ConnectionClosedEvent extends jdk.jfr.Event {
    @Label("Protocol")
    public String protocol;

    @Label("Local Address")
    public String localAddress;

    @Label("Local Port")
    public int localPort;

    @Label("Remote Address")
    public String remoteAddress;

    @Label("Remote Port")
    public int remotePort;

    @Label("Path")
    @Description("OFFLOAD (a Flyover stack) or KERNEL (the JDK's own socket)")
    public String path;

    @Label("Interface")
    public String interfaceName;

    @Label("Reason")
    @Description("closed, reset by peer, timed out, refused, unreachable, aborted")
    public String reason;

    @Label("Bytes Received")
    @DataAmount(DataAmount.BYTES)
    public long bytesIn;

    @Label("Bytes Sent")
    @DataAmount(DataAmount.BYTES)
    public long bytesOut;

    @Label("Lifetime")
    @Description("From open to close; 0 when unknown")
    @Timespan(Timespan.NANOSECONDS)
    public long lifetime;
}
