package io.flyover.stack.device;

import io.flyover.stack.buffer.FramePool;
import java.io.IOException;

/**
 * Opens devices of one kind on named host interfaces. Found by the provider through
 * {@link java.util.ServiceLoader}, so a deployment without a module (say, no RDMA) simply lacks its kind.
 */
public interface NetDeviceFactory {

    /** The kind, as configuration names it: {@code "af_xdp"}, {@code "verbs"}, {@code "tap"}, ... */
    String kind();

    /** Preference when several kinds could serve one interface; higher wins. */
    int priority();

    /** Whether this kind could drive the interface here; cheap, without side effects, never throws. */
    boolean serves(String interfaceName);

    /**
     * Opens the device over the stack's pool (a device that needs registered memory registers
     * {@link FramePool#region()} itself). Fails with a message that says what is missing: the
     * library, the hardware, a permission.
     */
    NetDevice open(String interfaceName, FramePool pool, DeviceOptions options) throws IOException;
}
