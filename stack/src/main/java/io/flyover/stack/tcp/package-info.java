/**
 * TCP (RFC 9293 and the extensions listed in ARCHITECTURE.md), split by concern: {@link
 * io.flyover.stack.tcp.SeqNum} sequence arithmetic, {@code TcpInput} segment arrival and acceptance
 * checks, {@code TcpSender} transmission, {@code ReassemblyQueue} out-of-order data, {@code
 * RttEstimator} RTO, {@code CongestionControl} with {@code NewReno} and {@code Cubic}, {@code TcpTimers},
 * {@code IsnGenerator} (RFC 6528), {@code SynCookies} (RFC 4987), {@code ConnectionTable} demux.
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
