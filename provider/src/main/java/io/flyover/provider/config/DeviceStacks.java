package io.flyover.provider.config;

import io.flyover.provider.policy.KernelRoute;
import io.flyover.provider.policy.KernelRoutingTable;
import io.flyover.provider.runtime.SecureRandomSource;
import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.NetDeviceFactory;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the stack of one accelerated host interface: the device from the highest-priority
 * {@link NetDeviceFactory} that serves it (or the kind {@code flyover.device} names), and the
 * interface's own addresses, prefixes, MTU and default gateways, so that the stack answers for the same
 * addresses the kernel has there.
 */
final class DeviceStacks {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceStacks.class);
    private static final int DEFAULT_FRAMES = 8192;

    private static final java.nio.file.Path SYS_CLASS_NET = java.nio.file.Path.of("/sys/class/net");

    private DeviceStacks() {}

    /** {@link #open(String, Settings, Consumer)} logging its one fallback line through SLF4J. */
    static Optional<StackRuntime> open(String interfaceName, Settings settings) throws IOException {
        return open(interfaceName, settings, LOG::warn);
    }

    /**
     * Opens the stack of {@code interfaceName} on the first device that opens, or none: then the
     * interface stays the kernel's (the offload policy sends its sockets to the kernel). Either way,
     * when a device kind failed, {@code warn} gets exactly one line naming each failure and the outcome. A device that cannot start (no libibverbs, no RDMA
     * device, a port that is down, a failed memory registration, no AF_XDP) never fails the provider.
     *
     * <p>Which devices are tried: with {@code flyover.device} set, only that kind (the operator chose
     * it; another kind would take the interface in a way they did not ask for). Otherwise every kind
     * that {@linkplain NetDeviceFactory#serves serves} the interface, highest priority first (verbs,
     * then AF_XDP, then AF_PACKET), each failure noted and the next one tried.
     *
     * @throws IOException when the host has no interface of that name (a configuration error, as a bad rule
     *     is); one without an address is only warned about and left to the kernel
     */
    static Optional<StackRuntime> open(String interfaceName, Settings settings, Consumer<String> warn)
            throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(interfaceName);
        if (nif == null) {
            if (java.nio.file.Files.isDirectory(SYS_CLASS_NET.resolve(interfaceName))) {
                // the JDK lists only interfaces with an address: this one has none, so nothing can be
                // offloaded through it (XLIO's users saw a crash here)
                warn.accept(interfaceName + " has no IPv4 or IPv6 address: sockets through " + interfaceName
                        + " go to the kernel");
                return Optional.empty();
            }
            throw new IOException("flyover.interfaces names " + interfaceName + ", which this host does not have");
        }
        return open(nif, settings, factories(), warn);
    }

    static Optional<StackRuntime> open(NetworkInterface nif, Settings settings, List<NetDeviceFactory> factories,
                                       Consumer<String> warn) {
        String interfaceName = nif.getName();
        Optional<String> kind = settings.get(SettingKeys.DEVICE);
        List<NetDeviceFactory> candidates = candidates(interfaceName, kind, factories);
        List<String> failures = new ArrayList<>();
        if (kind.isPresent() && candidates.isEmpty()) {
            failures.add("no device factory of that kind is on the class path");
        }
        for (NetDeviceFactory factory : candidates) {
            try {
                StackRuntime opened = open(nif, factory, settings);
                if (!failures.isEmpty()) {
                    warn.accept(factory.kind() + " drives " + interfaceName + " because "
                            + String.join("; ", failures));
                }
                return Optional.of(opened);
            } catch (Exception | LinkageError e) { // LinkageError: a native library that cannot load
                failures.add(factory.kind() + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            }
        }
        String asked = kind.map(k -> SettingKeys.DEVICE + "=" + k).orElse("no Flyover device");
        warn.accept(asked + " cannot drive " + interfaceName
                + (failures.isEmpty() ? " (no device kind serves it)" : " (" + String.join("; ", failures) + ")")
                + ": sockets through " + interfaceName + " go to the kernel");
        return Optional.empty();
    }

    /**
     * The factories to try, in order: the one kind asked for (not filtered by {@code serves}, so that
     * its own {@code open} says why it cannot), or every serving kind by falling priority.
     */
    static List<NetDeviceFactory> candidates(String interfaceName, Optional<String> kind, List<NetDeviceFactory> all) {
        if (kind.isPresent()) {
            return all.stream().filter(f -> f.kind().equals(kind.get())).toList();
        }
        return all.stream()
                .filter(f -> servesQuietly(f, interfaceName))
                .sorted(Comparator.comparingInt(NetDeviceFactory::priority).reversed())
                .toList();
    }

    private static boolean servesQuietly(NetDeviceFactory f, String interfaceName) {
        try {
            return f.serves(interfaceName);
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static List<NetDeviceFactory> factories() {
        List<NetDeviceFactory> out = new ArrayList<>();
        for (var it = ServiceLoader.load(NetDeviceFactory.class).stream().iterator(); it.hasNext(); ) {
            var provider = it.next();
            try {
                out.add(provider.get());
            } catch (java.util.ServiceConfigurationError | LinkageError e) {
                LOG.warn("device factory {} cannot load: {}", provider.type().getName(), e.toString());
            }
        }
        return out;
    }

    /** {@link DeviceOptions#DEFAULTS} with the steering {@link SettingKeys#XDP_STEERING} asks for. */
    static DeviceOptions deviceOptions(Settings settings) {
        String steering = settings.get(SettingKeys.XDP_STEERING, "queue").trim().toUpperCase(java.util.Locale.ROOT);
        return DeviceOptions.DEFAULTS.withSteering(DeviceOptions.Steering.valueOf(steering));
    }

    private static StackRuntime open(NetworkInterface nif, NetDeviceFactory factory, Settings settings)
            throws IOException {
        String interfaceName = nif.getName();
        StackConfig.Builder config = StackConfig.builder().mtu(nif.getMTU());
        for (InterfaceAddress a : nif.getInterfaceAddresses()) {
            if (a.getAddress() instanceof Inet4Address v4) {
                config.ipv4(v4.getHostAddress(), a.getNetworkPrefixLength());
            } else if (a.getAddress() instanceof Inet6Address v6 && !v6.isLinkLocalAddress()) {
                config.ipv6(v6.getHostAddress(), a.getNetworkPrefixLength());
            }
        }
        KernelRoutingTable routes = KernelRoutingTable.readSystem();
        for (KernelRoute r : routes.routes()) {
            if (r.prefixLength() == 0 && r.gateway() != null && r.interfaceName().equals(interfaceName)) {
                if (r.gateway() instanceof Inet4Address) {
                    config.ipv4Gateway(r.gateway().getHostAddress());
                } else {
                    config.ipv6Gateway(r.gateway().getHostAddress());
                }
            }
        }

        int frames = (int) settings.getLong(SettingKeys.FRAMES, DEFAULT_FRAMES);
        FramePool pool = FramePool.allocate(frames);
        NetDevice device;
        try {
            NetDevice opened = factory.open(interfaceName, pool, deviceOptions(settings));
            try {
                device = PcapCapture.wrap(opened, interfaceName, settings);
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            pool.close();
            throw e;
        }
        Stack stack;
        try {
            stack = new Stack(config.build(), device, new SecureRandomSource());
        } catch (RuntimeException e) {
            device.close();
            pool.close();
            throw e;
        }
        return new StackRuntime(interfaceName, stack, false, System::nanoTime, () -> {
            device.close();
            pool.close();
        });
    }
}
