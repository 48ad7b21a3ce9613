package io.flyover.verbs;

import io.flyover.linux.packet.NeighbourTapDevice;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.NetDeviceFactory;
import io.flyover.verbs.bindings.Libibverbs;
import io.flyover.verbs.bindings.verbs_h;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kind {@code "verbs"}: a RAW_PACKET queue pair on the RDMA device behind an Ethernet interface
 * (ConnectX and other rdma-core NICs). Found through {@link java.util.ServiceLoader}.
 *
 * <p>System properties: {@value #SIGNAL_EVERY} (sends per requested completion, a power of two, default
 * a quarter of the ring up to 32), {@value #FORK_INIT} ({@code ibv_fork_init()} before the first device,
 * default true, as XLIO does so that a forked child does not corrupt registered memory).
 */
public final class VerbsDeviceFactory implements NetDeviceFactory {
    private static final Logger LOG = LoggerFactory.getLogger(VerbsDeviceFactory.class);
    public static final String KIND = "verbs";
    public static final String SIGNAL_EVERY = "flyover.verbs.signal-every";
    public static final String FORK_INIT = "flyover.verbs.fork-init";

    private static boolean forkInitDone;

    private final RdmaSysfs sysfs;
    private final NeighbourEars ears;

    public VerbsDeviceFactory() {
        this(RdmaSysfs.system(), NeighbourTapDevice::wrap);
    }

    /**
     * @param ears what the opened queue is wrapped in so that the stack hears ARP and neighbour discovery,
     *     which its flow rules leave to the kernel ({@link NeighbourTapDevice#wrap} on a real interface)
     */
    public VerbsDeviceFactory(RdmaSysfs sysfs, NeighbourEars ears) {
        this.sysfs = sysfs;
        this.ears = ears;
    }

    /** Gives an opened device the frames its flow rules do not steer to it but the stack needs. */
    @FunctionalInterface
    public interface NeighbourEars {
        NetDevice wrap(NetDevice device, String interfaceName) throws IOException;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** Above the portable kinds (AF_XDP, AF_PACKET): a NIC that has it should be driven this way. */
    @Override
    public int priority() {
        return 100;
    }

    /**
     * Whether an RDMA device sits behind the interface. Whether it also starts (libibverbs loads, the
     * port is active, the memory registers) only {@link #open} finds out, with an exception that says
     * which: the provider logs it and falls back to the next kind instead of skipping verbs silently.
     */
    @Override
    public boolean serves(String interfaceName) {
        try {
            return sysfs.rdmaPortFor(interfaceName).isPresent();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public NetDevice open(String interfaceName, FramePool pool, DeviceOptions options) throws IOException {
        if (options.queues() != 1) {
            throw new VerbsException("the verbs device drives one queue pair per interface, not " + options.queues());
        }
        RdmaSysfs.RdmaPort port = sysfs.rdmaPortFor(interfaceName).orElseThrow(() -> new VerbsException(
                "interface " + interfaceName + " has no RDMA device (nothing in /sys/class/net/" + interfaceName
                        + "/device/infiniband): not an RDMA-capable NIC, or its RDMA driver (mlx5_ib) is not loaded"));
        long mac = sysfs.macAddress(interfaceName);
        int mtu = sysfs.mtu(interfaceName);
        if (mac < 0 || mtu < 576) {
            throw new VerbsException("cannot read the MAC address or MTU of " + interfaceName + " from sysfs");
        }
        Libibverbs.load();
        forkInitOnce();
        int ring = options.ringSize();
        int signalEvery = signalEvery(ring);
        VerbsRawQueue queue = VerbsRawQueue.open(port.device(), port.port(), pool.region(), ring, ring);
        try {
            Set<DeviceCapabilities.Offload> offloads = EnumSet.noneOf(DeviceCapabilities.Offload.class);
            if (queue.checksumOffload()) {
                offloads.addAll(EnumSet.allOf(DeviceCapabilities.Offload.class));
            }
            VerbsNetDevice device = new VerbsNetDevice("verbs:" + interfaceName + "/" + port.device() + ":" + port.port(),
                    queue, pool, new DeviceCapabilities(mac, mtu, 1, 1, offloads), Math.min(signalEvery, queue.sendDepth()));
            try {
                // the queue receives only what the stack's flow rules steer: ARP and neighbour discovery
                // stay the kernel's, and the stack hears copies of them
                return ears.wrap(device, interfaceName);
            } catch (IOException | RuntimeException e) {
                device.close();
                throw new VerbsException("cannot listen for ARP and neighbour discovery on " + interfaceName + ": "
                        + e.getMessage(), 0, e);
            }
        } catch (RuntimeException e) {
            queue.close();
            throw new VerbsException("cannot start the verbs device on " + interfaceName + ": " + e.getMessage(), 0, e);
        }
    }

    static int signalEvery(int ring) {
        int fallback = Math.max(1, Math.min(32, ring / 4));
        int value = Integer.getInteger(SIGNAL_EVERY, fallback);
        if (value < 1 || Integer.bitCount(value) != 1 || value > ring) {
            throw new IllegalArgumentException(SIGNAL_EVERY + " must be a power of two no larger than the ring (" + ring
                    + "): " + value);
        }
        return value;
    }

    private static synchronized void forkInitOnce() {
        if (forkInitDone || !Boolean.parseBoolean(System.getProperty(FORK_INIT, "true"))) {
            return;
        }
        forkInitDone = true;
        int rc = verbs_h.ibv_fork_init();
        if (rc != 0) {
            LOG.warn("ibv_fork_init failed with errno {}: a forked child must not touch registered memory", rc);
        }
    }
}
