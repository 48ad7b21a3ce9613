package io.flyover.stack.sim;

import io.flyover.stack.Pollable;
import io.flyover.stack.RandomSource;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.BridgePort;
import io.flyover.stack.device.soft.ImpairedDevice;
import io.flyover.stack.device.soft.Impairment;
import io.flyover.stack.device.soft.L2Bridge;
import io.flyover.stack.device.soft.PcapTap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * N hosts on one {@link L2Bridge}, each over its own {@link FramePool}, with an
 * {@link ImpairedDevice} between each host and its bridge port, all driven by one {@link Simulator}:
 * the harness for seeded protocol simulations.
 *
 * <pre>{@code
 * try (SimulatedLan lan = SimulatedLan.builder().seed(seed).hosts(2)
 *         .impairment(Impairment.builder().loss(0.05).delay(100_000, 20_000).build())
 *         .hostFactory((device, random) -> new MyHost(device, random))
 *         .build()) {
 *     lan.simulator().runUntilOrFail("transfer done", () -> done(), 10_000_000_000L);
 *     lan.closeAndCheckNoFrameLeaked();
 * }
 * }</pre>
 *
 * <p>Per host {@code i}, the device chain is: bridge port ({@code "host<i>"}, MAC {@link #macOf(int)})
 * then, when its impairment is not {@link Impairment#NONE}, the impairment decorator, then, when
 * capture is on, a {@link PcapTap} writing {@code host<i>.pcap} (the host's view: what it sent before
 * impairment, what it received after). Random sources are derived from the
 * seed in host order: first the host's impairment, then the host itself.
 */
public final class SimulatedLan implements AutoCloseable {
    private final Simulator simulator;
    private final L2Bridge bridge;
    private final FramePool[] pools;
    private final BridgePort[] ports;
    private final ImpairedDevice[] impaired;
    private final PcapTap[] taps;
    private final NetDevice[] devices;
    private final Pollable[] hosts;
    private boolean closed;

    private SimulatedLan(Builder b) {
        if (b.factory == null) {
            throw new IllegalStateException("a host factory is required");
        }
        int n = b.hosts;
        simulator = new Simulator(b.seed, b.maxSteps, Simulator.DEFAULT_MAX_STEPS_PER_INSTANT, Simulator.DEFAULT_TRACE_STEPS);
        bridge = new L2Bridge("lan");
        if (b.traceFrames > 0) {
            bridge.traceLast(b.traceFrames);
        }
        pools = new FramePool[n];
        ports = new BridgePort[n];
        impaired = new ImpairedDevice[n];
        taps = new PcapTap[n];
        devices = new NetDevice[n];
        hosts = new Pollable[n];
        try {
            for (int i = 0; i < n; i++) {
                pools[i] = FramePool.allocate(b.framesPerHost);
                ports[i] = bridge.addPort("host" + i, pools[i], macOf(i), b.queues, b.ringSize, L2Bridge.DEFAULT_MTU);
                NetDevice device = ports[i];
                RandomSource impairmentRandom = simulator.newRandom();
                Impairment tx = b.transmit.getOrDefault(i, b.everyTransmit);
                Impairment rx = b.receive.getOrDefault(i, Impairment.NONE);
                if (!tx.isNone() || !rx.isNone()) {
                    impaired[i] = new ImpairedDevice(device, tx, rx, impairmentRandom);
                    device = impaired[i];
                }
                if (b.captureDirectory != null) {
                    taps[i] = PcapTap.toFile(device, b.captureDirectory.resolve("host" + i + ".pcap"));
                    device = taps[i];
                }
                devices[i] = device;
                simulator.addDevice(impaired[i] != null ? impaired[i] : ports[i]);
            }
            for (int i = 0; i < n; i++) {
                hosts[i] = b.factory.create(devices[i], simulator.newRandom());
                simulator.add("host" + i, hosts[i]);
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        simulator.addReport(this::summary);
    }

    /** Host {@code i}'s MAC address: locally administered {@code 02:00:00:00:00:xx}, xx = i + 1. */
    public static long macOf(int index) {
        return 0x0200_0000_0000L | (index + 1);
    }

    /** The index of the host whose device chain {@code device} belongs to (from its MAC, see {@link #macOf}). */
    public static int hostIndexOf(NetDevice device) {
        return (int) (device.capabilities().mac() & 0xFFFF_FFFFL) - 1;
    }

    /** A conventional IPv4 address for host {@code i}: 198.18.0.(i + 1) (RFC 2544 benchmarking range). */
    public static byte[] ipv4Of(int index) {
        return new byte[] {(byte) 198, 18, (byte) ((index + 1) >>> 8), (byte) (index + 1)};
    }

    /** A conventional IPv6 address for host {@code i}: fd00::(i + 1) (a unique local address, RFC 4193). */
    public static byte[] ipv6Of(int index) {
        byte[] address = new byte[16];
        address[0] = (byte) 0xFD;
        address[14] = (byte) ((index + 1) >>> 8);
        address[15] = (byte) (index + 1);
        return address;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Simulator simulator() { return simulator; }
    public L2Bridge bridge() { return bridge; }
    public int hostCount() { return hosts.length; }
    public Pollable host(int i) { return hosts[i]; }
    /** What host {@code i} drives: the top of its device chain. */
    public NetDevice device(int i) { return devices[i]; }
    public BridgePort port(int i) { return ports[i]; }
    /** Host {@code i}'s impairment decorator, or null when its traffic is not impaired. */
    public ImpairedDevice impaired(int i) { return impaired[i]; }
    public FramePool pool(int i) { return pools[i]; }

    /** Shorthand for {@link Simulator#runUntil}. */
    public boolean runUntil(BooleanSupplier condition, long deadlineNanos) {
        return simulator.runUntil(condition, deadlineNanos);
    }

    /** Bridge counters, digest and each host's impairment counters, for failure reports. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append("bridge: forwarded=").append(bridge.forwarded()).append(" flooded=").append(bridge.flooded())
                .append(" digest=").append(Long.toHexString(bridge.trafficDigest()));
        for (int i = 0; i < hosts.length; i++) {
            if (impaired[i] != null) {
                out.append("\n  host").append(i).append(": tx{").append(impaired[i].transmitStage())
                        .append("} rx{").append(impaired[i].receiveStage()).append('}');
            }
            if (ports[i] != null) {
                out.append("\n  host").append(i).append(" port: ringFull=").append(ports[i].ringFullDrops())
                        .append(" noFrame=").append(ports[i].noFrameDrops());
            }
        }
        if (bridge.portCount() > 0) {
            StringBuilder frames = new StringBuilder();
            bridge.appendTrace(frames);
            if (!frames.isEmpty()) {
                out.append("\n  last frames on the bridge:\n").append(frames);
            }
        }
        return out.toString();
    }

    /**
     * Closes hosts then devices, then checks that every frame of every pool came back; a leak fails
     * with the simulator's report.
     */
    public void closeAndCheckNoFrameLeaked() {
        closeHostsAndDevices();
        for (int i = 0; i < pools.length; i++) {
            try {
                pools[i].checkAllReturned();
            } catch (IllegalStateException e) {
                throw simulator.failure("host" + i + " leaked frames: " + e.getMessage(), e);
            }
        }
    }

    private void closeHostsAndDevices() {
        RuntimeException first = null;
        for (Pollable host : hosts) {
            if (host instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    first = first == null ? new IllegalStateException("closing a host failed", e) : first;
                }
            }
        }
        Arrays.fill(hosts, null);
        for (int i = 0; i < devices.length; i++) {
            NetDevice top = devices[i] != null ? devices[i] : impaired[i] != null ? impaired[i] : ports[i];
            if (top != null) {
                top.close(); // a decorator closes what it wraps
            }
        }
        bridge.close();
        if (first != null) {
            throw first;
        }
    }

    /** Closes hosts, devices and pools. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            closeHostsAndDevices();
        } finally {
            for (FramePool pool : pools) {
                if (pool != null) {
                    pool.close();
                }
            }
        }
    }

    /** Configures a {@link SimulatedLan}. */
    public static final class Builder {
        private long seed;
        private int hosts = 2;
        private int framesPerHost = 1024;
        private int queues = 1;
        private int ringSize = L2Bridge.DEFAULT_RING_SIZE;
        private long maxSteps = Simulator.DEFAULT_MAX_STEPS;
        private Impairment everyTransmit = Impairment.NONE;
        private final Map<Integer, Impairment> transmit = new HashMap<>();
        private final Map<Integer, Impairment> receive = new HashMap<>();
        private HostFactory factory;
        private Path captureDirectory;
        private int traceFrames = 16;

        private Builder() {}

        public Builder seed(long seed) { this.seed = seed; return this; }

        public Builder hosts(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("at least one host: " + count);
            }
            this.hosts = count;
            return this;
        }

        /** Frames in each host's pool (default 1024 of 2048 bytes). */
        public Builder framesPerHost(int frames) { this.framesPerHost = frames; return this; }
        /** Queue pairs per host device (default 1); RSS spreads flows over them. */
        public Builder queues(int queues) { this.queues = queues; return this; }
        /** Capacity of each receive queue on the bridge (default 1024, a power of two). */
        public Builder ringSize(int frames) { this.ringSize = frames; return this; }
        public Builder maxSteps(long steps) { this.maxSteps = steps; return this; }

        /** Applied to what every host transmits (so each direction of every path is impaired once). */
        public Builder impairment(Impairment onEveryTransmit) { this.everyTransmit = onEveryTransmit; return this; }

        /** Host {@code host}'s own impairments, replacing the common one for that host. */
        public Builder impairment(int host, Impairment onTransmit, Impairment onReceive) {
            if (host < 0) {
                throw new IndexOutOfBoundsException(host);
            }
            transmit.put(host, onTransmit);
            receive.put(host, onReceive);
            return this;
        }

        public Builder hostFactory(HostFactory factory) { this.factory = factory; return this; }

        /** How many of the last frames through the bridge a failure report shows (default 16; 0: none). */
        public Builder traceFrames(int frames) { this.traceFrames = frames; return this; }

        /** Writes every host's traffic to {@code directory/host<i>.pcap}. */
        public Builder capture(Path directory) { this.captureDirectory = directory; return this; }

        public SimulatedLan build() {
            for (int host : transmit.keySet()) {
                Objects.checkIndex(host, hosts);
            }
            return new SimulatedLan(this);
        }
    }
}
