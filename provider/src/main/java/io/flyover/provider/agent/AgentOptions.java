package io.flyover.provider.agent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code -javaagent:flyover-agent.jar=OPTIONS} string: comma-separated {@code key=value} settings, each a
 * Flyover setting with or without its {@code flyover.} prefix ({@code loopback.offload=true} and
 * {@code flyover.loopback.offload=true} are the same). A key without {@code =value} means {@code true}.
 * Values cannot contain commas.
 */
final class AgentOptions {
    static final String PREFIX = "flyover.";

    private AgentOptions() {}

    /**
     * The settings named in {@code options}, keyed by their full {@code flyover.*} name, in the given order.
     *
     * @throws IllegalArgumentException for an empty key (", ,", "=x"), naming the offending entry
     */
    static Map<String, String> parse(String options) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (options == null || options.isBlank()) {
            return settings;
        }
        for (String entry : options.split(",")) {
            String trimmed = entry.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            String key = (eq < 0 ? trimmed : trimmed.substring(0, eq)).strip();
            String value = eq < 0 ? "true" : trimmed.substring(eq + 1).strip();
            if (key.isEmpty() || key.equals(PREFIX) || key.equals("flyover")) {
                throw new IllegalArgumentException("agent option without a name: '" + trimmed + "'");
            }
            settings.put(key.startsWith(PREFIX) ? key : PREFIX + key, value);
        }
        return settings;
    }
}
