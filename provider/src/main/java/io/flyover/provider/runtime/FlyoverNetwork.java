package io.flyover.provider.runtime;

import io.flyover.provider.policy.KernelRoutingTable;
import io.flyover.provider.policy.OffloadDecision;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.OffloadPolicy;
import io.flyover.provider.policy.OffloadRule;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.events.FlyoverEvents;
import io.flyover.provider.stats.StatsFile;
import io.flyover.stack.net.IpAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stacks one provider drives and the decisions that send each socket to one of them or to the
 * kernel: the offload policy (rules, then the kernel's route), address ownership for binds, and the
 * loopback rule (a loopback destination is offloaded only when a Flyover listener serves it).
 */
public final class FlyoverNetwork implements AutoCloseable {
    /** Where a socket goes: a stack, or the kernel ({@code runtime} null), and why. */
    public record Route(StackRuntime runtime, OffloadDecision decision) {
        public boolean offloaded() {
            return runtime != null;
        }

        static Route kernel(String reason) {
            return new Route(null, new OffloadDecision(OffloadPath.KERNEL, null, reason));
        }
    }

    private final List<StackRuntime> runtimes;
    private final Map<String, StackRuntime> byInterface = new LinkedHashMap<>();
    private final OffloadPolicy policy;
    private final long spinNanos;
    private final StatsFile stats;
    private final ProviderCounters counters;
    private final ListenerDirectory listeners = new ListenerDirectory();

    /**
     * @param runtimes the stacks, each named by the interface it serves (the loopback stack as {@code lo})
     * @param policy decides by rules and routes; its "interface served" test should be {@link #serves}
     * @param spinNanos how long a waiting thread polls a stack itself before parking
     */
    public FlyoverNetwork(List<StackRuntime> runtimes, OffloadPolicy policy, long spinNanos) {
        this(runtimes, policy, spinNanos, StatsFile.disabled());
    }

    /** As above, counting sockets also in {@code stats} (the process's statistics file). */
    public FlyoverNetwork(List<StackRuntime> runtimes, OffloadPolicy policy, long spinNanos, StatsFile stats) {
        this.stats = stats;
        this.counters = new ProviderCounters(stats.process());
        this.runtimes = List.copyOf(runtimes);
        for (StackRuntime r : runtimes) {
            byInterface.put(r.isLoopback() ? KernelRoutingTable.LOOPBACK_INTERFACE : r.interfaceName(), r);
        }
        this.policy = policy;
        this.spinNanos = spinNanos;
    }

    public List<StackRuntime> runtimes() { return runtimes; }
    public ProviderCounters counters() { return counters; }
    /** The process's statistics file this network publishes into (disabled when {@code flyover.stats=false}). */
    public StatsFile stats() { return stats; }
    public ListenerDirectory listeners() { return listeners; }
    public long spinNanos() { return spinNanos; }

    /** {@code flyover.udp.kernel.poll.ratio}: a datagram socket's empty receives per kernel receive (0: none). */
    public int udpKernelPollRatio() { return udpKernelPollRatio; }

    public void udpKernelPollRatio(int ratio) {
        if (ratio < 0) {
            throw new IllegalArgumentException("ratio must not be negative: " + ratio);
        }
        udpKernelPollRatio = ratio;
    }

    private volatile int udpKernelPollRatio = DEFAULT_UDP_KERNEL_POLL_RATIO;

    /** XLIO's default {@code XLIO_RX_UDP_POLL_OS_RATIO}. */
    public static final int DEFAULT_UDP_KERNEL_POLL_RATIO = 100;

    /** Whether a stack of this network serves the named interface (the policy's last check). */
    public boolean serves(String interfaceName) {
        return byInterface.containsKey(interfaceName);
    }

    /**
     * Where an outgoing socket ({@link SocketRole#TCP_CLIENT}, {@link SocketRole#UDP_CONNECT},
     * {@link SocketRole#UDP_SENDER}) to {@code remote:port} goes.
     */
    public Route outgoing(SocketRole role, InetAddress remote, int port, ListenerDirectory.Protocol protocol) {
        Route r = route(role, remote, port, protocol);
        FlyoverEvents.offloadDecision(role, remote, port, r.decision());
        return r;
    }

    private Route route(SocketRole role, InetAddress remote, int port, ListenerDirectory.Protocol protocol) {
        if (runtimes.isEmpty()) {
            return Route.kernel("no Flyover stack");
        }
        OffloadDecision d = policy.decide(role, remote, port);
        if (!d.offloaded()) {
            return new Route(null, d);
        }
        StackRuntime r = byInterface.get(d.interfaceName());
        if (r == null) {
            return Route.kernel("no Flyover stack serves " + d.interfaceName());
        }
        IpAddress ip = IpAddress.of(remote);
        if (!r.hasFamily(ip)) {
            return Route.kernel(d.interfaceName() + " has no address of the family of " + remote.getHostAddress());
        }
        if (r.isLoopback() && !listeners.serves(r, protocol, ip, port)) {
            return Route.kernel("no Flyover " + protocol + " listener on " + remote.getHostAddress() + ":" + port);
        }
        return new Route(r, d);
    }

    /**
     * Where a socket bound to the specific local address {@code local} ({@link SocketRole#TCP_SERVER},
     * {@link SocketRole#UDP_RECEIVER}) is served: the stack that owns the address, unless a rule says kernel.
     */
    public Route bound(SocketRole role, InetAddress local, int port) {
        Route r = bind(role, local, port);
        FlyoverEvents.offloadDecision(role, local, port, r.decision());
        return r;
    }

    private Route bind(SocketRole role, InetAddress local, int port) {
        Optional<OffloadRule> rule = policy.rule(role, local, port);
        if (rule.isPresent() && rule.get().path() == OffloadPath.KERNEL) {
            return Route.kernel("rule " + rule.get().source());
        }
        IpAddress ip = IpAddress.of(local);
        for (StackRuntime r : runtimes) {
            if (r.owns(ip)) {
                if (r.isLoopback() && !policy.loopbackOffload() && rule.isEmpty()) {
                    continue;
                }
                return new Route(r, new OffloadDecision(OffloadPath.OFFLOAD, r.interfaceName(),
                        rule.map(x -> "rule " + x.source()).orElse(local.getHostAddress() + " is an address of " + r.interfaceName())));
            }
        }
        return Route.kernel("no Flyover stack owns " + local.getHostAddress());
    }

    /** The stacks a socket bound to the wildcard address listens on (all of them unless a rule says kernel). */
    public List<StackRuntime> wildcard(SocketRole role, InetAddress any, int port) {
        Optional<OffloadRule> rule = policy.rule(role, any, port);
        if (rule.isPresent() && rule.get().path() == OffloadPath.KERNEL) {
            return List.of();
        }
        List<StackRuntime> out = new ArrayList<>();
        for (StackRuntime r : runtimes) {
            if (!r.isLoopback() || policy.loopbackOffload()) {
                out.add(r);
            }
        }
        return out;
    }

    /** The stack owning {@code local}, or null. */
    public StackRuntime owner(InetAddress local) {
        IpAddress ip = IpAddress.of(local);
        for (StackRuntime r : runtimes) {
            if (r.owns(ip)) {
                return r;
            }
        }
        return null;
    }

    /** Polls every stack whose lock is free: what a thread about to park does while it spins. */
    public boolean pollAll() {
        boolean work = false;
        for (int i = 0; i < runtimes.size(); i++) {
            work |= runtimes.get(i).tryPoll();
        }
        return work;
    }

    /**
     * What a thread about to park (or block in a kernel selector) calls: a stack thread resting while
     * application threads drove its stack resumes polling now, as nobody else will.
     */
    public void beforeApplicationPark() {
        for (int i = 0; i < runtimes.size(); i++) {
            runtimes.get(i).wakeAgent();
        }
    }

    @Override
    public void close() {
        for (StackRuntime r : runtimes) {
            r.close();
        }
    }
}
