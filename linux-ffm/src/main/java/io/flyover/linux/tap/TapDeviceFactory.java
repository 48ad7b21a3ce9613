package io.flyover.linux.tap;

import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.NetDeviceFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kind {@code "tap"}: serves existing TUN/TAP interfaces, and names not yet taken (which it creates).
 * The stack's MAC on the link is {@link TapDevice#localMacFor(String)}.
 */
public final class TapDeviceFactory implements NetDeviceFactory {

    @Override
    public String kind() { return "tap"; }

    @Override
    public int priority() { return 15; }

    @Override
    public boolean serves(String interfaceName) {
        if (!NetInterface.isValidName(interfaceName) || !Files.exists(Path.of("/dev/net/tun"))) {
            return false;
        }
        return NetInterface.isTunTap(interfaceName) || !NetInterface.exists(interfaceName);
    }

    @Override
    public NetDevice open(String interfaceName, FramePool pool, DeviceOptions options) throws IOException {
        if (options.queues() != 1) {
            throw new IOException("tap: one queue only, " + options.queues() + " asked for " + interfaceName);
        }
        return new TapDevice(interfaceName, pool, TapDevice.localMacFor(interfaceName));
    }
}
