package io.flyover.provider;

import io.flyover.stack.device.NetDevice;
import java.util.function.UnaryOperator;

import io.flyover.provider.policy.KernelRoute;
import io.flyover.provider.policy.KernelRoutingTable;
import io.flyover.provider.policy.OffloadPolicy;
import io.flyover.provider.policy.OffloadRules;
import io.flyover.provider.runtime.FlyoverNetwork;
import io.flyover.provider.runtime.IdleStrategies;
import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.VethPair;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Two Flyover providers, A (198.18.0.1, fd42::1) and B (198.18.0.2, fd42::2), each with one stack on
 * real time and its own stack thread, joined by an in-process {@link VethPair}: two "hosts" whose
 * channels talk over Flyover. Each provider's routing table sends 198.18.0.0/24 and fd42::/64 through
 * its veth end; everything else (127.0.0.1, say) goes to the kernel. {@link #close()} checks that
 * no frame leaked.
 */
final class TwoHosts implements AutoCloseable {
    static final InetAddress A4 = InetAddress.ofLiteral("198.18.0.1");
    static final InetAddress B4 = InetAddress.ofLiteral("198.18.0.2");
    static final InetAddress A6 = InetAddress.ofLiteral("fd42::1");
    static final InetAddress B6 = InetAddress.ofLiteral("fd42::2");

    final FramePool poolA = FramePool.allocate(2048);
    final FramePool poolB = FramePool.allocate(2048);
    final VethPair veth = VethPair.create(poolA, 0x0200_0000_000AL, poolB, 0x0200_0000_000BL, 512);
    final StackRuntime stackA;
    final StackRuntime stackB;
    final FlyoverSelectorProvider a;
    final FlyoverSelectorProvider b;

    TwoHosts() {
        this("");
    }

    /** @param rulesA offload rules for provider A */
    TwoHosts(String rulesA) {
        this(rulesA, "veth-a", "veth-b");
    }

    /** @param nameA, nameB the interface names the stacks stand for (a multicast join names an interface) */
    TwoHosts(String rulesA, String nameA, String nameB) {
        this(rulesA, nameA, nameB, UnaryOperator.identity());
    }

    /** @param deviceA what stack A drives, given its veth end (a wrapper that watches or changes it) */
    TwoHosts(String rulesA, String nameA, String nameB, UnaryOperator<NetDevice> deviceA) {
        stackA = new StackRuntime(nameA, new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).ipv6("fd42::1", 64).build(),
                deviceA.apply(veth.a()), new SeededRandom(11)), false, System::nanoTime, null);
        stackB = new StackRuntime(nameB, new Stack(StackConfig.builder().ipv4("198.18.0.2", 24).ipv6("fd42::2", 64).build(),
                veth.b(), new SeededRandom(22)), false, System::nanoTime, null);
        a = new FlyoverSelectorProvider(network(stackA, rulesA));
        b = new FlyoverSelectorProvider(network(stackB, ""));
        stackA.start(IdleStrategies.parse("backoff"), NetworkFactoryThreads.DAEMON);
        stackB.start(IdleStrategies.parse("backoff"), NetworkFactoryThreads.DAEMON);
    }

    private static FlyoverNetwork network(StackRuntime rt, String rules) {
        KernelRoutingTable routes = new KernelRoutingTable(List.of(
                new KernelRoute(InetAddress.ofLiteral("198.18.0.0"), 24, null, 0, rt.interfaceName()),
                new KernelRoute(InetAddress.ofLiteral("fd42::"), 64, null, 0, rt.interfaceName())));
        OffloadPolicy policy = new OffloadPolicy(OffloadRules.parse(rules, "test"), () -> routes,
                rt.interfaceName()::equals, false);
        return new FlyoverNetwork(List.of(rt), policy, 10_000);
    }

    static InetSocketAddress at(InetAddress a, int port) {
        return new InetSocketAddress(a, port);
    }

    private boolean closed;

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        a.close();
        b.close();
        veth.close();
        try {
            poolA.checkAllReturned();
            poolB.checkAllReturned();
        } finally {
            poolA.close();
            poolB.close();
        }
    }
}
