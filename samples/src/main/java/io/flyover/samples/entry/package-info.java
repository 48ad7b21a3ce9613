/**
 * One small example per way of putting Flyover under an unmodified program. Each holds a
 * {@link java.nio.channels.spi.SelectorProvider} the way its entry point gives it, says which provider
 * that is, and sends "hello" through a loopback TCP connection opened from it
 * ({@link io.flyover.samples.entry.LoopbackHello}). Started without its entry point, each says so in one
 * line on standard error and exits with a non-zero status.
 *
 * <ol>
 *   <li>{@link io.flyover.samples.entry.SystemPropertyExample}: {@code -Djava.nio.channels.spi.SelectorProvider=...}</li>
 *   <li>{@link io.flyover.samples.entry.ClassPathExample}: Flyover's jar on the class path</li>
 *   <li>{@link io.flyover.samples.entry.ProgrammaticFactoryExample}: {@code io.flyover.provider.Flyover.provider()}</li>
 *   <li>{@link io.flyover.samples.entry.JavaAgentExample}: {@code -javaagent:}</li>
 * </ol>
 */
package io.flyover.samples.entry;
