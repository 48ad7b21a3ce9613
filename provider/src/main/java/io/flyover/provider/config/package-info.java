/**
 * Configuration: {@link io.flyover.provider.config.Settings} (system property {@code flyover.a.b} =
 * environment variable {@code FLYOVER_A_B}, profile values, defaults, the start-time check), the registry
 * of every key in {@link io.flyover.provider.config.SettingKeys} (type, allowed values, default, profile
 * values, meaning: the README's configuration table), and {@link io.flyover.provider.config.NetworkFactory},
 * which opens the stacks they describe, with the statistics file and packet capture
 * ({@link io.flyover.provider.config.PcapCapture}).
 */
package io.flyover.provider.config;
