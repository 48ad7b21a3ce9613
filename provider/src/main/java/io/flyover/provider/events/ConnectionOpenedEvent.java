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
public final class ConnectionOpenedEvent extends ConnectionEvent {
    @Label("Opened By")
    @Description("connect, accept, listen or bind")
    public String openedBy;
}
