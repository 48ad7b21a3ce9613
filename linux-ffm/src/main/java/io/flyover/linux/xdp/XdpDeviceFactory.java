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
 * and {@link DeviceOptions#zeroCopy()} asks for it; {@link DeviceOptions#steering()} chooses between
 * {@link XdpDevice.Steering#QUEUE} (the default: the stack takes the queues) and
 * {@link XdpDevice.Steering#PORTS} (only the ports it holds; the kernel keeps the rest of the interface).
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
        XdpDevice.Steering steering = switch (options.steering()) {
            case QUEUE -> XdpDevice.Steering.QUEUE;
            case PORTS -> XdpDevice.Steering.PORTS;
        };
        return new XdpDevice(interfaceName, 0, options.queues(), pool, options.ringSize(), options.zeroCopy(),
                XdpDevice.Attach.DRIVER, steering);
    }
}
