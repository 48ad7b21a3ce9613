/**
 * The JDK's channel SPI over Flyover, each class reproducing its {@code sun.nio.ch} counterpart:
 * <ul>
 *   <li>{@link io.flyover.provider.channel.FlyoverSocketChannel}: TCP client and accepted sockets; the
 *       path (a Flyover stack or a kernel socket it delegates to) is chosen at {@code connect}.</li>
 *   <li>{@link io.flyover.provider.channel.FlyoverServerSocketChannel}: Flyover listeners on the stacks
 *       serving the bound address, plus a kernel shadow listener on the same port.</li>
 *   <li>{@link io.flyover.provider.channel.FlyoverDatagramChannel}: UDP sockets on the stacks plus a
 *       kernel shadow; each datagram goes the way its destination is routed.</li>
 *   <li>{@link io.flyover.provider.channel.FlyoverSelector} and {@code FlyoverKey}: one selection over
 *       stack readiness and an inner JDK selector for kernel and foreign channels.</li>
 *   <li>Socket adaptors ({@code FlyoverSocketAdaptor}, {@code FlyoverServerSocketAdaptor},
 *       {@code FlyoverDatagramSocketAdaptor}) and their exception translation ({@code SocketExceptions}).</li>
 *   <li>Support: option checks and defaults ({@code OptionTable}, {@code OptionValues}), address checks
 *       ({@code Addresses}), TCP failures as exceptions ({@code Errors}), how threads wait ({@code Waits}).</li>
 * </ul>
 * Locking: a channel's state lock may be held while taking its stack's lock, never the other way round;
 * stack events reach a channel on the polling thread with the stack lock held and only wake waiters.
 */
package io.flyover.provider.channel;
