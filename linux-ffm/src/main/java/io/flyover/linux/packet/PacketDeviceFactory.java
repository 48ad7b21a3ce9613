package io.flyover.linux.packet;

import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.NetDeviceFactory;
import java.io.IOException;

/**
 * Kind {@code "af_packet"}: any Ethernet interface that is not a TAP; the portable fallback when
 * AF_XDP is unavailable. The RX ring holds {@link DeviceOptions#ringSize()} frames; blocks retire
 * after 1 ms.
 */
public final class PacketDeviceFactory implements NetDeviceFactory {
    /** How long a partly filled TPACKET_V3 block waits before the kernel hands it over. */
    public static final int RETIRE_MILLIS = 1;

    @Override
    public String kind() { return "af_packet"; }

    @Override
    public int priority() { return 10; }

    @Override
    public boolean serves(String interfaceName) {
        return NetInterface.isEthernetNotTap(interfaceName);
    }

    @Override
    public NetDevice open(String interfaceName, FramePool pool, DeviceOptions options) throws IOException {
        if (options.queues() != 1) {
            throw new IOException("af_packet: one queue only, " + options.queues() + " asked for " + interfaceName);
        }
        return new PacketDevice(interfaceName, pool, options.ringSize(), RETIRE_MILLIS);
    }
}
