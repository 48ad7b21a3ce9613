package io.flyover.provider.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Flyover's configuration, one naming rule for every key: the system property {@code flyover.a.b} is
 * also the environment variable {@code FLYOVER_A_B} (as XLIO's {@code XLIO_*} and Onload's {@code EF_*}).
 * A programmatic map wins over system properties, which win over the environment.
 */
public final class Settings {
    private final Map<String, String> explicit;
    private final boolean useSystem;

    private Settings(Map<String, String> explicit, boolean useSystem) {
        this.explicit = Map.copyOf(explicit);
        this.useSystem = useSystem;
    }

    /** System properties, then the environment. */
    public static Settings fromSystem() {
        return new Settings(Map.of(), true);
    }

    /** The map first, then system properties and the environment. */
    public static Settings of(Map<String, String> settings) {
        return new Settings(settings, true);
    }

    /** The map only: what tests use so that the surrounding JVM's properties do not leak in. */
    public static Settings isolated(Map<String, String> settings) {
        return new Settings(settings, false);
    }

    /** {@code flyover.a.b} to {@code FLYOVER_A_B}. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public Optional<String> get(String key) {
        String v = explicit.get(key);
        if (v == null && useSystem) {
            v = System.getProperty(key);
            if (v == null) {
                v = System.getenv(environmentName(key));
            }
        }
        return Optional.ofNullable(v).map(String::trim).filter(s -> !s.isEmpty());
    }

    public String get(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        return switch (v.get().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, not '" + v.get() + "'");
        };
    }

    public long getLong(String key, long defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v.get().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not '" + v.get() + "'", e);
        }
    }
}
