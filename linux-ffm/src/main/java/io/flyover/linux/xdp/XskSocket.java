package io.flyover.linux.xdp;

import io.flyover.linux.sys.Errno;
import io.flyover.linux.sys.Libc;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One AF_XDP socket bound to one NIC queue, with its four mapped rings: the data path of one
 * {@link XdpDevice} queue. The first socket of a device registers the UMEM; the others share it
 * ({@code XDP_SHARED_UMEM}) with fill and completion rings of their own.
 *
 * <p>Driven by one thread (the one polling that queue), through its own {@link FrameCache}.
 */
final class XskSocket {
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

    static final short XDP_SHARED_UMEM = 1;
    static final short XDP_COPY = 1 << 1;
    static final short XDP_ZEROCOPY = 1 << 2;
    static final short XDP_USE_NEED_WAKEUP = 1 << 3;

    private static final long XDP_PGOFF_RX_RING = 0;
    private static final long XDP_PGOFF_TX_RING = 0x80000000L;
    private static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    private static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_SHARED = 1;
    private static final int MAP_POPULATE = 0x8000;
    private static final int MSG_DONTWAIT = 0x40;
    /** sendto calls per receive/transmit at most: 8 copy-mode batches of 32 descriptors. */
    private static final int MAX_TX_KICKS = 8;
    private static final int BIND_RETRIES = 50;
    private static final int BIND_RETRY_MILLIS = 20;

    /** struct xdp_desc { u64 addr; u32 len; u32 options; }. */
    private static final int DESC_SIZE = 16;
    /** Fill and completion entries are u64 UMEM addresses. */
    private static final int ADDR_SIZE = 8;

    private final FramePool pool;
    /** Per frame of the pool: whether a socket of the device holds it (shared by the device's sockets). */
    private final boolean[] held;
    private final FrameCache cache;
    private final int fillTarget;
    final int queueId;
    private int fd = -1;
    private XskRing fill;
    private XskRing completion;
    private XskRing rx;
    private XskRing tx;

    long receivedFrames;
    long transmittedFrames;
    long txWakeups;
    long fillWakeups;

    private XskSocket(FramePool pool, boolean[] held, int queueId, int ringSize, int fillTarget) {
        this.pool = pool;
        this.held = held;
        this.queueId = queueId;
        this.fillTarget = fillTarget;
        this.cache = pool.newCache(Math.max(64, Math.min(1024, ringSize)));
    }

