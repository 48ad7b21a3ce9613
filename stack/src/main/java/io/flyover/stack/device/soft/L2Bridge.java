package io.flyover.stack.device.soft;

import io.flyover.stack.buffer.FramePool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A virtual Ethernet switch: N {@link BridgePort}s, each a {@link io.flyover.stack.device.NetDevice}
 * over its own stack's {@link FramePool}. A frame transmitted on one port is forwarded at once,
 * copied into the pool of each port it goes out of (each stack owns its region, as with real NICs).
 *
 * <p>Learning bridge behaviour (IEEE 802.1D §7.7-7.9): source addresses are learned per port with
 * ageing; frames to a learned unicast address go out of that port only (and are filtered when that
 * is the port they came in on); broadcast, multicast and unknown unicast are flooded to every other
 * port. On the way out, software RSS ({@link RssSteering}) picks the receive queue, and a full queue
 * drops the frame and counts it, as a NIC does.
 *
 * <p>Single-threaded like the stacks it connects: the simulator, or one test thread, drives every
 * port. Forwarding allocates nothing.
 */
public final class L2Bridge implements AutoCloseable {
    public static final int DEFAULT_MAC_TABLE_CAPACITY = 1024;
    /** IEEE 802.1D's recommended ageing time: 300 s. */
    public static final long DEFAULT_AGEING_NANOS = 300_000_000_000L;
    public static final int DEFAULT_RING_SIZE = 1024;
    public static final int DEFAULT_MTU = 1500;

    private static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long GROUP_BIT = 0x0100_0000_0000L;

    private final String name;
    private final MacTable macTable;
    private final ToeplitzHash toeplitz;
    private BridgePort[] ports = new BridgePort[0];
    private String[] portNames = new String[0];
    private FrameTrace trace;

    private long forwarded;
    private long flooded;
    private long filtered;
    private long runts;
    private long learnRefused;
    private long digest = 0xCBF2_9CE4_8422_2325L;

    public L2Bridge(String name) {
        this(name, DEFAULT_MAC_TABLE_CAPACITY, DEFAULT_AGEING_NANOS, ToeplitzHash.MICROSOFT_KEY);
    }

    public L2Bridge(String name, int macTableCapacity, long ageingNanos, byte[] rssKey) {
        if (ageingNanos <= 0) {
            throw new IllegalArgumentException("ageing time must be positive: " + ageingNanos);
        }
        this.name = name;
        this.macTable = new MacTable(macTableCapacity, ageingNanos);
        this.toeplitz = new ToeplitzHash(rssKey);
    }

    public String name() { return name; }

    /** A port with one queue pair, a {@link #DEFAULT_RING_SIZE} receive ring and MTU 1500. */
    public BridgePort addPort(FramePool pool, long mac) {
        return addPort(name + "/p" + ports.length, pool, mac, 1, DEFAULT_RING_SIZE, DEFAULT_MTU);
    }

    /** A port with {@code queues} queue pairs (RSS spreads received flows over them). */
    public BridgePort addPort(FramePool pool, long mac, int queues, int ringSize) {
        return addPort(name + "/p" + ports.length, pool, mac, queues, ringSize, DEFAULT_MTU);
    }

    /**
     * A new port; its device is what the stack on this port drives.
     *
     * @param mac the port's address as its {@link io.flyover.stack.device.DeviceCapabilities} report it
     *     (the bridge itself learns addresses from traffic, not from this)
     * @param ringSize each receive queue's capacity, a power of two
     */
    public BridgePort addPort(String portName, FramePool pool, long mac, int queues, int ringSize, int mtu) {
        int index = ports.length;
        BridgePort port = new BridgePort(this, index, portName, pool, mac, queues, ringSize, mtu,
                new RssSteering(toeplitz, queues));
        ports = Arrays.copyOf(ports, index + 1);
        ports[index] = port;
        portNames = Arrays.copyOf(portNames, index + 1);
        portNames[index] = portName;
        return port;
    }

