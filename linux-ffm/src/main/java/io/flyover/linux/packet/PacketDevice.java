package io.flyover.linux.packet;

import io.flyover.linux.sys.Errno;
import io.flyover.linux.sys.InputWaiter;
import io.flyover.linux.sys.Libc;
import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FrameFlags;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Set;

/**
 * An AF_PACKET socket bound to one interface (packet(7)), receiving through a memory-mapped ring
 * (Documentation/networking/packet_mmap.rst) and transmitting with {@code sendto(2)} straight from
 * pool frames (the kernel copies; no TX ring).
 *
 * <p>RX, {@link RxRing#V3_BLOCKS} (the default): the kernel fills blocks of the ring with frames and
 * hands a whole block over by setting {@code TP_STATUS_USER} in its {@code block_status}; a block is
 * retired early after {@code retireMillis}, so a lone frame waits up to that long (about 1 ms at
 * best: the price of V3's batching). {@link RxRing#V2_FRAMES}: one slot per frame, each handed over as
 * soon as it is written; no batching, no added latency. Either way each frame is copied from the
 * ring into a pool frame (the ring is not pool memory), and ring space is given back
 * ({@code TP_STATUS_KERNEL}) as soon as it is copied.
 *
 * <p>Our own transmissions are not looped back: {@code PACKET_IGNORE_OUTGOING} (Linux 4.20), and
 * frames marked {@code PACKET_OUTGOING} in the ring are skipped as a second line.
 *
 * <p>The stack's MAC is the interface's: the host kernel sees the same frames, so on a real NIC the
 * stack should own addresses the kernel does not (or the kernel's replies must be filtered).
 */
public final class PacketDevice implements NetDevice {
    /** The RX ring layout. */
    public enum RxRing {
        /** TPACKET_V3: variable-size frames packed in blocks handed over whole; best for throughput. */
        V3_BLOCKS,
        /** TPACKET_V2: one fixed-size slot per frame, handed over at once; best for latency. */
        V2_FRAMES
    }

    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int TPACKET_V2 = 1;
    private static final int TPACKET_V3 = 2;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_SHARED = 1;
    /** ETH_P_ALL in network byte order, as sll_protocol wants it. */
    private static final short ETH_P_ALL_BE = 0x0300;
    private static final int SOCKADDR_LL_SIZE = 20;
    private static final int PACKET_OUTGOING = 4;

    private static final int TP_STATUS_KERNEL = 0;
    private static final int TP_STATUS_USER = 1;
    /**
     * A frame generated on this host (CHECKSUM_PARTIAL: a veth peer, or our own kernel): its TCP/UDP
     * checksum holds only the pseudo-header sum, to be completed by hardware it will never reach; the
     * kernel trusts such a frame, and so does the stack.
     */
    private static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
    /** The NIC (or the kernel) already verified the TCP/UDP checksum (CHECKSUM_UNNECESSARY), Linux 4.2+. */
    private static final int TP_STATUS_CSUM_VALID = 1 << 7;
    // struct tpacket_block_desc { u32 version; u32 offset_to_priv; struct tpacket_hdr_v1 hdr; }
    private static final long BLOCK_STATUS = 8;
    private static final long BLOCK_NUM_PKTS = 12;
    private static final long BLOCK_FIRST_PKT = 16;
    // struct tpacket3_hdr
    private static final long PKT_NEXT_OFFSET = 0;
    private static final long PKT_SNAPLEN = 12;
    private static final long PKT_LEN = 16;
    private static final long PKT_STATUS = 20;
    private static final long PKT_MAC = 24;
    /** The sockaddr_ll after TPACKET_ALIGN(sizeof(struct tpacket3_hdr)); sll_pkttype at +10. */
    private static final long PKT_SLL_PKTTYPE = 48 + 10;
    // struct tpacket2_hdr { u32 tp_status; u32 tp_len; u32 tp_snaplen; u16 tp_mac; u16 tp_net; ... } (32 bytes)
    private static final long V2_STATUS = 0;
    private static final long V2_LEN = 4;
    private static final long V2_SNAPLEN = 8;
    private static final long V2_MAC = 12;
    /** The sockaddr_ll after TPACKET_ALIGN(sizeof(struct tpacket2_hdr)); sll_pkttype at +10. */
    private static final long V2_SLL_PKTTYPE = 32 + 10;

