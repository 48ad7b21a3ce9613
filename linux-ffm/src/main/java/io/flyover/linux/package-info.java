/**
 * Flyover's Linux devices, over FFM only (no C): implementations of the stack's
 * {@link io.flyover.stack.device.NetDevice} SPI, found through
 * {@link io.flyover.stack.device.NetDeviceFactory} (META-INF/services).
 *
 * <ul>
 *   <li>{@code af_xdp} ({@link io.flyover.linux.xdp.XdpDevice}): AF_XDP sockets whose UMEM is the
 *       stack's frame region; XSKMAP + hand-assembled redirect program attached by a BPF link;
 *       zero-copy where the driver offers it, copy mode otherwise; need_wakeup honoured; one or
 *       several queues sharing the UMEM; whole queues steered to the stack, or (Steering.ADDRESSES)
 *       only ARP/IPv4/IPv6 frames for the stack's addresses, the interface staying shared with the
 *       kernel.</li>
 *   <li>{@code tap} ({@link io.flyover.linux.tap.TapDevice}): /dev/net/tun, IFF_TAP | IFF_NO_PI,
 *       read/write per frame.</li>
 *   <li>{@code af_packet} ({@link io.flyover.linux.packet.PacketDevice}): TPACKET_V3 RX ring
 *       (or TPACKET_V2 for latency), sendto TX, own transmissions ignored.</li>
 * </ul>
 *
 * Helpers: {@link io.flyover.linux.mem.HugePageRegion} (2 MiB hugepages with fallback) for
 * {@link io.flyover.stack.buffer.FramePool#wrap}, {@link io.flyover.linux.cpu.CpuAffinity},
 * {@link io.flyover.linux.sys.FdPoller}, and the libc bindings in {@link io.flyover.linux.sys.Libc}
 * (errno captured, failures as IOExceptions naming the call and the errno text).
 */
package io.flyover.linux;
