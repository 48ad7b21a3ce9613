package io.flyover.linux.tap;

import io.flyover.linux.testing.DeviceInteropContract;
import io.flyover.linux.testing.Namespace;

/** TAP: the interface is created by the device, then moved into the namespace as the kernel peer. */
class TapDeviceTest extends DeviceInteropContract {
    private static final String TAP = "fl-tp0";

    @Override
    protected void open() throws Exception {
        device = new TapDeviceFactory().open(TAP, pool, io.flyover.stack.device.DeviceOptions.DEFAULTS);
        ns = Namespace.forTap("tp", TAP, 10);
    }

    @Override
    protected int pollFd() {
        return ((TapDevice) device).fd();
    }
}
