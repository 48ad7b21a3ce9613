/**
 * Configuration: {@link io.flyover.provider.config.Settings} (system property {@code flyover.a.b} =
 * environment variable {@code FLYOVER_A_B}), every key in {@link io.flyover.provider.config.SettingKeys},
 * and {@link io.flyover.provider.config.NetworkFactory}, which opens the stacks they describe.
 */
package io.flyover.provider.config;
