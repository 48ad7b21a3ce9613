/**
 * Flyover's JDK Flight Recorder events, in the category "Flyover": connection lifecycle
 * ({@link io.flyover.provider.events.ConnectionOpenedEvent}, {@link io.flyover.provider.events.ConnectionEstablishedEvent},
 * {@link io.flyover.provider.events.ConnectionClosedEvent}), offload decisions
 * ({@link io.flyover.provider.events.OffloadDecisionEvent}), and drops
 * ({@link io.flyover.provider.events.DropsEvent}: periodic, one event per stack and reason whose count
 * grew, never one per packet). Record them with {@code -XX:StartFlightRecording} or JMC; they cost a
 * check when no recording enables them.
 *
 * <h2>How the runtime wires them</h2>
 * <pre>{@code
 * // where the policy decides (next to ProviderCounters.decided)
 * FlyoverEvents.offloadDecision(role, address, port, decision);
 *
 * // offloaded TCP (the stack's connection at hand)
 * FlyoverEvents.connectionOpened(connection, "connect", interfaceName);        // or "accept"
 * FlyoverEvents.connectionEstablished(connection, interfaceName, handshakeNanos); // onConnected
 * FlyoverEvents.connectionClosed(connection, interfaceName, null, lifetimeNanos);  // reason from connection.error()
 *
 * // listeners, UDP and kernel-path sockets (JDK addresses at hand)
 * FlyoverEvents.connectionOpened("TCP", local, null, OffloadPath.OFFLOAD, interfaceName, "listen");
 * FlyoverEvents.connectionOpened("UDP", local, remote, OffloadPath.KERNEL, null, "bind");
 * FlyoverEvents.connectionClosed("TCP", local, remote, OffloadPath.KERNEL, null, "closed", 0, 0, lifetimeNanos);
 *
 * // drops: once per stack, with the statistics publisher (see io.flyover.provider.stats)
 * AutoCloseable dropEvents = DropsEvents.register(interfaceName, publisher::publishedDrops);
 * }</pre>
 *
 * None of these run per packet; none logs.
 */
package io.flyover.provider.events;
