package io.flyover.linux.testing;

import io.flyover.linux.mem.HugePageRegion;
import io.flyover.linux.packet.PacketDevice;
import io.flyover.linux.packet.PacketDeviceFactory;
import io.flyover.linux.tap.TapDevice;
import io.flyover.linux.tap.TapDeviceFactory;
import io.flyover.linux.xdp.XdpDevice;
import io.flyover.linux.xdp.XdpDeviceFactory;
import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.net.IpAddress;
import java.util.function.UnaryOperator;

/**
 * A whole Flyover {@link Stack} on a real Linux device, facing the kernel of a namespace the test
 * creates: the stack plays 198.18.N.2 (and fd00:18:N::2 when IPv6 is asked for), the kernel peer
 * 198.18.N.1 (fd00:18:N::1), and a {@link StackRunner} drives the stack on its own thread.
 * {@link #close()} stops the thread, closes stack, device and namespace, and checks that every
 * frame came back to the pool, also after a failure.
 */
public final class StackOnLink implements AutoCloseable {
    /** The Linux devices a stack can run on. */
    public enum Kind { AF_XDP, TAP, AF_PACKET }

    public final Kind kind;
    public final Namespace ns;
    /** The device the stack drives: the Linux device, or the wrapper given to {@link #open}. */
    public final NetDevice device;
    public final Stack stack;
    public final StackRunner runner;
    public final IpAddress ipv4;
    /** fd00:18:N::2, or null without IPv6. */
    public final IpAddress ipv6;
    private final FramePool pool;
    private final HugePageRegion region;

    private StackOnLink(Kind kind, Namespace ns, NetDevice device, Stack stack, StackRunner runner, IpAddress ipv6,
                        FramePool pool, HugePageRegion region) {
        this.kind = kind;
        this.ns = ns;
        this.device = device;
        this.stack = stack;
        this.runner = runner;
        this.ipv4 = IpAddress.parse(ns.localIpv4());
        this.ipv6 = ipv6;
        this.pool = pool;
        this.region = region;
    }

    /** A stack with default settings, IPv4 and IPv6, on a device of {@code kind}. */
    public static StackOnLink open(Kind kind, String tag, int subnet) throws Exception {
        return open(kind, tag, subnet, true, StackConfig.builder(), UnaryOperator.identity());
    }

    /**
     * @param tag names the namespace {@code fl-TAG} and the links {@code fl-TAG0}/{@code fl-TAG1}
     * @param wrap decorates the Linux device before the stack gets it (an impairment, a capture)
     */
    public static StackOnLink open(Kind kind, String tag, int subnet, boolean ipv6, StackConfig.Builder config,
                                   UnaryOperator<NetDevice> wrap) throws Exception {
        Prerequisites.requireNetworkAdmin();
        HugePageRegion region = null;
        FramePool pool = null;
        Namespace ns = null;
        NetDevice linux = null;
        NetDevice device = null;
        Stack stack = null;
        try {
            int frames = 8192;
            if (kind == Kind.AF_XDP) {
                region = HugePageRegion.forFrames(frames, FramePool.DEFAULT_FRAME_SIZE);
                pool = region.newFramePool(frames, FramePool.DEFAULT_FRAME_SIZE, FramePool.DEFAULT_HEADROOM, 512);
            } else {
                pool = FramePool.allocate(frames);
            }
            switch (kind) {
                case AF_XDP -> {
                    Prerequisites.requireTools("ethtool");
                    ns = Namespace.withVeth(tag, subnet);
                    ns.setPeerOffloads("tx", "off"); // AF_XDP cannot tell a partial checksum from a bad one
                    linux = new XdpDeviceFactory().open(ns.hostLink(), pool, new DeviceOptions(1, 1024, true));
                }
                case AF_PACKET -> {
                    ns = Namespace.withVeth(tag, subnet);
                    linux = new PacketDeviceFactory().open(ns.hostLink(), pool, new DeviceOptions(1, 1024, false));
                }
                case TAP -> {
                    String tap = "fl-" + tag + "0";
                    Shell.tryRun("ip", "link", "del", tap); // a stale one from a killed run
                    linux = new TapDeviceFactory().open(tap, pool, DeviceOptions.DEFAULTS);
                    ns = Namespace.forTap(tag, tap, subnet);
                }
            }
            int wakeFd = switch (linux) {
                case XdpDevice x -> x.fd(0);
                case TapDevice t -> t.fd();
                case PacketDevice p -> p.fd();
                default -> -1;
            };
            device = wrap.apply(linux);
            config.ipv4(ns.localIpv4(), 24);
            IpAddress v6 = null;
            if (ipv6) {
                ns.enableIpv6();
                config.ipv6(ns.localIpv6(), 64);
                v6 = IpAddress.parse(ns.localIpv6());
            }
            stack = new Stack(config.build(), device, new SeededRandom(System.nanoTime()));
            StackRunner runner = new StackRunner(stack, wakeFd, tag);
            return new StackOnLink(kind, ns, device, stack, runner, v6, pool, region);
        } catch (Throwable t) {
            closeAll(null, stack, device != null ? device : linux, ns, pool, region);
            throw t;
        }
    }

    /** The stack's address of the family asked for. */
    public IpAddress address(boolean v4) {
        return v4 ? ipv4 : ipv6;
    }

    /** The kernel peer's address of the family, as text. */
    public String peerAddress(boolean v4) {
        return v4 ? ns.peerIpv4() : ns.peerIpv6();
    }

    /** The stack's address of the family, as text for a URL or a command line. */
    public String urlHost(boolean v4) {
        return v4 ? ns.localIpv4() : "[" + ns.localIpv6() + "]";
    }

    @Override
    public void close() {
        closeAll(runner, stack, device, ns, pool, region);
    }

    /**
     * Closes what a device test opened, each part even when closing an earlier one failed: the runner,
     * the stack, the device, the namespace, then checks that every frame came back to the pool and frees
     * it (and its hugepage region). Any of them may be null: a test that failed or was skipped part-way.
     */
    public static void closeAll(StackRunner runner, Stack stack, NetDevice device, Namespace ns, FramePool pool,
                                HugePageRegion region) {
        try {
            if (runner != null) {
                runner.close();
            }
        } finally {
            try {
                if (stack != null) {
                    stack.close();
                }
            } finally {
                try {
                    if (device != null) {
                        device.close();
                    }
                } finally {
                    try {
                        if (ns != null) {
                            ns.close();
                        }
                    } finally {
                        if (pool != null) {
                            try {
                                pool.checkAllReturned();
                            } finally {
                                pool.close();
                                if (region != null) {
                                    region.close();
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
