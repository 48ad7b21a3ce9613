package io.flyover.provider.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The offload policy decided a socket's path, and which rule or route decided it. */
@Name("io.flyover.OffloadDecision")
@Label("Offload Decision")
@Category({"Flyover", "Offload Policy"})
@Description("Where a socket's traffic goes (a Flyover stack or the kernel) and the rule or route that decided it")
@StackTrace(true)
public final class OffloadDecisionEvent extends jdk.jfr.Event {
    @Label("Socket Role")
    @Description("tcp_server, tcp_client, udp_sender, udp_receiver or udp_connect (XLIO's rule words)")
    public String role;

    @Label("Address")
    @Description("The address the rule matched: local for tcp_server and udp_receiver, remote otherwise")
    public String address;

    @Label("Port")
    public int port;

    @Label("Decision")
    @Description("OFFLOAD or KERNEL")
    public String decision;

    @Label("Interface")
    @Description("The Flyover-served interface for OFFLOAD; empty for KERNEL")
    public String interfaceName;

    @Label("Decided By")
    @Description("The rule or route that decided, in the policy's words")
    public String decidedBy;
}