    /**
     * Opens a socket on {@code queueId} of interface {@code ifindex}. With {@code sharedUmemFd < 0} it
     * registers the pool's region as UMEM and binds with {@code bindFlags}; otherwise it shares the UMEM
     * of that socket (whose flags it inherits: the kernel refuses flags on a sharing bind).
     */
    static XskSocket open(FramePool pool, boolean[] held, int ifindex, String interfaceName, int queueId,
                          int ringSize, int fillTarget, short bindFlags, int sharedUmemFd) throws IOException {
        XskSocket s = new XskSocket(pool, held, queueId, ringSize, fillTarget);
        try {
            s.setUp(ifindex, interfaceName, ringSize, bindFlags, sharedUmemFd);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void setUp(int ifindex, String interfaceName, int ringSize, short bindFlags, int sharedUmemFd)
            throws IOException {
        fd = Libc.check("socket(AF_XDP)", Libc.socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            if (sharedUmemFd < 0) {
                MemorySegment reg = arena.allocate(32, 8); // struct xdp_umem_reg
                reg.set(ValueLayout.JAVA_LONG, 0, pool.region().address());
                reg.set(ValueLayout.JAVA_LONG, 8, (long) pool.frameCount() * pool.frameSize());
                reg.set(ValueLayout.JAVA_INT, 16, pool.frameSize());
                reg.set(ValueLayout.JAVA_INT, 20, 0); // headroom beyond XDP_PACKET_HEADROOM
                Libc.check("setsockopt(XDP_UMEM_REG, " + pool.frameCount() + " x " + pool.frameSize() + ")",
                        Libc.setsockopt(fd, SOL_XDP, XDP_UMEM_REG, reg, 32));
            }
            MemorySegment size = Libc.intValue(arena, ringSize);
            Libc.check("setsockopt(XDP_UMEM_FILL_RING)", Libc.setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, size, 4));
            Libc.check("setsockopt(XDP_UMEM_COMPLETION_RING)",
                    Libc.setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, size, 4));
            Libc.check("setsockopt(XDP_RX_RING)", Libc.setsockopt(fd, SOL_XDP, XDP_RX_RING, size, 4));
            Libc.check("setsockopt(XDP_TX_RING)", Libc.setsockopt(fd, SOL_XDP, XDP_TX_RING, size, 4));

            // struct xdp_mmap_offsets { struct xdp_ring_offset rx, tx, fr, cr; }, each {producer, consumer, desc, flags}
            MemorySegment off = arena.allocate(128, 8);
            MemorySegment len = Libc.intValue(arena, 128);
            Libc.check("getsockopt(XDP_MMAP_OFFSETS)", Libc.getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, off, len));
            rx = mapRing(off, 0, ringSize, DESC_SIZE, XDP_PGOFF_RX_RING, "RX");
            tx = mapRing(off, 32, ringSize, DESC_SIZE, XDP_PGOFF_TX_RING, "TX");
            fill = mapRing(off, 64, ringSize, ADDR_SIZE, XDP_UMEM_PGOFF_FILL_RING, "fill");
            completion = mapRing(off, 96, ringSize, ADDR_SIZE, XDP_UMEM_PGOFF_COMPLETION_RING, "completion");

            MemorySegment sxdp = arena.allocate(16, 4); // struct sockaddr_xdp
            short flags = sharedUmemFd < 0 ? bindFlags : XDP_SHARED_UMEM;
            sxdp.set(ValueLayout.JAVA_SHORT, 0, (short) AF_XDP);
            sxdp.set(ValueLayout.JAVA_SHORT, 2, flags);
            sxdp.set(ValueLayout.JAVA_INT, 4, ifindex);
            sxdp.set(ValueLayout.JAVA_INT, 8, queueId);
            sxdp.set(ValueLayout.JAVA_INT, 12, Math.max(sharedUmemFd, 0));
            Libc.check("bind(AF_XDP, " + interfaceName + " queue " + queueId + ", " + describe(flags) + ")",
                    bindWaitingForRelease(sxdp));
        }
    }

    /**
     * A socket closed a moment ago releases its queue asynchronously (the kernel frees the buffer
     * pool from a work queue), so binding the same queue right after answers EBUSY for a while:
     * retry for up to a second before reporting the queue as taken.
     */
    private int bindWaitingForRelease(MemorySegment sxdp) {
        int result = Libc.bind(fd, sxdp, 16);
        for (int attempt = 0; result == -Errno.EBUSY && attempt < BIND_RETRIES; attempt++) {
            try {
                Thread.sleep(BIND_RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            result = Libc.bind(fd, sxdp, 16);
        }
        return result;
    }

    private static String describe(short flags) {
        StringBuilder b = new StringBuilder();
        if ((flags & XDP_SHARED_UMEM) != 0) b.append("XDP_SHARED_UMEM|");
        if ((flags & XDP_COPY) != 0) b.append("XDP_COPY|");
        if ((flags & XDP_ZEROCOPY) != 0) b.append("XDP_ZEROCOPY|");
        if ((flags & XDP_USE_NEED_WAKEUP) != 0) b.append("XDP_USE_NEED_WAKEUP|");
        return b.isEmpty() ? "0" : b.substring(0, b.length() - 1);
    }

    private XskRing mapRing(MemorySegment offsets, long at, int entries, int entrySize, long pgoff, String what)
            throws IOException {
        long producer = offsets.get(ValueLayout.JAVA_LONG, at);
        long consumer = offsets.get(ValueLayout.JAVA_LONG, at + 8);
        long desc = offsets.get(ValueLayout.JAVA_LONG, at + 16);
        long flags = offsets.get(ValueLayout.JAVA_LONG, at + 24);
        MemorySegment map = Libc.mmap("AF_XDP " + what + " ring", desc + (long) entries * entrySize,
                PROT_READ_WRITE, MAP_SHARED | MAP_POPULATE, fd, pgoff);
        return new XskRing(map, producer, consumer, flags, desc, entries);
    }

    int fd() { return fd; }

    /** XDP_OPTIONS: whether the bound socket really runs zero-copy. */
    boolean isZeroCopy() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment opts = Libc.intValue(arena, 0);
            MemorySegment len = Libc.intValue(arena, 4);
            Libc.check("getsockopt(XDP_OPTIONS)", Libc.getsockopt(fd, SOL_XDP, XDP_OPTIONS, opts, len));
            return (opts.get(ValueLayout.JAVA_INT, 0) & XDP_OPTIONS_ZEROCOPY) != 0;
        }
    }

    XdpStatistics statistics() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stats = arena.allocate(48, 8);
            MemorySegment len = Libc.intValue(arena, 48);
            Libc.check("getsockopt(XDP_STATISTICS)", Libc.getsockopt(fd, SOL_XDP, XDP_STATISTICS, stats, len));
            return new XdpStatistics(stats.get(ValueLayout.JAVA_LONG, 0), stats.get(ValueLayout.JAVA_LONG, 8),
                    stats.get(ValueLayout.JAVA_LONG, 16), stats.get(ValueLayout.JAVA_LONG, 24),
                    stats.get(ValueLayout.JAVA_LONG, 32), stats.get(ValueLayout.JAVA_LONG, 40));
        }
    }

    // --- data path ------------------------------------------------------------------------------

    int receive(FrameBurst into) {
        reapCompletions();
        kickTx(); // frames queued by an earlier transmit still leave while the stack only receives
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
    void refill() {
        int wanted = fillTarget - fill.outstanding();
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
        if (fill.needsWakeup()) {
            fillWakeups++;
            Libc.recvfrom(fd, 0, 0, MSG_DONTWAIT, 0, 0); // EAGAIN expected: the call itself is the kick
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

    int transmit(FrameBurst frames) {
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
        kickTx();
        return n;
    }

    /**
     * Copy mode sends at most a batch (32) per {@code sendto} and answers EAGAIN while descriptors
     * remain, so kick while the kernel asks for it and has work, reaping completions in between;
     * bounded, the next receive or transmit carries on.
     */
    private void kickTx() {
        for (int kicks = 0; kicks < MAX_TX_KICKS && tx.outstanding() > 0 && tx.needsWakeup(); kicks++) {
            txWakeups++;
            long result = Libc.sendto(fd, 0, 0, MSG_DONTWAIT, 0, 0);
            reapCompletions();
            if (result != -Errno.EAGAIN) {
                break; // done (0), or busy/down (EBUSY, ENOBUFS, ENETDOWN): retried on the next call
            }
        }
    }

    /** Unmaps the rings and closes the socket; the kernel then no longer touches any frame. */
    void close() {
        for (XskRing ring : new XskRing[] {rx, tx, fill, completion}) {
            if (ring != null) {
                Libc.munmap(ring.mapping(), ring.mapping().byteSize());
            }
        }
        rx = tx = fill = completion = null;
        Libc.closeQuietly(fd);
        fd = -1;
    }

    /** After {@link #close()} of every socket: gives back the frames this socket's cache can reach. */
    FrameCache cache() { return cache; }
}
