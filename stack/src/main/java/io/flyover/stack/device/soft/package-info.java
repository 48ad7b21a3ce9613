/**
 * Software network devices, pure Java and deterministic, for tests, simulation and same-host links:
 * {@link io.flyover.stack.device.soft.L2Bridge} (a learning switch whose
 * {@link io.flyover.stack.device.soft.BridgePort ports} spread received flows over queues with
 * software RSS), {@link io.flyover.stack.device.soft.ImpairedDevice} (seeded loss, duplication,
 * reordering, corruption, delay, rate) and {@link io.flyover.stack.device.soft.PcapTap} (pcap files
 * that {@code tcpdump -r} reads). None reads a clock, draws its own randomness or starts a thread:
 * time arrives as {@code nowNanos}, randomness through {@link io.flyover.stack.RandomSource}.
 */
package io.flyover.stack.device.soft;
