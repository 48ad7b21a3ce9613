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
import java.util.Comparator;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Opens the stack of one accelerated host interface: the device from the highest-priority
 * {@link NetDeviceFactory} that serves it (or the kind {@code flyover.device} names), and the
 * interface's own addresses, prefixes, MTU and default gateways, so that the stack answers for the same
 * addresses the kernel has there.
 */
final class DeviceStacks {
    private static final int DEFAULT_FRAMES = 8192;

    private DeviceStacks() {}

    static StackRuntime open(String interfaceName, Settings settings) throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(interfaceName);
        if (nif == null) {
            throw new IOException("flyover.interfaces names " + interfaceName + ", which this host does not have");
        }
        Optional<String> kind = settings.get(SettingKeys.DEVICE);
        NetDeviceFactory factory = ServiceLoader.load(NetDeviceFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> kind.isEmpty() || f.kind().equals(kind.get()))
                .filter(f -> f.serves(interfaceName))
                .max(Comparator.comparingInt(NetDeviceFactory::priority))
                .orElseThrow(() -> new IOException("no Flyover device " + kind.map(k -> "of kind " + k + " ").orElse("")
                        + "can drive " + interfaceName + " (is linux-ffm or verbs-ffm on the class path?)"));

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
            NetDevice opened = factory.open(interfaceName, pool, DeviceOptions.DEFAULTS);
            try {
                device = PcapCapture.wrap(opened, interfaceName, settings);
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw e;
        }
        Stack stack = new Stack(config.build(), device, new SecureRandomSource());
        return new StackRuntime(interfaceName, stack, false, System::nanoTime, () -> {
            device.close();
            pool.close();
        });
    }
}
