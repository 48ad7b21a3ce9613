package io.flyover.linux.xdp;

import io.flyover.linux.sys.Errno;
import io.flyover.linux.sys.ErrnoException;
import io.flyover.linux.sys.Libc;
import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;

/**
 * An AF_XDP socket on one queue of an interface (Documentation/networking/af_xdp.rst), whose UMEM
 * is the stack's own {@link FramePool} region: received frames land in pool frames and transmitted
 * pool frames go out without a copy in user space (and with none at all in zero-copy mode).
 *
 * <p>Set-up: the pool's region is registered as UMEM with one chunk per frame; the fill, completion,
 * RX and TX rings are sized and mapped at the offsets {@code XDP_MMAP_OFFSETS} reports; the socket is
 * bound with {@code XDP_USE_NEED_WAKEUP} and {@code XDP_ZEROCOPY} when asked, falling back to
 * {@code XDP_COPY} when the driver has no zero-copy support; an XSKMAP and
 * {@link XdpRedirectProgram} are loaded with {@code bpf(2)} and attached with a BPF link (driver
 * mode, else generic mode), which is closed, and the program thereby detached, on {@link #close()}.
 *
 * <p>Frame ownership: frames on the fill ring, in the RX ring not yet received, and transmitted but
 * not yet completed belong to the device, which tracks them and gives them all back on close.
 * Completions are reaped in both {@link #receive} and {@link #transmit}. The kernel is kicked only
 * when a ring's need_wakeup flag asks for it: {@code sendto} for TX, {@code recvfrom} for the fill ring.
 */
public final class XdpDevice implements NetDevice {
    private static final int AF_XDP = 44;
    private static final int SOL_XDP = 283;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int XDP_MMAP_OFFSETS = 1;
    private static final int XDP_RX_RING = 2;
    private static final int XDP_TX_RING = 3;
    private static final int XDP_UMEM_REG = 4;
    private static final int XDP_UMEM_FILL_RING = 5;
    private static final int XDP_UMEM_COMPLETION_RING = 6;
    private static final int XDP_STATISTICS = 7;
    private static final int XDP_OPTIONS = 8;
    private static final int XDP_OPTIONS_ZEROCOPY = 1;

    private static final short XDP_COPY = 1 << 1;
    private static final short XDP_ZEROCOPY = 1 << 2;
    private static final short XDP_USE_NEED_WAKEUP = 1 << 3;

    private static final long XDP_PGOFF_RX_RING = 0;
    private static final long XDP_PGOFF_TX_RING = 0x80000000L;
    private static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    private static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_SHARED = 1;
    private static final int MAP_POPULATE = 0x8000;
    private static final int MSG_DONTWAIT = 0x40;

    /** struct xdp_desc { u64 addr; u32 len; u32 options; }. */
    private static final int DESC_SIZE = 16;
    /** Fill and completion entries are u64 UMEM addresses. */
    private static final int ADDR_SIZE = 8;
    private static final int ETHERNET_HEADER = 14;
    /** XDP_PACKET_HEADROOM: the kernel leaves this much before received data in a chunk. */
    static final int XDP_PACKET_HEADROOM = 256;

    /** How the device ended up running, for logs and for tests. */
    public enum Mode { COPY, ZERO_COPY }

    /** Where the redirect program runs. */
    public enum Attach { DRIVER, GENERIC }

    private final String interfaceName;
    private final int queueId;
    private final FramePool pool;
    private final FrameCache cache;
    private final DeviceCapabilities capabilities;
    private final boolean[] held;
    private final int fillTarget;

    private int xskFd = -1;
    private int mapFd = -1;
    private int programFd = -1;
    private int linkFd = -1;
    private XskRing fill;
    private XskRing completion;
    private XskRing rx;
    private XskRing tx;
    private Mode mode;
    private Attach attach;
    private boolean needWakeup;
    private boolean closed;

    private long receivedFrames;
    private long transmittedFrames;
    private long txWakeups;
    private long fillWakeups;

