/**
 * The threads and locks that drive Flyover stacks for the provider: {@link io.flyover.provider.runtime.StackRuntime}
 * (one stack, its lock, its background {@code StackAgent}), {@link io.flyover.provider.runtime.FlyoverNetwork}
 * (the stacks of one provider and the offload decisions), {@link io.flyover.provider.runtime.ListenerDirectory}
 * (which loopback destinations Flyover serves), {@link io.flyover.provider.runtime.ProviderCounters}
 * (which path each socket took) and {@link io.flyover.provider.runtime.SocketEvents} (readiness to channels).
 */
package io.flyover.provider.runtime;
