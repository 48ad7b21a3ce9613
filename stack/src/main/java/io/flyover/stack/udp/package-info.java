/**
 * UDP sockets of one stack: bind (ephemeral ports from the injected random source), connect, send and
 * receive with addresses, broadcast, multicast join/leave with IGMPv3/MLDv2 reports, and several sockets
 * on one port each receiving every multicast datagram. Datagrams larger than the MTU are fragmented.
 */
package io.flyover.stack.udp;