    /**
     * Opens an AF_XDP socket on queue {@code queueId} of {@code interfaceName} (in the caller's
     * network namespace) and attaches the redirect program.
     *
     * @param pool the stack's pool: frame size 2048 or 4096 (at most a page), native and page-aligned
     * @param ringSize entries per ring, a power of two
     * @param zeroCopy try {@code XDP_ZEROCOPY} first; copy mode is used when the driver refuses it
     */
    public XdpDevice(String interfaceName, int queueId, FramePool pool, int ringSize, boolean zeroCopy)
            throws IOException {
        checkPool(pool);
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two >= 2: " + ringSize);
        }
        if (queueId < 0) {
            throw new IllegalArgumentException("negative queue " + queueId);
        }
        NetInterface nif = NetInterface.lookup(interfaceName);
        this.interfaceName = interfaceName;
        this.queueId = queueId;
        this.pool = pool;
        this.held = new boolean[pool.frameCount()];
        this.fillTarget = Math.min(ringSize, pool.frameCount() / 2);
        int room = pool.frameSize() - XDP_PACKET_HEADROOM - ETHERNET_HEADER;
        this.capabilities = new DeviceCapabilities(nif.mac(), Math.clamp(Math.min(nif.mtu(), room), 576, 65_535),
                1, 1, Set.of());
        this.cache = pool.newCache(Math.max(64, Math.min(1024, ringSize)));
        try {
            openSocket(nif, ringSize, zeroCopy);
            attachProgram(nif);
            refill();
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

    private void openSocket(NetInterface nif, int ringSize, boolean zeroCopy) throws IOException {
        if (zeroCopy) {
            try {
                setUpSocket(nif, ringSize, XDP_ZEROCOPY);
                mode = Mode.ZERO_COPY;
                return;
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EINVAL && e.errno() != Errno.EPROTONOSUPPORT) {
                    throw e;
                }
                closeSocket(); // the driver has no zero-copy: start again in copy mode
            }
        }
        setUpSocket(nif, ringSize, XDP_COPY);
        mode = Mode.COPY;
    }

    private void setUpSocket(NetInterface nif, int ringSize, short modeFlag) throws IOException {
        xskFd = Libc.check("socket(AF_XDP)", Libc.socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment reg = arena.allocate(32, 8); // struct xdp_umem_reg
            reg.set(ValueLayout.JAVA_LONG, 0, pool.region().address());
            reg.set(ValueLayout.JAVA_LONG, 8, (long) pool.frameCount() * pool.frameSize());
            reg.set(ValueLayout.JAVA_INT, 16, pool.frameSize());
            reg.set(ValueLayout.JAVA_INT, 20, 0); // headroom beyond XDP_PACKET_HEADROOM
            Libc.check("setsockopt(XDP_UMEM_REG, " + pool.frameCount() + " x " + pool.frameSize() + ")",
                    Libc.setsockopt(xskFd, SOL_XDP, XDP_UMEM_REG, reg, 32));
            MemorySegment size = Libc.intValue(arena, ringSize);
            Libc.check("setsockopt(XDP_UMEM_FILL_RING)", Libc.setsockopt(xskFd, SOL_XDP, XDP_UMEM_FILL_RING, size, 4));
            Libc.check("setsockopt(XDP_UMEM_COMPLETION_RING)",
                    Libc.setsockopt(xskFd, SOL_XDP, XDP_UMEM_COMPLETION_RING, size, 4));
            Libc.check("setsockopt(XDP_RX_RING)", Libc.setsockopt(xskFd, SOL_XDP, XDP_RX_RING, size, 4));
            Libc.check("setsockopt(XDP_TX_RING)", Libc.setsockopt(xskFd, SOL_XDP, XDP_TX_RING, size, 4));

            // struct xdp_mmap_offsets { struct xdp_ring_offset rx, tx, fr, cr; }, each {producer, consumer, desc, flags}
            MemorySegment off = arena.allocate(128, 8);
            MemorySegment len = Libc.intValue(arena, 128);
            Libc.check("getsockopt(XDP_MMAP_OFFSETS)", Libc.getsockopt(xskFd, SOL_XDP, XDP_MMAP_OFFSETS, off, len));
            rx = mapRing(off, 0, ringSize, DESC_SIZE, XDP_PGOFF_RX_RING, "RX");
            tx = mapRing(off, 32, ringSize, DESC_SIZE, XDP_PGOFF_TX_RING, "TX");
            fill = mapRing(off, 64, ringSize, ADDR_SIZE, XDP_UMEM_PGOFF_FILL_RING, "fill");
            completion = mapRing(off, 96, ringSize, ADDR_SIZE, XDP_UMEM_PGOFF_COMPLETION_RING, "completion");

            MemorySegment sxdp = arena.allocate(16, 4); // struct sockaddr_xdp
            sxdp.set(ValueLayout.JAVA_SHORT, 0, (short) AF_XDP);
            sxdp.set(ValueLayout.JAVA_SHORT, 2, (short) (modeFlag | XDP_USE_NEED_WAKEUP));
            sxdp.set(ValueLayout.JAVA_INT, 4, nif.index());
            sxdp.set(ValueLayout.JAVA_INT, 8, queueId);
            String what = "bind(AF_XDP, " + interfaceName + " queue " + queueId
                    + (modeFlag == XDP_ZEROCOPY ? ", XDP_ZEROCOPY" : ", XDP_COPY") + ")";
            Libc.check(what, Libc.bind(xskFd, sxdp, 16));
            needWakeup = true;
        }
    }

