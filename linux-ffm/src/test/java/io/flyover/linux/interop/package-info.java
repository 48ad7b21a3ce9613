/**
 * The Linux kernel as the peer that proves a whole Flyover stack speaks TCP/IP: the stack runs on a
 * real Linux device ({@link io.flyover.linux.testing.StackOnLink}, driven on its own thread by
 * {@link io.flyover.linux.testing.StackRunner}), the kernel of a network namespace the test creates
 * answers with its own tools and sockets.
 *
 * <ul>
 *   <li>{@code StackInteropContract}: ping and ping -6 from the kernel; curl (IPv4, IPv6) fetching pages
 *       over one persistent connection from {@code TinyHttpServer}, an HTTP/1.1 server written on the
 *       stack's {@code TcpConnection}. Run on AF_XDP ({@code XdpStackInteropTest}), TAP
 *       ({@code TapStackInteropTest}) and AF_PACKET ({@code PacketStackInteropTest}).</li>
 *   <li>{@code XdpStackInteropTest}: the stack as a TCP client of a kernel server, as multicast
 *       subscribers of a kernel sender, and as the target of broken frames ({@code BrokenFrames}).</li>
 *   <li>{@code XdpTransferInteropTest}: bulk TCP both ways at once ({@code FlyoverTransfer} against
 *       {@code KernelPeer}), SHA-256 compared, plain and over {@code ImpairedDevice}.</li>
 *   <li>{@code UrgentDataInteropTest}: TCP urgent data both ways on one connection (TAP), SO_OOBINLINE off
 *       and on: what each side reads of the other's urgent byte must be what Linux makes of it.</li>
 *   <li>{@code KernelPeer}: the kernel side, a JVM on the JDK's default provider started in the
 *       namespace by {@code KernelPeerProcess}; {@code PatternSource} makes the bytes to send.</li>
 *   <li>{@code KernelComparisonMeasurement} (opt-in): the same transfer and ping between two kernels,
 *       for ratios.</li>
 * </ul>
 */
package io.flyover.linux.interop;
