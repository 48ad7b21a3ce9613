/**
 * Multicast over plain JDK {@link java.nio.channels.DatagramChannel}s: a publisher and any number of
 * subscribers, on one host over {@code lo} or across hosts over a NIC.
 *
 * <p>What the Linux kernel requires:
 * <ul>
 *   <li>Both sides name the interface ({@code IP_MULTICAST_IF} to send, the interface of
 *       {@code join} to receive), so no multicast route is needed. Without {@code IP_MULTICAST_IF} the
 *       kernel sends by the routing table: a host without a default route then needs
 *       {@code ip route add 224.0.0.0/4 dev IFACE}.</li>
 *   <li>{@code lo} carries multicast between sockets of one host even without the {@code MULTICAST}
 *       flag, once the interface is named as here (Linux loops the datagram back to local members).
 *       Java's {@code NetworkInterface.supportsMulticast()} still reports {@code false} for it;
 *       {@code ip link set lo multicast on} changes that, and is needed by programs that pick the
 *       interface by route instead of by name.</li>
 *   <li>A subscriber on the publisher's own host needs {@code IP_MULTICAST_LOOP} on the sender (the
 *       default; the publisher sets it explicitly).</li>
 *   <li>Several subscribers on one host share the group's port with {@code SO_REUSEADDR}; the kernel
 *       gives each of them its own copy. The JDK turns {@code IP_MULTICAST_ALL} off, so a socket gets
 *       only the groups it joined, not every group joined on its port by other sockets.</li>
 *   <li>At most {@code net.ipv4.igmp_max_memberships} (20 by default) groups per socket.</li>
 *   <li>Across hosts: the NIC must be up with the {@code MULTICAST} flag, switches doing IGMP snooping
 *       need an IGMP querier on the segment, and the publisher's TTL (1 here) keeps the datagrams on
 *       the local link. Reverse-path filtering ({@code rp_filter}) drops groups whose source is not
 *       reachable back through the receiving interface.</li>
 * </ul>
 */
package io.flyover.samples.multicast;
