package io.flyover.linux.xdp;

import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.NetDeviceFactory;
import java.io.IOException;

/**
 * Kind {@code "af_xdp"}: any Ethernet interface that is not a TAP, on NIC queues
 * {@code 0 .. options.queues() - 1}, copy mode everywhere and zero-copy where the driver offers it
 * and {@link DeviceOptions#zeroCopy()} asks for it.
 */
public final class XdpDeviceFactory implements NetDeviceFactory {

    @Override
    public String kind() { return "af_xdp"; }

    @Override
    public int priority() { return 20; }

    @Override
    public boolean serves(String interfaceName) {
        return NetInterface.isEthernetNotTap(interfaceName);
    }

    @Override
    public NetDevice open(String interfaceName, FramePool pool, DeviceOptions options) throws IOException {
        return new XdpDevice(interfaceName, 0, options.queues(), pool, options.ringSize(), options.zeroCopy());
    }
}