    private XskRing mapRing(MemorySegment offsets, long at, int entries, int entrySize, long pgoff, String what)
            throws IOException {
        long producer = offsets.get(ValueLayout.JAVA_LONG, at);
        long consumer = offsets.get(ValueLayout.JAVA_LONG, at + 8);
        long desc = offsets.get(ValueLayout.JAVA_LONG, at + 16);
        long flags = offsets.get(ValueLayout.JAVA_LONG, at + 24);
        MemorySegment map = Libc.mmap("AF_XDP " + what + " ring", desc + (long) entries * entrySize,
                PROT_READ_WRITE, MAP_SHARED | MAP_POPULATE, xskFd, pgoff);
        return new XskRing(map, producer, consumer, flags, desc, entries);
    }

    private void attachProgram(NetInterface nif) throws IOException {
        mapFd = Bpf.createXskMap("flyover_xsks", Math.max(64, queueId + 1));
        programFd = Bpf.loadXdpProgram("flyover_xsk", XdpRedirectProgram.instructions(mapFd),
                XdpRedirectProgram.LICENSE);
        Bpf.updateElement(mapFd, queueId, xskFd);
        long link = Bpf.linkXdp(programFd, nif.index(), Bpf.XDP_FLAGS_DRV_MODE);
        attach = Attach.DRIVER;
        if (link == -Errno.EOPNOTSUPP || link == -Errno.EINVAL) {
            link = Bpf.linkXdp(programFd, nif.index(), Bpf.XDP_FLAGS_SKB_MODE);
            attach = Attach.GENERIC;
        }
        linkFd = (int) Libc.check("bpf(BPF_LINK_CREATE, BPF_XDP, " + interfaceName + ")", link);
        readZeroCopyOption();
    }

