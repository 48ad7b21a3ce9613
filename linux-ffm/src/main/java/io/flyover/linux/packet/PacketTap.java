package io.flyover.linux.packet;

import io.flyover.linux.sys.Libc;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.wire.EtherType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A receive-only AF_PACKET socket (packet(7)) on one interface for one EtherType, optionally narrowed by
 * a classic BPF filter (Documentation/networking/filter.rst): a copy of the frames the kernel receives,
 * which it keeps handling itself. A device that leaves ARP and neighbour discovery to the kernel listens
 * here so that its stack still learns its neighbours and answers for its addresses.
 *
 * <p>The socket is made with protocol 0 (it hears nothing), filtered, then bound to the interface and
 * EtherType, so no frame of another interface or kind slips in before the filter. Outgoing frames (the
 * kernel's own, and ours if the driver loops them) are not delivered ({@code PACKET_IGNORE_OUTGOING},
 * Linux 4.20). Non-blocking: {@link #receive} copies what is queued into pool frames and returns.
 */
public final class PacketTap implements AutoCloseable {

    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int SOCKADDR_LL_SIZE = 20;
    /** Report a datagram's real length even when it did not fit (recv(2)). */
    private static final int MSG_TRUNC = 0x20;

    // classic BPF opcodes (include/uapi/linux/filter.h)
    private static final int LD_H_ABS = 0x28, LD_B_ABS = 0x30, LD_B_IND = 0x50, LDX_B_MSH = 0xb1;
    private static final int JEQ_K = 0x15, JGE_K = 0x35, JGT_K = 0x25, JSET_K = 0x45;
    private static final int RET_K = 0x06;
    private static final int ACCEPT = 0x40000, DROP = 0;
    /** ICMPv4 Destination Unreachable (RFC 792): port unreachable, fragmentation needed (RFC 1191). */
    private static final int ICMP_DEST_UNREACHABLE = 3;
    /** ICMPv6 Destination Unreachable and Packet Too Big (RFC 4443 sections 3.1, 3.2; RFC 8201). */
    private static final int ICMPV6_DEST_UNREACHABLE = 1, ICMPV6_PACKET_TOO_BIG = 2;
    /** ICMPv6 Router Solicitation .. Redirect (RFC 4861 section 4). */
    private static final int ND_FIRST_TYPE = 133, ND_LAST_TYPE = 137;

    private final String what;
    private final FramePool pool;
    private final long base;
    private int fd;
    private long receivedFrames;
    private long truncatedFrames;

    private PacketTap(String what, FramePool pool, int fd) {
        this.what = what;
        this.pool = pool;
        this.base = pool.region().address();
        this.fd = fd;
    }

    /** Every ARP frame {@code ifindex} receives. */
    public static PacketTap arp(String interfaceName, int ifindex, FramePool pool) throws IOException {
        return open("ARP tap on " + interfaceName, ifindex, EtherType.ARP, null, pool);
    }

    /**
     * The IPv6 neighbour discovery frames {@code ifindex} receives, ICMPv6 types 133 to 137, and the ICMPv6
     * errors a flow of the stack may be the subject of (destination unreachable, packet too big: path MTU
     * discovery), each directly after the IPv6 header (such messages carry no extension headers in
     * practice; ones that do are not heard).
     */
    public static PacketTap neighbourDiscovery(String interfaceName, int ifindex, FramePool pool) throws IOException {
        int[][] filter = {
                {LD_H_ABS, 0, 0, 12},                     // 0: EtherType
                {JEQ_K, 0, 8, EtherType.IPV6},            // 1: else drop
                {LD_B_ABS, 0, 0, 14 + 6},                 // 2: next header
                {JEQ_K, 0, 6, 58},                        // 3: ICMPv6, else drop
                {LD_B_ABS, 0, 0, 14 + 40},                // 4: ICMPv6 type
                {JEQ_K, 5, 0, ICMPV6_DEST_UNREACHABLE},   // 5: accept
                {JEQ_K, 4, 0, ICMPV6_PACKET_TOO_BIG},     // 6: accept
                {JGE_K, 0, 2, ND_FIRST_TYPE},             // 7: below 133: drop
                {JGT_K, 1, 0, ND_LAST_TYPE},              // 8: above 137: drop, else accept
                {RET_K, 0, 0, ACCEPT},                    // 9
                {RET_K, 0, 0, DROP},                      // 10
                {RET_K, 0, 0, ACCEPT},                    // 11
        };
        return open("neighbour discovery and ICMPv6 error tap on " + interfaceName, ifindex, EtherType.IPV6, filter, pool);
    }

    /**
     * The ICMPv4 destination-unreachable messages {@code ifindex} receives (port unreachable for the
     * stack's UDP, fragmentation needed for its path MTU discovery), unfragmented, whatever the IPv4
     * header's length: when the kernel keeps ICMP, the stack must still hear about its own flows.
     */
    public static PacketTap icmpErrors(String interfaceName, int ifindex, FramePool pool) throws IOException {
        int[][] filter = {
                {LD_H_ABS, 0, 0, 12},                     // 0: EtherType
                {JEQ_K, 0, 7, EtherType.IPV4},            // 1: else drop
                {LD_B_ABS, 0, 0, 14 + 9},                 // 2: protocol
                {JEQ_K, 0, 5, 1},                         // 3: ICMP, else drop
                {LD_H_ABS, 0, 0, 14 + 6},                 // 4: flags and fragment offset
                {JSET_K, 3, 0, 0x1FFF},                   // 5: a fragment: drop
                {LDX_B_MSH, 0, 0, 14},                    // 6: X = IPv4 header length
                {LD_B_IND, 0, 0, 14},                     // 7: ICMP type
                {JEQ_K, 1, 0, ICMP_DEST_UNREACHABLE},     // 8: accept, else drop
                {RET_K, 0, 0, DROP},                      // 9
                {RET_K, 0, 0, ACCEPT},                    // 10
        };
        return open("ICMP error tap on " + interfaceName, ifindex, EtherType.IPV4, filter, pool);
    }

    private static PacketTap open(String what, int ifindex, int etherType, int[][] filter, FramePool pool)
            throws IOException {
        if (!pool.region().isNative()) {
            throw new IllegalArgumentException("the pool's region must be native memory");
        }
        int socket = Libc.check("socket(AF_PACKET, SOCK_RAW) for " + what,
                Libc.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            Libc.check("setsockopt(PACKET_IGNORE_OUTGOING) for " + what,
                    Libc.setsockopt(socket, SOL_PACKET, PACKET_IGNORE_OUTGOING, Libc.intValue(arena, 1), 4));
            if (filter != null) {
                MemorySegment program = arena.allocate(8L * filter.length, 8);
                for (int i = 0; i < filter.length; i++) { // struct sock_filter { u16 code; u8 jt, jf; u32 k; }
                    program.set(ValueLayout.JAVA_SHORT, 8L * i, (short) filter[i][0]);
                    program.set(ValueLayout.JAVA_BYTE, 8L * i + 2, (byte) filter[i][1]);
                    program.set(ValueLayout.JAVA_BYTE, 8L * i + 3, (byte) filter[i][2]);
                    program.set(ValueLayout.JAVA_INT, 8L * i + 4, filter[i][3]);
                }
                MemorySegment fprog = arena.allocate(16, 8); // struct sock_fprog { u16 len; struct sock_filter *filter; }
                fprog.set(ValueLayout.JAVA_SHORT, 0, (short) filter.length);
                fprog.set(ValueLayout.JAVA_LONG, 8, program.address());
                Libc.check("setsockopt(SO_ATTACH_FILTER) for " + what,
                        Libc.setsockopt(socket, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16));
            }
            MemorySegment sll = arena.allocate(SOCKADDR_LL_SIZE, 4);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
            sll.set(ValueLayout.JAVA_SHORT, 2, Short.reverseBytes((short) etherType)); // network byte order
            sll.set(ValueLayout.JAVA_INT, 4, ifindex);
            Libc.check("bind(AF_PACKET) for " + what, Libc.bind(socket, sll, SOCKADDR_LL_SIZE));
        } catch (IOException | RuntimeException e) {
            Libc.closeQuietly(socket);
            throw e;
        }
        return new PacketTap(what, pool, socket);
    }

    /** The socket, for a poll set. */
    public int fd() { return fd; }

    /**
     * Copies queued frames into pool frames from {@code cache} and adds them to {@code into}, until the
     * socket is empty, {@code into} is full or the pool is; answers how many. A frame longer than a pool
     * frame's room is dropped and counted in {@link #truncatedFrames()}.
     */
    public int receive(FrameBurst into, FrameCache cache) {
        int received = 0;
        while (fd >= 0 && into.remaining() > 0) {
            int frame = cache.acquire();
            if (frame == FramePool.NO_FRAME) {
                break; // pool exhausted: the frame stays queued in the socket
            }
            int offset = pool.headroom();
            int room = pool.capacityFrom(offset);
            long n = Libc.recvfrom(fd, base + pool.frameBase(frame) + offset, room, MSG_TRUNC, 0, 0);
            if (n < 0) {
                cache.release(frame); // EAGAIN: nothing more (or a transient error: the next call retries)
                break;
            }
            if (n > room) {
                cache.release(frame);
                truncatedFrames++;
                continue;
            }
            pool.setData(frame, offset, (int) n);
            into.add(frame);
            received++;
        }
        receivedFrames += received;
        return received;
    }

    public long receivedFrames() { return receivedFrames; }
    public long truncatedFrames() { return truncatedFrames; }

    @Override
    public void close() {
        Libc.closeQuietly(fd);
        fd = -1;
    }

    @Override
    public String toString() { return what; }
}
