package io.flyover.provider.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A TCP connection completed its handshake (RFC 9293 ESTABLISHED). */
@Name("io.flyover.ConnectionEstablished")
@Label("Connection Established")
@Category({"Flyover", "Connections"})
@Description("A TCP connection reached ESTABLISHED")
@StackTrace(false)
public final class ConnectionEstablishedEvent extends ConnectionEvent {
    @Label("Handshake Time")
    @Description("From connect (or the first SYN of an accepted connection) to ESTABLISHED; 0 when unknown")
    @Timespan(Timespan.NANOSECONDS)
    public long handshake;
}
