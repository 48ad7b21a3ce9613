package io.flyover.linux.packet;

import io.flyover.linux.testing.DeviceInteropContract;
import io.flyover.linux.testing.Namespace;
import io.flyover.stack.device.DeviceOptions;

/** AF_PACKET with a TPACKET_V3 RX ring on the host end of a veth pair; the kernel peer in the namespace. */
class PacketDeviceTest extends DeviceInteropContract {

    @Override
    protected void open() throws Exception {
        ns = Namespace.withVeth("pk", 20);
        device = new PacketDeviceFactory().open(ns.hostLink(), pool, new DeviceOptions(1, 256, false));
    }

    @Override
    protected int pollFd() {
        return ((PacketDevice) device).fd();
    }
}
