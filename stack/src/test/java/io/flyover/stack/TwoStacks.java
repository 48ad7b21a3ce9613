package io.flyover.stack;

import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.VethPair;
import io.flyover.stack.net.IpAddress;
import java.util.function.UnaryOperator;

/**
 * Two stacks joined by a {@link VethPair}, driven on virtual time by one thread: A is 198.18.0.1 /
 * fd00::1, B is 198.18.0.2 / fd00::2. {@link #close()} checks that no frame leaked.
 */
public final class TwoStacks implements AutoCloseable {
    public static final long MAC_A = 0x0200_0000_000AL;
    public static final long MAC_B = 0x0200_0000_000BL;
    public static final IpAddress A4 = IpAddress.parse("198.18.0.1");
    public static final IpAddress B4 = IpAddress.parse("198.18.0.2");
    public static final IpAddress A6 = IpAddress.parse("fd00::1");
    public static final IpAddress B6 = IpAddress.parse("fd00::2");

    public final FramePool poolA;
    public final FramePool poolB;
    public final VethPair veth;
    public final Stack a;
    public final Stack b;
    public long now = 1_000_000_000L;

    public TwoStacks() {
        this(StackConfig.builder(), StackConfig.builder());
    }

    public TwoStacks(StackConfig.Builder configA, StackConfig.Builder configB) {
        this(configA, configB, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /** With each stack's device wrapped, e.g. in a {@link io.flyover.stack.device.soft.PcapTap}. */
    public TwoStacks(StackConfig.Builder configA, StackConfig.Builder configB, UnaryOperator<NetDevice> wrapA,
                     UnaryOperator<NetDevice> wrapB) {
        poolA = FramePool.allocate(1024);
        poolB = FramePool.allocate(1024);
        veth = VethPair.create(poolA, MAC_A, poolB, MAC_B, 256);
        a = new Stack(configA.ipv4("198.18.0.1", 24).ipv6("fd00::1", 64).build(), wrapA.apply(veth.a()), new SeededRandom(1));
        b = new Stack(configB.ipv4("198.18.0.2", 24).ipv6("fd00::2", 64).build(), wrapB.apply(veth.b()), new SeededRandom(2));
    }

    /** Polls both stacks {@code rounds} times at the current virtual time. */
    public void run(int rounds) {
        for (int i = 0; i < rounds; i++) {
            a.poll(now);
            b.poll(now);
        }
    }

    /** Advances virtual time in steps, polling both stacks at each. */
    public void advance(long nanos, long step) {
        long end = now + nanos;
        while (now < end) {
            now = Math.min(end, now + step);
            run(2);
        }
    }

    @Override
    public void close() {
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
