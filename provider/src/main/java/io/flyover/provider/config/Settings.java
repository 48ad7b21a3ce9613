package io.flyover.provider.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Flyover's configuration, one naming rule for every key: the system property {@code flyover.a.b} is
 * also the environment variable {@code FLYOVER_A_B} (as XLIO's {@code XLIO_*} and Onload's {@code EF_*}).
 * A programmatic map wins over system properties, which win over the environment; a key set nowhere
 * takes the value {@code flyover.profile} gives it, else its default ({@link SettingKeys#ALL}).
 *
 * <p>{@link #validate()} checks everything set against the registry when a provider starts: a bad value
 * fails, naming the key and the value; an unknown {@code flyover.*} key (most likely a typo) is a warning
 * naming the key, its value and the nearest known key, or fails when {@code flyover.strict=true}.
 * (Unknown keys warn by default because the {@code flyover.*} namespace is shared with test harnesses and
 * tools, and an inherited environment variable should not stop an application.)
 */
public final class Settings {
    private static final System.Logger LOG = System.getLogger(Settings.class.getName());

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

    /** The value set for {@code key} (map, property, environment), ignoring profile and default. */
    public Optional<String> explicitValue(String key) {
        String v = explicit.get(key);
        if (v == null && useSystem) {
            v = System.getProperty(key);
            if (v == null) {
                v = System.getenv(environmentName(key));
            }
        }
        return Optional.ofNullable(v).map(String::trim).filter(s -> !s.isEmpty());
    }

    /** The value set for {@code key}, else the profile's, else the registry's default (empty when none). */
    public Optional<String> get(String key) {
        Optional<String> v = explicitValue(key);
        if (v.isPresent()) {
            return v;
        }
        SettingKeys.Key k = SettingKeys.find(key);
        if (k == null) {
            return Optional.empty();
        }
        String fromProfile = k.profileValue(profile());
        return Optional.ofNullable(fromProfile != null ? fromProfile : k.defaultValue());
    }

    /** The chosen {@code flyover.profile}, or null. */
    public SettingKeys.Profile profile() {
        Optional<String> p = explicitValue(SettingKeys.PROFILE);
        if (p.isEmpty()) {
            return null;
        }
        try {
            return SettingKeys.Profile.parse(p.get());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SettingKeys.PROFILE + "=" + p.get() + ": must be one of latency, throughput", e);
        }
    }

    public String get(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        Boolean b = parseBoolean(v.get());
        if (b == null) {
            throw new IllegalArgumentException(key + "=" + v.get() + ": must be true or false");
        }
        return b;
    }

    public long getLong(String key, long defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v.get().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v.get() + ": must be a whole number", e);
        }
    }

    /** true/yes/on/1 and false/no/off/0 (any case), else null. */
    static Boolean parseBoolean(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> null;
        };
    }

    /**
     * Checks every {@code flyover.*} key set (map, system properties, {@code FLYOVER_*} environment)
     * against the registry; logs and answers the warnings about unknown keys.
     *
     * @throws IllegalArgumentException naming each bad value ({@code key=value: what it must be}), or
     *     each unknown key when {@code flyover.strict=true}
     */
    public List<String> validate() {
        Map<String, String> set = new TreeMap<>(); // key (or environment variable) -> value
        if (useSystem) {
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                if (e.getKey().startsWith("FLYOVER_")) {
                    SettingKeys.Key k = SettingKeys.findEnvironment(e.getKey());
                    set.put(k != null ? k.name() : e.getKey(), e.getValue());
                }
            }
            for (String name : System.getProperties().stringPropertyNames()) {
                if (name.startsWith("flyover.")) {
                    set.put(name, System.getProperty(name));
                }
            }
        }
        for (Map.Entry<String, String> e : explicit.entrySet()) {
            if (e.getKey().startsWith("flyover.") || e.getKey().startsWith("FLYOVER_")) {
                set.put(e.getKey(), e.getValue());
            }
        }
        List<String> errors = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, String> e : set.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(SettingKeys.AGENT_STATE_PREFIX)) {
                continue; // written by the agent, not a setting
            }
            SettingKeys.Key k = SettingKeys.find(name);
            if (k == null) {
                String near = nearest(name);
                unknown.add("unknown Flyover setting " + name + "=" + e.getValue()
                        + (near != null ? " (did you mean " + near + "?)" : ""));
                continue;
            }
            String value = explicitValue(name).orElse(null);
            String problem = value == null ? null : k.problem(value);
            if (problem != null) {
                errors.add(name + "=" + value + ": " + problem);
            }
        }
        if (getBoolean(SettingKeys.STRICT, false)) {
            errors.addAll(unknown.stream().map(u -> u + " (" + SettingKeys.STRICT + "=true)").toList());
            unknown = List.of();
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        for (String w : unknown) {
            LOG.log(System.Logger.Level.WARNING, w);
        }
        return unknown;
    }

    /** The registry key closest to {@code name} (a typo's likely intent), or null when none is close. */
    static String nearest(String name) {
        String property = name.startsWith("FLYOVER_") ? name.toLowerCase(Locale.ROOT).replace('_', '.') : name;
        String best = null;
        int bestDistance = 4;
        for (SettingKeys.Key k : SettingKeys.ALL) {
            int d = distance(property, k.name());
            if (d < bestDistance) {
                bestDistance = d;
                best = name.startsWith("FLYOVER_") ? k.environmentName() : k.name();
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