    private static final int BLOCK_SIZE = 1 << 16;
    private static final int RING_FRAME_SIZE = 2048;
    private static final int ETHERNET_HEADER = 14;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final String interfaceName;
    private final FramePool pool;
    private final FrameCache cache;
    private final DeviceCapabilities capabilities;
    private final long base;
    private final MemorySegment region;
    private final MemorySegment ring;
    private final int blockCount;
    private final RxRing layout;
    private final int slotCount;
    private int fd;
    /** The stack thread's wait for input (poll(2) on {@link #fd}). */
    private final InputWaiter inputWaiter;
    private int slot;

    private int block;
    private int packetsLeft;
    private long packetOffset;
    private long receivedFrames;
    private long truncatedFrames;
    private long transmittedFrames;
    private long transmitErrors;

    /** {@code PacketDevice(interfaceName, pool, RxRing.V3_BLOCKS, ringFrames, retireMillis)}. */
    public PacketDevice(String interfaceName, FramePool pool, int ringFrames, int retireMillis) throws IOException {
        this(interfaceName, pool, RxRing.V3_BLOCKS, ringFrames, retireMillis);
    }

    /**
     * Opens an AF_PACKET socket on {@code interfaceName} in the caller's namespace.
     *
     * @param layout the RX ring: V3 blocks (throughput) or V2 frames (latency)
     * @param ringFrames how many MTU-sized frames the RX ring should hold (rounded up to whole 64 KiB blocks)
     * @param retireMillis V3 only: the longest a partly filled block waits before the kernel hands it over
     */
    public PacketDevice(String interfaceName, FramePool pool, RxRing layout, int ringFrames, int retireMillis)
            throws IOException {
        if (!pool.region().isNative()) {
            throw new IllegalArgumentException("the pool's region must be native memory");
        }
        if (ringFrames < 1 || retireMillis < 1) {
            throw new IllegalArgumentException("ringFrames and retireMillis must be positive");
        }
        NetInterface nif = NetInterface.lookup(interfaceName);
        this.interfaceName = interfaceName;
        this.layout = layout;
        this.pool = pool;
        this.region = pool.region();
        this.base = region.address();
        int framesPerBlock = BLOCK_SIZE / RING_FRAME_SIZE;
        this.blockCount = Math.max(4, (ringFrames + framesPerBlock - 1) / framesPerBlock);
        this.slotCount = blockCount * framesPerBlock;
        boolean v3 = layout == RxRing.V3_BLOCKS;
        int socket = Libc.check("socket(AF_PACKET, SOCK_RAW)",
                Libc.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        MemorySegment mapped = null;
        try (Arena arena = Arena.ofConfined()) {
            Libc.check("setsockopt(PACKET_VERSION, " + (v3 ? "TPACKET_V3" : "TPACKET_V2") + ")",
                    Libc.setsockopt(socket, SOL_PACKET, PACKET_VERSION, Libc.intValue(arena, v3 ? TPACKET_V3 : TPACKET_V2), 4));
            Libc.check("setsockopt(PACKET_IGNORE_OUTGOING)",
                    Libc.setsockopt(socket, SOL_PACKET, PACKET_IGNORE_OUTGOING, Libc.intValue(arena, 1), 4));
            MemorySegment req = arena.allocate(28, 4); // struct tpacket_req3 (V2 reads its first four fields)
            req.set(ValueLayout.JAVA_INT, 0, BLOCK_SIZE);
            req.set(ValueLayout.JAVA_INT, 4, blockCount);
            req.set(ValueLayout.JAVA_INT, 8, RING_FRAME_SIZE);
            req.set(ValueLayout.JAVA_INT, 12, slotCount);
            if (v3) {
                req.set(ValueLayout.JAVA_INT, 16, retireMillis);
            }
            Libc.check("setsockopt(PACKET_RX_RING, " + blockCount + " x " + BLOCK_SIZE + ")",
                    Libc.setsockopt(socket, SOL_PACKET, PACKET_RX_RING, req, v3 ? 28 : 16));
            mapped = Libc.mmap("AF_PACKET RX ring", (long) blockCount * BLOCK_SIZE, PROT_READ_WRITE, MAP_SHARED,
                    socket, 0);
            MemorySegment sll = arena.allocate(SOCKADDR_LL_SIZE, 4);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
            sll.set(ValueLayout.JAVA_SHORT, 2, ETH_P_ALL_BE);
            sll.set(ValueLayout.JAVA_INT, 4, nif.index());
            Libc.check("bind(AF_PACKET, " + interfaceName + ")", Libc.bind(socket, sll, SOCKADDR_LL_SIZE));
        } catch (IOException | RuntimeException e) {
            if (mapped != null) {
                Libc.munmap(mapped, mapped.byteSize());
            }
            Libc.closeQuietly(socket);
            throw e;
        }
        this.fd = socket;
        this.inputWaiter = new InputWaiter(this.fd);
        this.ring = mapped;
        int room = pool.frameSize() - pool.headroom() - ETHERNET_HEADER;
        this.capabilities = new DeviceCapabilities(nif.mac(), Math.clamp(Math.min(nif.mtu(), room), 576, 65_535),
                1, 1, Set.of());
        this.cache = pool.newCache(64);
    }

    @Override
    public String name() { return "af_packet:" + interfaceName; }

    public RxRing rxRing() { return layout; }

    @Override
    public DeviceCapabilities capabilities() { return capabilities; }

    @Override
    public FramePool pool() { return pool; }

    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        checkQueue(queue);
        if (fd < 0) {
            return 0;
        }
        int received = layout == RxRing.V3_BLOCKS ? receiveBlocks(into) : receiveFrames(into);
        receivedFrames += received;
        return received;
    }

