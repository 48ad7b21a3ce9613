package io.flyover.stack;

/**
 * Every reason a stack drops a frame or segment, each counted under its own name
 * (ARCHITECTURE.md: "a malformed frame is dropped and counted under a named drop reason").
 *
 * <p>Grouped by layer; add new reasons at the end of their group. Counters are indexed by
 * {@link #ordinal()}, so reading them allocates nothing.
 */
public enum DropReason {
    // --- device and pool ---
    /** No free frame to receive into or to build a reply in. */
    NO_FRAME,
    /** The device's transmit ring was full. */
    TX_RING_FULL,

    // --- link layer ---
    /** Shorter than an Ethernet header, or a truncated VLAN tag. */
    ETHERNET_TRUNCATED,
    /** Not for our MAC, not broadcast, not a multicast group we joined. */
    ETHERNET_NOT_FOR_US,
    /** An EtherType the stack does not speak. */
    ETHERNET_UNKNOWN_TYPE,
    /** A VLAN the stack is not a member of. */
    ETHERNET_VLAN_NOT_OURS,

    // --- ARP and neighbour discovery ---
    ARP_MALFORMED,
    NEIGHBOR_QUEUE_FULL,
    NEIGHBOR_UNREACHABLE,
    /** An ARP request or neighbour solicitation for an address that is not ours. */
    NEIGHBOR_NOT_FOR_US,
    /** A neighbour-discovery message failing the validity checks of RFC 4861 (hop limit, length, options). */
    NEIGHBOR_MALFORMED,
    /**
     * An ARP message that would change the MAC of a neighbour resolved or changed less than a second ago:
     * ARP has no checksum, so it is taken for corrupted or forged and ignored (Linux's {@code locktime}).
     */
    NEIGHBOR_ADDRESS_LOCKED,

    // --- IPv4 / IPv6 ---
    IP_TRUNCATED,
    IP_BAD_VERSION,
    IP_BAD_HEADER_LENGTH,
    IP_BAD_CHECKSUM,
    IP_BAD_TOTAL_LENGTH,
    IP_NOT_FOR_US,
    IP_BAD_SOURCE,
    IP_TTL_EXCEEDED,
    IP_UNKNOWN_PROTOCOL,
    IP_BAD_EXTENSION_HEADER,
    IP_FRAGMENT_MALFORMED,
    IP_REASSEMBLY_OVERFLOW,
    IP_REASSEMBLY_TIMEOUT,
    IP_NO_ROUTE,
    /** IPv4 options that run past the header or have an impossible length. */
    IP_BAD_OPTIONS,
    /** A packet with DF set (or any IPv6 packet from a transport) larger than the link MTU. */
    IP_PACKET_TOO_BIG,
    /**
     * A loopback destination (127.0.0.0/8, ::1) arriving from a wire: such packets never leave a host
     * (RFC 1122 section 3.2.1.3 (g), RFC 4291 section 2.5.3). A loopback source counts as IP_BAD_SOURCE.
     */
    IP_BAD_DESTINATION,
    /** A multicast packet from a source the interface's filter for the group refuses (RFC 3376 section 3.2, RFC 3810 section 4.2). */
    IP_SOURCE_FILTERED,

    // --- ICMP, IGMP, MLD ---
    ICMP_MALFORMED,
    ICMP_BAD_CHECKSUM,
    ICMP_RATE_LIMITED,
    IGMP_MALFORMED,
    MLD_MALFORMED,
    /** An ICMP type a host does not act on (redirects, router solicitations, echo to broadcast, ...). */
    ICMP_UNHANDLED_TYPE,

    // --- UDP ---
    UDP_MALFORMED,
    UDP_BAD_CHECKSUM,
    UDP_NO_SOCKET,
    UDP_RECEIVE_QUEUE_FULL,
    /** UDP over IPv6 with a zero checksum (RFC 8200 section 8.1). */
    UDP_ZERO_CHECKSUM_V6,

    // --- TCP ---
    TCP_MALFORMED,
    TCP_BAD_CHECKSUM,
    TCP_NO_SOCKET,
    /** Data offset below 5 words or beyond the segment (RFC 9293 §3.1). */
    TCP_BAD_DATA_OFFSET,
    /** Option list with an illegal length (RFC 9293 §3.1 MUST-7). */
    TCP_BAD_OPTIONS,
    /** Contradictory control bits (SYN with RST or FIN), or a zero port. */
    TCP_BAD_FLAGS,
    /** Unacceptable acknowledgement number (RFC 9293 §3.10.7, RFC 5961 §5). */
    TCP_BAD_ACK,
    /** RST not matching RCV.NXT exactly, or without an acceptable ACK (RFC 5961 §3). */
    TCP_RST_IGNORED,
    /** Segment without ACK in a state that requires one. */
    TCP_NO_ACK_FLAG,
    /** A timestamp more than a tick older than TS.Recent (RFC 7323 §5 PAWS, with Linux's one-tick window). */
    TCP_PAWS_REJECTED,
    /** Sequence numbers outside the receive window (RFC 9293 §3.10.7.4 first check). */
    TCP_OUT_OF_WINDOW,
    /** SYN in a synchronized state, answered by a challenge ACK (RFC 5961 §4). */
    TCP_SYN_IN_WINDOW,
    /** Data after the peer's FIN. */
    TCP_DATA_AFTER_FIN,
    /** Out-of-order segment needing more reassembly ranges than a connection keeps. */
    TCP_REASSEMBLY_FULL,
    /** SYN to a listener whose backlog is full, SYN cookies off. */
    TCP_LISTEN_OVERFLOW,
    /** ACK to a listener carrying no valid SYN cookie (RFC 4987 §3.6). */
    TCP_BAD_SYN_COOKIE,
    /** ICMP error for no connection, or quoting a sequence number outside SND.UNA..SND.MAX (RFC 5927 §4.1). */
    TCP_ICMP_IGNORED,
    /** New data for a connection the application already closed; answered by a RST. */
    TCP_DATA_AFTER_CLOSE,
}
