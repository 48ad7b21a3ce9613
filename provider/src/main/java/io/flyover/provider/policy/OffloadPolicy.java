package io.flyover.provider.policy;

import java.net.InetAddress;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Decides, at {@code bind}/{@code connect}/{@code join}, whether a socket is served by Flyover or by
 * the kernel (ARCHITECTURE.md, "Provider"):
 * <ol>
 *   <li>the configured rules, first match wins;</li>
 *   <li>loopback addresses: offloaded to the in-process loopback stack only when loopback offload is on;</li>
 *   <li>wildcard addresses: a listener or receiver bound to "any" is offloaded when some interface is
 *       Flyover-served (it keeps a kernel shadow socket for the rest); a wildcard remote is the kernel's;</li>
 *   <li>otherwise a route lookup in the kernel's routing table, and offload only when the outgoing
 *       interface has a Flyover device.</li>
 * </ol>
 * Anything else goes to the kernel, with the reason recorded.
 */
public final class OffloadPolicy {
    private final OffloadRules rules;
    private final Supplier<KernelRoutingTable> routes;
    private final Predicate<String> interfaceServed;
    private final boolean loopbackOffload;

    /**
     * @param routes the routing table to consult, asked at every decision (a caching supplier keeps it cheap)
     * @param interfaceServed whether a Flyover device drives the named interface
     * @param loopbackOffload whether 127.0.0.0/8 and ::1 are served by the in-process loopback stack
     */
    public OffloadPolicy(OffloadRules rules, Supplier<KernelRoutingTable> routes, Predicate<String> interfaceServed,
            boolean loopbackOffload) {
        this.rules = rules;
        this.routes = routes;
        this.interfaceServed = interfaceServed;
        this.loopbackOffload = loopbackOffload;
    }

    /** The first configured rule for this socket, if any (callers that decide by address ownership still obey rules). */
    public Optional<OffloadRule> rule(SocketRole role, InetAddress address, int port) {
        return rules.firstMatch(role, address, port);
    }

    /** Whether 127.0.0.0/8 and ::1 are served by the in-process loopback stack. */
    public boolean loopbackOffload() {
        return loopbackOffload;
    }

    /**
     * @param address the local address for {@link SocketRole#isLocalAddress() binding} roles, the remote
     *     one otherwise
     */
    public OffloadDecision decide(SocketRole role, InetAddress address, int port) {
        Optional<OffloadRule> rule = rules.firstMatch(role, address, port);
        if (rule.isPresent() && rule.get().path() == OffloadPath.KERNEL) {
            return OffloadDecision.kernel("rule " + rule.get().source());
        }
        boolean forced = rule.isPresent();
        String why = forced ? "rule " + rule.get().source() : null;

        if (address.isLoopbackAddress()) {
            if (loopbackOffload || forced) {
                return OffloadDecision.offload(KernelRoutingTable.LOOPBACK_INTERFACE, forced ? why : "loopback offload");
            }
            return OffloadDecision.kernel("loopback, and loopback offload is off");
        }
        if (address.isAnyLocalAddress()) {
            if (!role.isLocalAddress()) {
                return OffloadDecision.kernel("wildcard remote address");
            }
            return OffloadDecision.offload(null, forced ? why : "wildcard bind: served on Flyover interfaces, shadowed in the kernel");
        }
        Optional<String> out = routes.get().lookup(address);
        if (out.isEmpty()) {
            return OffloadDecision.kernel("no route to " + address.getHostAddress());
        }
        String ifname = out.get();
        if (!interfaceServed.test(ifname)) {
            return OffloadDecision.kernel("route leaves through " + ifname + ", which no Flyover device serves");
        }
        return OffloadDecision.offload(ifname, forced ? why : "route leaves through " + ifname);
    }
}