    /** TPACKET_V2: slots in order, each ours while its tp_status has TP_STATUS_USER. */
    private int receiveFrames(FrameBurst into) {
        int received = 0;
        while (into.remaining() > 0) {
            long packet = (long) slot * RING_FRAME_SIZE;
            int status = (int) INT.getAcquire(ring, packet + V2_STATUS);
            if ((status & TP_STATUS_USER) == 0) {
                break;
            }
            if (ring.get(ValueLayout.JAVA_BYTE, packet + V2_SLL_PKTTYPE) != PACKET_OUTGOING) {
                int frame = cache.acquire();
                if (frame == FramePool.NO_FRAME) {
                    break; // pool exhausted: leave the frame in the ring for the next call
                }
                copyOut(packet, ring.get(ValueLayout.JAVA_INT, packet + V2_SNAPLEN),
                        ring.get(ValueLayout.JAVA_INT, packet + V2_LEN),
                        Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, packet + V2_MAC)), status, frame);
                into.add(frame);
                received++;
            }
            INT.setRelease(ring, packet + V2_STATUS, TP_STATUS_KERNEL);
            slot = slot + 1 == slotCount ? 0 : slot + 1;
        }
        return received;
    }

    /**
     * Copies a ring frame into a pool frame and carries the kernel's checksum verdict over as
     * {@link FrameFlags#RX_L4_CHECKSUM_GOOD}. A frame longer than the ring slot or the pool frame (a
     * GRO or TSO super-packet) arrives cut short and is counted in {@link #truncatedFrames()}.
     */
    private void copyOut(long packet, int length, int wireLength, int mac, int status, int frame) {
        int offset = pool.headroom();
        int room = pool.capacityFrom(offset);
        if (length > room || wireLength > length) {
            truncatedFrames++;
            length = Math.min(length, room);
        }
        MemorySegment.copy(ring, packet + mac, region, pool.frameBase(frame) + offset, length);
        pool.setData(frame, offset, length);
        if ((status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) != 0) {
            pool.setFlags(frame, FrameFlags.RX_L4_CHECKSUM_GOOD);
        }
    }

    /** TPACKET_V3: whole blocks, frames within them chained by tp_next_offset. */
    private int receiveBlocks(FrameBurst into) {
        int received = 0;
        while (into.remaining() > 0) {
            long blockBase = (long) block * BLOCK_SIZE;
            if (packetsLeft == 0) {
                int status = (int) INT.getAcquire(ring, blockBase + BLOCK_STATUS);
                if ((status & TP_STATUS_USER) == 0) {
                    break; // the kernel still owns the block: nothing more to read
                }
                packetsLeft = ring.get(ValueLayout.JAVA_INT, blockBase + BLOCK_NUM_PKTS);
                packetOffset = Integer.toUnsignedLong(ring.get(ValueLayout.JAVA_INT, blockBase + BLOCK_FIRST_PKT));
                if (packetsLeft == 0) {
                    returnBlock(blockBase);
                    continue;
                }
            }
            long packet = blockBase + packetOffset;
            int pktType = ring.get(ValueLayout.JAVA_BYTE, packet + PKT_SLL_PKTTYPE);
            if (pktType != PACKET_OUTGOING) {
                int frame = cache.acquire();
                if (frame == FramePool.NO_FRAME) {
                    break; // pool exhausted: leave the frame in the ring for the next call
                }
                copyOut(packet, ring.get(ValueLayout.JAVA_INT, packet + PKT_SNAPLEN),
                        ring.get(ValueLayout.JAVA_INT, packet + PKT_LEN),
                        Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, packet + PKT_MAC)),
                        ring.get(ValueLayout.JAVA_INT, packet + PKT_STATUS), frame);
                into.add(frame);
                received++;
            }
            packetOffset += Integer.toUnsignedLong(ring.get(ValueLayout.JAVA_INT, packet + PKT_NEXT_OFFSET));
            if (--packetsLeft == 0) {
                returnBlock(blockBase);
            }
        }
        return received;
    }

    /** Gives the block back to the kernel (release: our reads of it happen before) and moves on. */
    private void returnBlock(long blockBase) {
        INT.setRelease(ring, blockBase + BLOCK_STATUS, TP_STATUS_KERNEL);
        packetsLeft = 0;
        block = block + 1 == blockCount ? 0 : block + 1;
    }

    @Override
    public int transmit(int queue, FrameBurst frames, long nowNanos) {
        checkQueue(queue);
        int taken = 0;
        while (fd >= 0 && taken < frames.count()) {
            int frame = frames.get(taken);
            long n = Libc.sendto(fd, base + pool.dataAddress(frame), pool.dataLength(frame), 0, 0, 0);
            if (n == -Errno.EAGAIN || n == -Errno.ENOBUFS) {
                break; // socket buffer full: the caller keeps the rest
            }
            if (n < 0) {
                transmitErrors++; // ENETDOWN, EMSGSIZE, ENXIO: the frame is dropped
            } else {
                transmittedFrames++;
            }
            cache.release(frame);
            taken++;
        }
        return taken;
    }

    private static void checkQueue(int queue) {
        if (queue != 0) {
            throw new IndexOutOfBoundsException("AF_PACKET device has one queue, not " + queue);
        }
    }

    /** The socket, for a caller that waits with poll/epoll (POLLIN when a block is ready). */
    public int fd() { return fd; }

    public long receivedFrames() { return receivedFrames; }
    /** Frames longer than a ring slot or a pool frame's room, delivered cut short (the stack then drops them). */
    public long truncatedFrames() { return truncatedFrames; }
    public long transmittedFrames() { return transmittedFrames; }
    public long transmitErrors() { return transmitErrors; }

    /** Sleeps in ppoll(2) on the device's descriptor until a frame may be readable or {@link #wakeInput}. */
    @Override
    public boolean awaitInput(long timeoutNanos) {
        return inputWaiter.await(timeoutNanos);
    }

    @Override
    public void wakeInput() {
        inputWaiter.wake();
    }

    @Override
    public void close() {
        if (fd < 0) {
            return;
        }
        inputWaiter.close();
        Libc.munmap(ring, ring.byteSize());
        Libc.closeQuietly(fd);
        fd = -1;
        cache.close();
    }

    @Override
    public String toString() { return name(); }
}