    public int portCount() { return ports.length; }

    /** Port {@code index}, or null once it is closed. */
    public BridgePort port(int index) { return ports[index]; }

    /** Unicast frames sent out of exactly one port. */
    public long forwarded() { return forwarded; }
    /** Frames sent out of every other port: broadcast, multicast, unknown unicast. */
    public long flooded() { return flooded; }
    /** Frames for an address learned on the port they came in on: not sent anywhere. */
    public long filtered() { return filtered; }
    /** Frames shorter than an Ethernet header: dropped. */
    public long runts() { return runts; }
    /** Source addresses not learned because the table was full. */
    public long learnRefused() { return learnRefused; }
    /** Addresses in the forwarding database. */
    public int learnedAddresses() { return macTable.size(); }

    /**
     * A running 64-bit digest of every frame that entered the bridge: its time, ingress port and bytes.
     * Two runs from the same seed end with the same digest; the simulator reports it.
     */
    public long trafficDigest() { return digest; }

    /** Keeps the last {@code frames} frames that enter the bridge for {@link #appendTrace}; 0 turns it off. */
    public void traceLast(int frames) {
        trace = frames == 0 ? null : new FrameTrace(frames);
    }

    /** Appends the traced frames, oldest first, one line each (nothing when tracing is off). */
    public void appendTrace(StringBuilder out) {
        if (trace != null) {
            trace.appendTo(out, portNames);
        }
    }

    /** Forwards one frame transmitted on {@code ingress}; the caller keeps and releases the original. */
    void forward(BridgePort ingress, MemorySegment region, long address, int length, long nowNanos) {
        if (length < 14) {
            runts++;
            return;
        }
        digest = digestOf(digest, ingress.index(), region, address, length, nowNanos);
        if (trace != null) {
            trace.record(nowNanos, ingress.index(), region, address, length);
        }
        long destination = macAt(region, address);
        long source = macAt(region, address + 6);
        if ((source & GROUP_BIT) == 0 && !macTable.learn(source, ingress.index(), nowNanos)) {
            learnRefused++;
        }
        if ((destination & GROUP_BIT) == 0) {
            int out = macTable.lookup(destination, nowNanos);
            if (out != MacTable.UNKNOWN && ports[out] != null) {
                if (out == ingress.index()) {
                    filtered++;
                } else {
                    forwarded++;
                    ports[out].deliver(region, address, length, nowNanos);
                }
                return;
            }
        }
        flooded++;
        for (BridgePort port : ports) {
            if (port != null && port != ingress) {
                port.deliver(region, address, length, nowNanos);
            }
        }
    }

    void detach(BridgePort port) {
        if (ports[port.index()] == port) {
            ports[port.index()] = null;
            macTable.forgetPort(port.index());
        }
    }

    private static long macAt(MemorySegment region, long at) {
        return ((region.get(NET_SHORT, at) & 0xFFFFL) << 32)
                | (region.get(NET_INT, at + 2) & 0xFFFF_FFFFL);
    }

    /** FNV-1a style mixing over 8-byte words; for reproducibility checks, not security. */
    private static long digestOf(long h, int port, MemorySegment region, long address, int length, long nowNanos) {
        h = (h ^ nowNanos) * 0x0000_0100_0000_01B3L;
        h = (h ^ ((long) port << 32 | length)) * 0x0000_0100_0000_01B3L;
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            h = (h ^ region.get(NET_LONG, address + i)) * 0x0000_0100_0000_01B3L;
        }
        for (; i < length; i++) {
            h = (h ^ (region.get(ValueLayout.JAVA_BYTE, address + i) & 0xFF)) * 0x0000_0100_0000_01B3L;
        }
        return h;
    }

    /** Closes every port, returning the frames queued on them to their pools. */
    @Override
    public void close() {
        for (BridgePort port : ports) {
            if (port != null) {
                port.close();
            }
        }
    }
}
