package io.flyover.linux.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The kernel's own membership of a multicast group on one interface, held by a UDP socket that is never
 * read: when the interface is shared with the kernel and the kernel answers IGMP/MLD queries (AF_XDP
 * steering by port), the kernel must know the groups the stack joined, or it would not report them (a
 * snooping switch would prune the group) nor open the NIC's multicast MAC filter for them. XLIO's OS
 * socket joins the same way. The group's datagrams still go to the stack: the device steers them.
 */
public final class KernelGroupMembership implements AutoCloseable {
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_IP = 0;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IP_ADD_MEMBERSHIP = 35;
    private static final int IPV6_ADD_MEMBERSHIP = 20;

    private final int fd;

    private KernelGroupMembership(int fd) {
        this.fd = fd;
    }

    /**
     * Joins {@code group} (4 or 16 bytes, any source) on interface {@code ifindex}
     * ({@code struct ip_mreqn} / {@code struct ipv6_mreq}); closing the result leaves it.
     */
    public static KernelGroupMembership join(byte[] group, int ifindex) throws IOException {
        boolean v4 = group.length == 4;
        if (!v4 && group.length != 16) {
            throw new IllegalArgumentException("a group has 4 or 16 bytes, not " + group.length);
        }
        int fd = Libc.check("socket(UDP) for a kernel group membership",
                Libc.socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            int rc;
            if (v4) {
                MemorySegment mreqn = arena.allocate(12, 4); // imr_multiaddr, imr_address, imr_ifindex
                MemorySegment.copy(MemorySegment.ofArray(group), 0, mreqn, 0, 4);
                mreqn.set(ValueLayout.JAVA_INT, 8, ifindex);
                rc = Libc.setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn, 12);
            } else {
                MemorySegment mreq = arena.allocate(20, 4); // ipv6mr_multiaddr, ipv6mr_interface
                MemorySegment.copy(MemorySegment.ofArray(group), 0, mreq, 0, 16);
                mreq.set(ValueLayout.JAVA_INT, 16, ifindex);
                rc = Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq, 20);
            }
            Libc.check("setsockopt(" + (v4 ? "IP_ADD_MEMBERSHIP" : "IPV6_ADD_MEMBERSHIP") + ")", rc);
        } catch (IOException | RuntimeException e) {
            Libc.closeQuietly(fd);
            throw e;
        }
        return new KernelGroupMembership(fd);
    }

    /** Leaves the group (the kernel drops a closed socket's memberships). */
    @Override
    public void close() {
        Libc.closeQuietly(fd);
    }
}
