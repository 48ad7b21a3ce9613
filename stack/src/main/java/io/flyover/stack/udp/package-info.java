/**
 * UDP sockets of one stack: bind (ephemeral ports from the injected random source), connect, send and
 * receive with addresses, broadcast, multicast with several sockets on one port each receiving every
 * multicast datagram it wants. Datagrams larger than the MTU are fragmented.
 *
 * <p>Multicast memberships carry source filters ({@code SocketMemberships}): any-source joins with
 * blocked sources (EXCLUDE) and source-specific joins (INCLUDE), as {@code DatagramChannel.join} and
 * {@code MembershipKey.block/unblock}. {@link io.flyover.stack.udp.UdpLayer} merges the sockets' filters
 * into the interface's (RFC 3376 section 3.2), which sends IGMPv3/MLDv2 reports with source lists.
 * {@link io.flyover.stack.udp.UdpReadinessListener} tells the layer above which socket became readable.
 */
package io.flyover.stack.udp;
