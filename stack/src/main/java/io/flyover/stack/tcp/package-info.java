/**
 * TCP (RFC 9293 and the extensions listed in ARCHITECTURE.md), split by concern, each file quoting the
 * RFC sections it implements:
 * <ul>
 *   <li>{@code SeqNum}: modulo-2^32 sequence arithmetic (RFC 9293 §3.4, RFC 1982).
 *   <li>{@code TcpLayer}: demultiplexing, LISTEN and CLOSED processing, active/passive open, listen backlog,
 *       SYN cookies ({@code SynCookies}, RFC 4987), TIME-WAIT reuse (RFC 6191), path MTU, poll.
 *   <li>{@code ConnectionTable}: 4-tuple hash table; {@code TimerQueue}: connections by next deadline.
 *   <li>{@code TcpConnection}: the TCB and the user calls (read, write, shutdownOutput, close with
 *       SO_LINGER, abort); {@code TcpSettings}: per-connection options; {@code TcpState}.
 *   <li>{@code TcpInput}: segment arrival (RFC 9293 §3.10.7), PAWS (RFC 7323), RFC 5961 checks, ACK
 *       processing, receiver with delayed/quick ACK.
 *   <li>{@code TcpSender}: output, Nagle/TCP_NODELAY, SWS avoidance, zero-window probes, retransmission,
 *       segment building; {@code TcpTimers}: RTO, delayed ACK, persist, keep-alive, TIME-WAIT, linger.
 *   <li>{@code RttEstimator} (RFC 6298); {@code CongestionControl} with {@code NewReno} (RFC 5681/6582)
 *       and {@code Cubic} (RFC 9438); {@code SackScoreboard} (RFC 2018/6675); {@code Rack} and
 *       {@code TailLossProbe} (RFC 8985); {@code ReassemblyQueue} (out-of-order data, SACK blocks);
 *       {@code ByteRing} (send/receive buffers); {@code IsnGenerator} (RFC 6528, SipHash-2-4).
 * </ul>
 *
 * <h2>The seam with the IP layer</h2>
 * <ul>
 *   <li>Addresses are two longs (the 16 IPv6 bytes, big-endian halves); IPv4 is IPv4-mapped
 *       ({@code hi = 0, lo = 0x0000_FFFF_0000_0000L | ipv4}).
 *   <li>Down: TCP calls {@link io.flyover.stack.tcp.SegmentOutput#sendSegment} with a frame whose data is
 *       the TCP header and payload (checksum field zero) and at least {@link
 *       io.flyover.stack.tcp.TcpLayer#HEADROOM_NEEDED} bytes of headroom; the IP layer prepends its
 *       header, fills the checksum and owns the frame from then on. {@link
 *       io.flyover.stack.tcp.SegmentOutput#pathMtu} gives the MTU for the MSS option.
 *   <li>Up: the IP layer calls {@link io.flyover.stack.tcp.TcpLayer#receive} with the source and
 *       destination addresses, the frame, and the offset (within the frame) and length of the TCP
 *       segment, checksum already verified; TCP releases the frame. ICMP fragmentation-needed /
 *       packet-too-big becomes {@link io.flyover.stack.tcp.TcpLayer#pathMtuChanged}.
 *   <li>Time: {@link io.flyover.stack.tcp.TcpLayer#poll} fires timers and flushes output and returns the
 *       next deadline; no clock is read.
 * </ul>
 */
package io.flyover.stack.tcp;
