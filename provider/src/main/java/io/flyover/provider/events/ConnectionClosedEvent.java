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
public final class ConnectionClosedEvent extends ConnectionEvent {
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
