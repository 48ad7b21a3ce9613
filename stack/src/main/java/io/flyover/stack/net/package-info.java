/**
 * The interface layer: Ethernet and 802.1Q, ARP and IPv6 neighbour discovery, routing, IPv4/IPv6 input
 * and output with fragmentation and reassembly, ICMP/ICMPv6, IGMP/MLD membership; all driven by the
 * stack's one thread and allocation-free after construction.
 *
 * <p>Files: {@link io.flyover.stack.net.NetInterface} (link layer, addresses, output path, local
 * delivery), {@link io.flyover.stack.net.Ipv4Input} and {@link io.flyover.stack.net.Ipv6Input} (input
 * checks and ICMP), {@code TransportDelivery} (what both share before a transport), {@link
 * io.flyover.stack.net.NeighborCache} (ARP and ND), {@link io.flyover.stack.net.RouteTable},
 * {@link io.flyover.stack.net.Reassembler}, {@link io.flyover.stack.net.GroupMembership} (the interface's
 * multicast filter per group) and {@code MembershipReports} (IGMPv3/MLDv2 reports and queries).
 *
 * <h2>Packets to ourselves</h2>
 *
 * <p>A packet to one of the stack's own addresses (or, with {@code StackConfig.Builder.loopback()}, to
 * 127.0.0.0/8 or ::1, all of which the stack then owns) is never resolved nor sent: it gets an Ethernet
 * header to our own MAC and goes round a {@code LoopbackDevice}, the device itself when it is one, else
 * a private ring drained at each poll, and comes back as input on which our own and loopback addresses
 * are allowed. From any other device 127.0.0.0/8 and ::1 are martians: a loopback source is
 * {@code IP_BAD_SOURCE}, a loopback destination {@code IP_BAD_DESTINATION}; a stack that does not own
 * them drops packets to them as {@code IP_NO_ROUTE}, and a loopback source towards anything but
 * ourselves as {@code IP_BAD_SOURCE}. A loopback device carries nothing else (no ARP, ND, reports).
 *
 * <h2>The transport seam (how TCP plugs in)</h2>
 *
 * <p><b>Input.</b> A transport implements {@link io.flyover.stack.net.TransportHandler} and is installed
 * with {@code Stack.registerTransport(6, handler)}. For every packet addressed to us whose protocol is
 * the handler's, the IP layer has already: checked the IP header (and for IPv6 walked the extension
 * chain), filtered the destination (TCP to a broadcast or multicast address is dropped), reassembled
 * fragments, checked the minimum L4 length (20 bytes for TCP), and verified the L4 checksum with the
 * pseudo-header unless the device set {@code FrameFlags.RX_L4_CHECKSUM_GOOD}. It then calls
 * {@code onSegment(frame, segment, offset, length, ip, nowNanos)}: the L4 header starts at
 * {@code offset} in {@code segment} (the pool's region for a real frame), {@code length} bytes of L4
 * header and payload follow (Ethernet padding excluded), and {@code ip} ({@link io.flyover.stack.net.IpMeta},
 * reused: copy what you keep) holds the addresses in the two-long form of
 * {@link io.flyover.stack.net.IpAddress}, TTL/hop limit and traffic class. The handler answers a
 * {@link io.flyover.stack.net.Verdict}: {@code CONSUMED} (the stack frees the frame), {@code KEPT} (the
 * handler owns the frame and frees it later with {@code Stack.releaseFrame}, e.g. to queue out-of-order
 * data without a copy), or a {@code DropReason} ordinal, counted by the stack. {@code frame} is
 * {@code FramePool.NO_FRAME} for a reassembled datagram, whose bytes are valid only during the call.
 * ICMP errors quoting one of our segments of that protocol arrive in {@code onIcmpError} with the
 * next-hop MTU of fragmentation-needed / packet-too-big (path MTU discovery).
 * {@code TransportHandler.poll(nowNanos)} is called at every stack poll for the transport's timers; its
 * answer joins the stack's next deadline.
 *
 * <p><b>Output.</b> {@code Stack.ipOutput()} is an {@link io.flyover.stack.net.IpOutput}. A transport
 * takes a frame with {@code Stack.acquireFrame()} (its data starts at the pool's headroom, at least
 * {@link io.flyover.stack.net.IpOutput#HEADROOM} bytes), writes the L4 header and payload there, sets the
 * data length with {@code FramePool.setData}, and calls {@code send(frame, 6, srcHi, srcLo, dstHi, dstLo,
 * ttl, trafficClass, dontFragment)}. The IP layer fills the TCP checksum field (offset 16) over the
 * pseudo-header, prepends the IPv4/IPv6 and Ethernet headers, resolves the next hop (queueing the frame,
 * bounded, while ARP/ND first resolves it; a known neighbour whose reachability is being verified keeps
 * receiving traffic, RFC 4861 section 7.3.3) and puts it on the transmit burst, flushed at the end of the
 * poll (or at once with {@code NetInterface.flush()}). It always takes ownership of the frame; a failure is counted
 * under a drop reason and answered {@code false}. TCP segments larger than the MTU are dropped
 * ({@code IP_PACKET_TOO_BIG}) rather than fragmented: size them with {@code maxSegment(dst)}.
 * {@code selectSource(dst, long[2])} picks our address for a destination. A connection-oriented transport
 * calls {@code confirmReachable(dst)} when the peer acknowledges new data (RFC 4861 section 7.3.1), which
 * keeps the next hop REACHABLE without probing.
 */
package io.flyover.stack.net;
