package io.flyover.stack.sim;

import io.flyover.stack.Pollable;
import io.flyover.stack.RandomSource;
import io.flyover.stack.device.NetDevice;

/**
 * Creates one simulated host (a stack, or a test endpoint) over the device it is to drive, with its
 * own random source derived from the run's seed. Host {@code i}'s device is named {@code "host<i>"}
 * inside its decorators and has MAC {@link SimulatedLan#macOf(int) macOf(i)}.
 *
 * <p>If the returned host is also {@link AutoCloseable}, {@link SimulatedLan} closes it first when it
 * shuts down, before the devices, so its frames go back to the pool before the leak check.
 */
@FunctionalInterface
public interface HostFactory {
    Pollable create(NetDevice device, RandomSource random);
}
