package io.flyover.linux.xdp;

import io.flyover.linux.packet.NeighbourTaps;
import io.flyover.linux.sys.Errno;
import io.flyover.linux.sys.ErrnoException;
import io.flyover.linux.sys.InputWaiter;
import io.flyover.linux.sys.KernelGroupJoins;
import io.flyover.linux.sys.Libc;
import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.FlowRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * AF_XDP sockets on consecutive queues of an interface (Documentation/networking/af_xdp.rst), whose
 * UMEM is the stack's own {@link FramePool} region: received frames land in pool frames and
 * transmitted pool frames go out without a copy in user space (and with none at all in zero-copy mode).
 *
 * <p>Set-up: the pool's region is registered as UMEM with one chunk per frame (by the first socket;
 * the others share it with {@code XDP_SHARED_UMEM}); each socket's fill, completion, RX and TX rings
 * are sized and mapped at the offsets {@code XDP_MMAP_OFFSETS} reports; the first socket binds with
 * {@code XDP_USE_NEED_WAKEUP} and {@code XDP_ZEROCOPY} when asked, falling back to {@code XDP_COPY}
 * when the driver has no zero-copy support; an XSKMAP (key: queue index) and the program of the
 * chosen {@link Steering} ({@link XdpRedirectProgram} for whole queues, {@link XdpSteeringProgram} by
 * address, {@link XdpPortSteeringProgram} by port) are loaded with {@code bpf(2)} and attached with a BPF link (driver
 * mode, else generic mode), which is closed, and the program thereby detached, on {@link #close()}.
 *
 * <p>Device queue {@code i} is NIC queue {@code firstQueue + i}. Each queue may be driven by its
 * own thread; one queue by one thread only.
 *
 * <p>Frame ownership: frames on a fill ring, in an RX ring not yet received, and transmitted but
 * not yet completed belong to the device, which tracks them and gives them all back on close.
 * Completions are reaped in both {@link #receive} and {@link #transmit}. The kernel is kicked only
 * when a ring's need_wakeup flag asks for it: {@code sendto} for TX, {@code recvfrom} for the fill ring.
 * Needs Linux 5.10 or later (need_wakeup, BPF links for XDP, shared UMEM across queues).
 */
public final class XdpDevice implements NetDevice {
    private static final int ETHERNET_HEADER = 14;
    /** Addresses one device can steer (IPv4 and IPv6 each). */
    static final int MAX_STEERED_ADDRESSES = 256;
    /** Distinct (address, protocol, port) rules one device can steer with {@link Steering#PORTS}. */
    static final int MAX_STEERED_PORTS = 16_384;
    /** XDP_PACKET_HEADROOM: the kernel leaves this much before received data in a chunk. */
    static final int XDP_PACKET_HEADROOM = 256;

    /** How the sockets ended up running, for logs and for tests. */
    public enum Mode { COPY, ZERO_COPY }

    /** Where the redirect program runs. */
    public enum Attach { DRIVER, GENERIC }

    /** What the program sends to the sockets. */
    public enum Steering {
        /** Every frame of the device's queues ({@link XdpRedirectProgram}): the interface is the stack's. */
        QUEUE,
        /**
         * Only ARP, IPv4 and IPv6 frames addressed to the stack's own addresses
         * ({@link XdpSteeringProgram}): the interface stays shared with the kernel. Addresses come from
         * {@link #steer(byte[])} and from the local address of each {@link FlowRule}.
         */
        ADDRESSES,
        /**
         * Only TCP and UDP frames for the (address, protocol, port) of a {@link FlowRule} the stack holds
         * ({@link XdpPortSteeringProgram}), as XLIO steers per socket: the kernel keeps everything else on
         * the interface (ARP, ICMP, neighbour discovery, its own sockets' ports). The stack still hears
         * ARP and neighbour discovery through AF_PACKET taps ({@link NeighbourTaps}), added to queue 0.
         */
        PORTS
    }

    private final String interfaceName;
    private final int firstQueue;
    private final FramePool pool;
    private final DeviceCapabilities capabilities;
    private final boolean[] held;
    private final XskSocket[] sockets;

    private int mapFd = -1;
    private int programFd = -1;
    private int linkFd = -1;
    private int addrs4Fd = -1;
    private int addrs6Fd = -1;
    private int portsFd = -1;
    /** With {@link Steering#PORTS}: ARP and neighbour discovery, heard beside the kernel (queue 0). */
    /** With {@link Steering#PORTS}: the ARP, neighbour discovery and ICMP error taps; null otherwise. */
    private NeighbourTaps taps;
    private final Steering steering;
    /** Steered address (4 or 16 bytes, as a string of its bytes) to how many rules asked for it. */
    private final Map<String, Integer> steered = new HashMap<>();
    /** With {@link Steering#PORTS}: a ports map key (as hex) to how many rules asked for it. */
    private final Map<String, Integer> steeredPorts = new HashMap<>();
    /**
     * With {@link Steering#PORTS}: the kernel's membership of each multicast group some rule steers. The
     * kernel answers IGMP/MLD queries on a shared interface, so it must have joined what the stack joined.
     */
    private KernelGroupJoins kernelGroups;
    private Mode mode;
    private Attach attach;
    private boolean closed;
    /** The stack thread's wait for input on the sockets (set once they are open). */
    private volatile InputWaiter inputWaiter;

    /** One queue: {@code XdpDevice(interfaceName, queueId, 1, pool, ringSize, zeroCopy)}. */
    public XdpDevice(String interfaceName, int queueId, FramePool pool, int ringSize, boolean zeroCopy)
            throws IOException {
        this(interfaceName, queueId, 1, pool, ringSize, zeroCopy);
    }

    /**
     * Opens AF_XDP sockets on queues {@code firstQueue .. firstQueue + queueCount - 1} of
     * {@code interfaceName} (in the caller's network namespace) and attaches the redirect program.
     *
     * @param pool the stack's pool: frame size 2048 or 4096 (at most a page), headroom at least 256,
     *             native and page-aligned (for example {@link FramePool#allocate} or a
     *             {@link io.flyover.linux.mem.HugePageRegion})
     * @param ringSize entries per ring, a power of two; each fill ring holds at most half the pool
     * @param zeroCopy try {@code XDP_ZEROCOPY} first; copy mode is used when the driver refuses it
     */
    public XdpDevice(String interfaceName, int firstQueue, int queueCount, FramePool pool, int ringSize,
                     boolean zeroCopy) throws IOException {
        this(interfaceName, firstQueue, queueCount, pool, ringSize, zeroCopy, Attach.DRIVER);
    }

    /**
     * As above, choosing where the program runs: {@link Attach#DRIVER} tries the driver first and
     * falls back to generic (skb) mode; {@link Attach#GENERIC} uses generic mode only (any
     * interface, slower: frames are copied out of an skb).
     */
    public XdpDevice(String interfaceName, int firstQueue, int queueCount, FramePool pool, int ringSize,
                     boolean zeroCopy, Attach preferred) throws IOException {
        this(interfaceName, firstQueue, queueCount, pool, ringSize, zeroCopy, preferred, Steering.QUEUE);
    }

    /** As above, choosing which frames the program steers to the sockets. */
    public XdpDevice(String interfaceName, int firstQueue, int queueCount, FramePool pool, int ringSize,
                     boolean zeroCopy, Attach preferred, Steering steering) throws IOException {
        checkPool(pool);
        this.steering = steering;
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two >= 2: " + ringSize);
        }
        if (firstQueue < 0 || queueCount < 1) {
            throw new IllegalArgumentException("queues " + firstQueue + " + " + queueCount);
        }
        NetInterface nif = NetInterface.lookup(interfaceName);
        this.interfaceName = interfaceName;
        this.firstQueue = firstQueue;
        this.pool = pool;
        this.held = new boolean[pool.frameCount()];
        this.sockets = new XskSocket[queueCount];
        int room = pool.frameSize() - XDP_PACKET_HEADROOM - ETHERNET_HEADER;
        this.capabilities = new DeviceCapabilities(nif.mac(), Math.clamp(Math.min(nif.mtu(), room), 576, 65_535),
                queueCount, queueCount, Set.of());
        int fillTarget = Math.max(1, Math.min(ringSize, pool.frameCount() / (2 * queueCount)));
        try {
            openFirstSocket(nif, ringSize, fillTarget, zeroCopy);
            for (int q = 1; q < queueCount; q++) {
                sockets[q] = XskSocket.open(pool, held, nif.index(), interfaceName, firstQueue + q, ringSize,
                        fillTarget, (short) 0, sockets[0].fd());
            }
            mode = sockets[0].isZeroCopy() ? Mode.ZERO_COPY : Mode.COPY;
            if (steering == Steering.PORTS) {
                // before the program: no ARP, neighbour discovery or ICMP error is missed in between
                kernelGroups = new KernelGroupJoins(nif.index());
                taps = NeighbourTaps.open(interfaceName, nif.index(), pool);
            }
            attachProgram(nif, preferred);
            int[] tapFds = taps == null ? new int[0] : taps.fds();
            int[] fds = java.util.Arrays.copyOf(tapFds, tapFds.length + sockets.length);
            for (int q = 0; q < sockets.length; q++) {
                sockets[q].refill();
                fds[tapFds.length + q] = sockets[q].fd();
            }
            inputWaiter = new InputWaiter(fds);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static void checkPool(FramePool pool) {
        MemorySegment region = pool.region();
        if (!region.isNative() || region.address() % 4096 != 0) {
            throw new IllegalArgumentException("AF_XDP UMEM must be native, page-aligned memory");
        }
        if (pool.frameSize() != 2048 && pool.frameSize() != 4096) {
            throw new IllegalArgumentException("AF_XDP chunks are 2048 or 4096 bytes, not " + pool.frameSize());
        }
        if (pool.headroom() < XDP_PACKET_HEADROOM) {
            throw new IllegalArgumentException("the pool's headroom must be at least " + XDP_PACKET_HEADROOM
                    + " (XDP_PACKET_HEADROOM), is " + pool.headroom());
        }
    }

    private void openFirstSocket(NetInterface nif, int ringSize, int fillTarget, boolean zeroCopy) throws IOException {
        if (zeroCopy) {
            try {
                sockets[0] = XskSocket.open(pool, held, nif.index(), interfaceName, firstQueue, ringSize, fillTarget,
                        (short) (XskSocket.XDP_ZEROCOPY | XskSocket.XDP_USE_NEED_WAKEUP), -1);
                return;
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EINVAL && e.errno() != Errno.EPROTONOSUPPORT) {
                    throw e;
                }
                // the driver has no zero-copy: start again in copy mode
            }
        }
        sockets[0] = XskSocket.open(pool, held, nif.index(), interfaceName, firstQueue, ringSize, fillTarget,
                (short) (XskSocket.XDP_COPY | XskSocket.XDP_USE_NEED_WAKEUP), -1);
    }

    private void attachProgram(NetInterface nif, Attach preferred) throws IOException {
        mapFd = Bpf.createXskMap("flyover_xsks", Math.max(64, firstQueue + sockets.length));
        byte[] program;
        if (steering == Steering.PORTS) {
            portsFd = Bpf.createHashMap("flyover_ports", XdpPortSteeringProgram.KEY_SIZE, MAX_STEERED_PORTS);
            program = XdpPortSteeringProgram.instructions(mapFd, portsFd);
        } else if (steering == Steering.ADDRESSES) {
            addrs4Fd = Bpf.createHashMap("flyover_addrs4", 4, MAX_STEERED_ADDRESSES);
            addrs6Fd = Bpf.createHashMap("flyover_addrs6", 16, 2 * MAX_STEERED_ADDRESSES);
            program = XdpSteeringProgram.instructions(mapFd, addrs4Fd, addrs6Fd);
        } else {
            program = XdpRedirectProgram.instructions(mapFd);
        }
        programFd = Bpf.loadXdpProgram("flyover_xsk", program, XdpRedirectProgram.LICENSE);
        for (XskSocket s : sockets) {
            Bpf.updateElement(mapFd, s.queueId, s.fd());
        }
        long link = -Errno.EOPNOTSUPP;
        if (preferred == Attach.DRIVER) {
            link = Bpf.linkXdp(programFd, nif.index(), Bpf.XDP_FLAGS_DRV_MODE);
            attach = Attach.DRIVER;
        }
        if (link == -Errno.EOPNOTSUPP || link == -Errno.EINVAL) {
            link = Bpf.linkXdp(programFd, nif.index(), Bpf.XDP_FLAGS_SKB_MODE);
            attach = Attach.GENERIC;
        }
        linkFd = (int) Libc.check("bpf(BPF_LINK_CREATE, BPF_XDP, " + interfaceName + ")", link);
    }

    @Override
    public String name() {
        return "af_xdp:" + interfaceName + "/q" + firstQueue + (sockets.length > 1 ? "-" + (firstQueue + sockets.length - 1) : "");
    }

    @Override
    public DeviceCapabilities capabilities() { return capabilities; }

    @Override
    public FramePool pool() { return pool; }

    public Mode mode() { return mode; }
    public Attach attach() { return attach; }
    /** The NIC queue behind device queue 0. */
    public int firstQueue() { return firstQueue; }
    /** The socket of device queue {@code queue}, for a caller that waits with poll/epoll between bursts. */
    public int fd(int queue) { return socket(queue).fd(); }
    public long receivedFrames(int queue) { return socket(queue).receivedFrames; }
    public long transmittedFrames(int queue) { return socket(queue).transmittedFrames; }
    /** How many times the TX ring's need_wakeup flag made us call sendto. */
    public long txWakeups(int queue) { return socket(queue).txWakeups; }
    /** How many times the fill ring's need_wakeup flag made us call recvfrom. */
    public long fillWakeups(int queue) { return socket(queue).fillWakeups; }

    /** Kernel-side counters of device queue {@code queue}: drops and invalid descriptors. */
    public XdpStatistics statistics(int queue) throws IOException {
        return socket(queue).statistics();
    }

    private XskSocket socket(int queue) {
        if (queue < 0 || queue >= sockets.length) {
            throw new IndexOutOfBoundsException(name() + " has " + sockets.length + " queues, not " + queue);
        }
        return sockets[queue];
    }

    public Steering steering() { return steering; }

    /**
     * Steers frames for {@code address} (4 or 16 bytes) to the stack, counting requests: the address
     * stays steered until {@link #unsteer(byte[])} was called as often. For IPv6 the solicited-node
     * multicast address (RFC 4291 section 2.7.1) is steered too, so neighbour solicitations arrive.
     * Only with {@link Steering#ADDRESSES}.
     */
    public synchronized void steer(byte[] address) throws IOException {
        requireAddressSteering();
        String key = keyOf(address);
        int count = steered.getOrDefault(key, 0);
        if (count == 0) {
            if (address.length == 4) {
                Bpf.updateElement(addrs4Fd, address, 1);
            } else {
                Bpf.updateElement(addrs6Fd, address, 1);
                Bpf.updateElement(addrs6Fd, solicitedNode(address), 1);
            }
        }
        steered.put(key, count + 1);
    }

    /** Undoes one {@link #steer(byte[])}; the address stops being steered when none remain. */
    public synchronized void unsteer(byte[] address) throws IOException {
        requireAddressSteering();
        String key = keyOf(address);
        Integer count = steered.get(key);
        if (count == null) {
            return;
        }
        if (count > 1) {
            steered.put(key, count - 1);
            return;
        }
        steered.remove(key);
        if (address.length == 4) {
            Bpf.deleteElement(addrs4Fd, address);
        } else {
            Bpf.deleteElement(addrs6Fd, address);
            Bpf.deleteElement(addrs6Fd, solicitedNode(address)); // shared by addresses with equal low 24 bits: rare
        }
    }

    /**
     * With {@link Steering#ADDRESSES}, steers the rule's local address; with {@link Steering#PORTS}, its
     * (address, protocol, port), port 0 meaning every port of the address (a multicast group's
     * datagrams), refusing a rule with neither; with {@link Steering#QUEUE} nothing needs steering.
     */
    @Override
    public void addFlowRule(FlowRule rule) {
        if (steering == Steering.PORTS) {
            steerPort(rule, true);
            return;
        }
        byte[] local = rule.localAddress();
        if (steering == Steering.ADDRESSES && local != null && !closed) {
            try {
                steer(local);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void removeFlowRule(FlowRule rule) {
        if (steering == Steering.PORTS) {
            steerPort(rule, false);
            return;
        }
        byte[] local = rule.localAddress();
        if (steering == Steering.ADDRESSES && local != null && !closed) {
            try {
                unsteer(local);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Counts one more (or one fewer) rule for the rule's ports map key: rules differing only in their
     * remote end share a key. The first puts it in the map, the last takes it out.
     */
    private synchronized void steerPort(FlowRule rule, boolean add) {
        if (closed) {
            return;
        }
        if (rule.localPort() == 0 && rule.localIsAnyAddress()) {
            if (add) {
                throw new IllegalArgumentException(name() + " steers by port: a rule needs a local port or address, " + rule);
            }
            return;
        }
        byte[] key = XdpPortSteeringProgram.key(rule.ipProtocol(), rule.localAddress(), rule.localPort());
        String k = java.util.HexFormat.of().formatHex(key);
        int count = steeredPorts.getOrDefault(k, 0);
        try {
            if (add) {
                // a group's rule: the kernel joins first, so a refused join leaves nothing steered
                kernelGroups.add(rule, () -> {
                    if (count == 0) {
                        Bpf.updateElement(portsFd, key, 1);
                    }
                });
                steeredPorts.put(k, count + 1);
            } else if (count > 0) {
                kernelGroups.remove(rule, () -> { // the kernel leaves even when the map refused the delete
                    if (count > 1) {
                        steeredPorts.put(k, count - 1);
                    } else {
                        steeredPorts.remove(k);
                        Bpf.deleteElement(portsFd, key);
                    }
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** With {@link Steering#PORTS}: the multicast groups the kernel holds for the stack's rules. */
    public int kernelGroups() {
        KernelGroupJoins k = kernelGroups;
        return k == null ? 0 : k.groups();
    }


    /** With {@link Steering#PORTS}: how many distinct (address, protocol, port) keys are steered now. */
    public synchronized int steeredPorts() {
        return steeredPorts.size();
    }

    /** With {@link Steering#PORTS}: frames heard on the ARP, neighbour discovery and ICMP error taps, else 0. */
    public long tapReceivedFrames() {
        NeighbourTaps t = taps;
        return t == null ? 0 : t.receivedFrames();
    }

    private void requireAddressSteering() {
        if (steering != Steering.ADDRESSES) {
            throw new IllegalStateException(name() + " steers by " + steering + "; open it with Steering.ADDRESSES");
        }
        if (closed) {
            throw new IllegalStateException(name() + " is closed");
        }
    }

    private static String keyOf(byte[] address) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length);
        }
        return java.util.HexFormat.of().formatHex(address);
    }

    /** ff02::1:ffXX:XXXX with the address's low 24 bits. */
    static byte[] solicitedNode(byte[] address) {
        byte[] m = new byte[16];
        m[0] = (byte) 0xff;
        m[1] = 0x02;
        m[11] = 0x01;
        m[12] = (byte) 0xff;
        m[13] = address[13];
        m[14] = address[14];
        m[15] = address[15];
        return m;
    }

    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        XskSocket s = socket(queue);
        if (closed) {
            return 0;
        }
        int received = queue == 0 && taps != null ? taps.receive(into, s.cache()) : 0;
        return received + s.receive(into);
    }

    @Override
    public int transmit(int queue, FrameBurst frames, long nowNanos) {
        XskSocket s = socket(queue);
        return closed ? 0 : s.transmit(frames);
    }

    /** Sleeps in ppoll(2) on the queues' AF_XDP sockets (and the taps) until a frame may be in an RX ring or {@link #wakeInput}. */
    @Override
    public boolean awaitInput(long timeoutNanos) {
        InputWaiter w = inputWaiter;
        if (w == null) {
            return false;
        }
        boolean waited = w.await(timeoutNanos);
        if (taps != null) {
            taps.afterWait();
        }
        return waited;
    }

    @Override
    public void wakeInput() {
        InputWaiter w = inputWaiter;
        if (w != null) {
            w.wake();
        }
    }

    /** Detaches the program (closing its link), closes the sockets and gives every held frame back. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (this) { // after a rule change in progress
            if (kernelGroups != null) {
                kernelGroups.close();
            }
        }
        InputWaiter w = inputWaiter;
        if (w != null) {
            w.close();
        }
        Libc.closeQuietly(linkFd);
        linkFd = -1;
        if (taps != null) {
            taps.close();
        }
        for (XskSocket s : sockets) {
            if (s != null) {
                s.close();
            }
        }
        Libc.closeQuietly(programFd);
        Libc.closeQuietly(mapFd);
        Libc.closeQuietly(addrs4Fd);
        Libc.closeQuietly(addrs6Fd);
        Libc.closeQuietly(portsFd);
        programFd = mapFd = addrs4Fd = addrs6Fd = portsFd = -1;
        FrameCache giveBack = null;
        for (XskSocket s : sockets) {
            if (s != null && giveBack == null) {
                giveBack = s.cache();
            }
        }
        for (int frame = 0; frame < held.length; frame++) {
            if (held[frame]) {
                held[frame] = false;
                giveBack.release(frame); // only sockets that opened acquire frames, so giveBack exists
            }
        }
        for (XskSocket s : sockets) {
            if (s != null) {
                s.cache().close();
            }
        }
    }

    @Override
    public String toString() { return name(); }
}
