package io.flyover.provider.config;

/**
 * A child JVM that reads its settings from its own system properties and environment: prints
 * {@code key=value} for each key named in its arguments, then {@code warnings=...} from validation, or
 * {@code error=...} when validation fails.
 */
public final class SettingsChild {
    public static void main(String[] args) {
        Settings s = Settings.fromSystem();
        try {
            System.out.println("warnings=" + s.validate());
        } catch (IllegalArgumentException e) {
            System.out.println("error=" + e.getMessage());
        }
        for (String key : args) {
            System.out.println(key + "=" + s.get(key).orElse("<unset>"));
        }
    }
}