    /** XDP_OPTIONS reports whether the bound socket really runs zero-copy. */
    private void readZeroCopyOption() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment opts = Libc.intValue(arena, 0);
            MemorySegment len = Libc.intValue(arena, 4);
            if (Libc.getsockopt(xskFd, SOL_XDP, XDP_OPTIONS, opts, len) == 0) {
                mode = (opts.get(ValueLayout.JAVA_INT, 0) & XDP_OPTIONS_ZEROCOPY) != 0 ? Mode.ZERO_COPY : Mode.COPY;
            }
        }
    }

    @Override
    public String name() { return "af_xdp:" + interfaceName + "/q" + queueId; }

    @Override
    public DeviceCapabilities capabilities() { return capabilities; }

    @Override
    public FramePool pool() { return pool; }

    public Mode mode() { return mode; }
    public Attach attach() { return attach; }
    public int queueId() { return queueId; }
    /** The socket, for a caller that waits with poll/epoll between bursts. */
    public int fd() { return xskFd; }
    public long receivedFrames() { return receivedFrames; }
    public long transmittedFrames() { return transmittedFrames; }
    /** How many times a ring's need_wakeup flag made us call into the kernel. */
    public long txWakeups() { return txWakeups; }
    public long fillWakeups() { return fillWakeups; }

    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        checkQueue(queue);
        if (closed) {
            return 0;
        }
        reapCompletions();
        int n = rx.peek(into.remaining());
        for (int i = 0; i < n; i++) {
            long slot = rx.consumerSlot(i, DESC_SIZE);
            long addr = rx.getLong(slot);
            int length = rx.getInt(slot + 8);
            int frame = pool.frameAt(addr);
            held[frame] = false;
            pool.setData(frame, (int) (addr - pool.frameBase(frame)), length);
            into.add(frame);
        }
        if (n > 0) {
            rx.release(n);
            receivedFrames += n;
        }
        refill();
        return n;
    }

    /** Tops the fill ring up with fresh pool frames, and kicks the kernel if it asks to be. */
    private void refill() {
        int outstanding = fill.outstanding();
        int wanted = fillTarget - outstanding;
        if (wanted > 0) {
            int n = fill.reserve(wanted);
            int produced = 0;
            for (; produced < n; produced++) {
                int frame = cache.acquire();
                if (frame == FramePool.NO_FRAME) {
                    break; // pool short: receive with fewer buffers rather than fail
                }
                held[frame] = true;
                fill.setLong(fill.producerSlot(produced, ADDR_SIZE), pool.frameBase(frame));
            }
            if (produced > 0) {
                fill.submit(produced);
            }
        }
        if (needWakeup && fill.needsWakeup()) {
            fillWakeups++;
            Libc.recvfrom(xskFd, 0, 0, MSG_DONTWAIT, 0, 0); // EAGAIN expected: the call itself is the kick
        }
    }

    private void reapCompletions() {
        int n = completion.peek(completion.size());
        for (int i = 0; i < n; i++) {
            int frame = pool.frameAt(completion.getLong(completion.consumerSlot(i, ADDR_SIZE)));
            if (frame != FramePool.NO_FRAME && held[frame]) {
                held[frame] = false;
                cache.release(frame);
            }
        }
        if (n > 0) {
            completion.release(n);
        }
    }

    @Override
    public int transmit(int queue, FrameBurst frames, long nowNanos) {
        checkQueue(queue);
        if (closed) {
            return 0;
        }
        reapCompletions();
        int n = tx.reserve(frames.count());
        for (int i = 0; i < n; i++) {
            int frame = frames.get(i);
            long slot = tx.producerSlot(i, DESC_SIZE);
            tx.setLong(slot, pool.dataAddress(frame));
            tx.setInt(slot + 8, pool.dataLength(frame));
            tx.setInt(slot + 12, 0);
            held[frame] = true;
        }
        if (n > 0) {
            tx.submit(n);
            transmittedFrames += n;
        }
        if (n > 0 || tx.outstanding() > 0) {
            kickTx();
        }
        return n;
    }

    private void kickTx() {
        if (!needWakeup || tx.needsWakeup()) {
            txWakeups++;
            // EAGAIN/EBUSY/ENOBUFS: the kernel is busy or the completion ring full; retried on the next call
            Libc.sendto(xskFd, 0, 0, MSG_DONTWAIT, 0, 0);
        }
    }

    /** Kernel-side counters of struct xdp_statistics: drops and invalid descriptors. */
    public XdpStatistics statistics() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stats = arena.allocate(48, 8);
            MemorySegment len = Libc.intValue(arena, 48);
            Libc.check("getsockopt(XDP_STATISTICS)", Libc.getsockopt(xskFd, SOL_XDP, XDP_STATISTICS, stats, len));
            return new XdpStatistics(stats.get(ValueLayout.JAVA_LONG, 0), stats.get(ValueLayout.JAVA_LONG, 8),
                    stats.get(ValueLayout.JAVA_LONG, 16), stats.get(ValueLayout.JAVA_LONG, 24),
                    stats.get(ValueLayout.JAVA_LONG, 32), stats.get(ValueLayout.JAVA_LONG, 40));
        }
    }

    private void checkQueue(int queue) {
        if (queue != 0) {
            throw new IndexOutOfBoundsException(name() + " has one queue (0), not " + queue);
        }
    }

    private void closeSocket() {
        for (XskRing ring : new XskRing[] {rx, tx, fill, completion}) {
            if (ring != null) {
                Libc.munmap(ring.mapping(), ring.mapping().byteSize());
            }
        }
        rx = tx = fill = completion = null;
        Libc.closeQuietly(xskFd);
        xskFd = -1;
    }

    /** Detaches the program (closing its link), closes the socket and gives every held frame back. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.closeQuietly(linkFd);
        linkFd = -1;
        closeSocket();
        Libc.closeQuietly(programFd);
        Libc.closeQuietly(mapFd);
        programFd = mapFd = -1;
        for (int frame = 0; frame < held.length; frame++) {
            if (held[frame]) {
                held[frame] = false;
                cache.release(frame);
            }
        }
        cache.close();
    }

    @Override
    public String toString() { return name(); }
}
