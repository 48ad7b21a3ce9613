/**
 * The deterministic simulator: {@link io.flyover.stack.sim.Simulator} drives stacks and software
 * devices on virtual time, reproducibly from a seed; {@link io.flyover.stack.sim.SimulatedLan} builds
 * N hosts on an impaired bridge; {@link io.flyover.stack.sim.SeedSweep} runs many seeds and names the
 * failing ones so they can be pinned as regression tests.
 */
package io.flyover.stack.sim;
