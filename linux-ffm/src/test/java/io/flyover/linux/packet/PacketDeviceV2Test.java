package io.flyover.linux.packet;

import io.flyover.linux.testing.DeviceInteropContract;
import io.flyover.linux.testing.Namespace;

/** AF_PACKET with the latency-oriented TPACKET_V2 RX ring: the same exchanges as with V3. */
class PacketDeviceV2Test extends DeviceInteropContract {

    @Override
    protected void open() throws Exception {
        ns = Namespace.withVeth("p2", 21);
        device = new PacketDevice(ns.hostLink(), pool, PacketDevice.RxRing.V2_FRAMES, 256, 1);
    }

    @Override
    protected int pollFd() {
        return ((PacketDevice) device).fd();
    }
}
