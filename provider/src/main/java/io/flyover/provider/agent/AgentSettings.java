package io.flyover.provider.agent;

import java.util.Locale;
import java.util.Map;

/**
 * The agent's own settings, read (like every Flyover setting) from system property {@code flyover.a.b} or
 * environment variable {@code FLYOVER_A_B}, after the agent options were applied as system properties.
 *
 * <ul>
 *   <li>{@code flyover.agent.provider} (default {@code true}): make Flyover the JVM's {@code SelectorProvider}.</li>
 *   <li>{@code flyover.agent.factories} ({@code auto} by default): install the {@code java.net} socket
 *       factories when Flyover serves the channels ({@code auto}), over whatever {@code SelectorProvider.provider()}
 *       is, even the JDK's ({@code always}), or not at all ({@code never}).</li>
 *   <li>{@code flyover.agent.verbose} (default {@code false}): print what the agent did in one line.</li>
 * </ul>
 */
record AgentSettings(boolean provider, Factories factories, boolean verbose) {
    static final String PROVIDER = "flyover.agent.provider";
    static final String FACTORIES = "flyover.agent.factories";
    static final String VERBOSE = "flyover.agent.verbose";

    /** When the {@code java.net} factories are installed. */
    enum Factories { AUTO, ALWAYS, NEVER }

    static AgentSettings read(Map<String, String> properties, Map<String, String> environment) {
        return new AgentSettings(
                bool(PROVIDER, setting(PROVIDER, properties, environment, "true")),
                factories(setting(FACTORIES, properties, environment, "auto")),
                bool(VERBOSE, setting(VERBOSE, properties, environment, "false")));
    }

    /** System property {@code key}, else environment variable {@code KEY_WITH_UNDERSCORES}, else the default. */
    static String setting(String key, Map<String, String> properties, Map<String, String> environment, String fallback) {
        String value = properties.get(key);
        if (value == null) {
            value = environment.get(environmentName(key));
        }
        return value != null ? value.strip() : fallback;
    }

    /** {@code flyover.loopback.offload} is {@code FLYOVER_LOOPBACK_OFFLOAD}. */
    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private static boolean bool(String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, not '" + value + "'");
        };
    }

    private static Factories factories(String value) {
        try {
            return Factories.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(FACTORIES + " must be auto, always or never, not '" + value + "'", e);
        }
    }
}
