package io.flyover.provider.config;

import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.device.NetDeviceFactory;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/** Lets tests of other packages open an interface's stack as the provider does, capturing the fallback line. */
public final class DeviceStacksProbe {
    private DeviceStacksProbe() {}

    public static Optional<StackRuntime> open(String interfaceName, Map<String, String> settings, Consumer<String> warn)
            throws IOException {
        return DeviceStacks.open(interfaceName, Settings.isolated(settings), warn);
    }

    /** The kinds the provider would try on {@code interfaceName} without {@code flyover.device}, in order. */
    public static List<String> kindsInOrder(String interfaceName) {
        List<NetDeviceFactory> all = ServiceLoader.load(NetDeviceFactory.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        return DeviceStacks.candidates(interfaceName, Optional.empty(), all).stream().map(NetDeviceFactory::kind).toList();
    }
}
