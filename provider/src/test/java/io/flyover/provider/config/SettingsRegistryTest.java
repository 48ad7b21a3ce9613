package io.flyover.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.Flyover;
import io.flyover.provider.stats.StatsOptions;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The registry of settings: the naming rule (system property and environment variable), the profiles,
 * and the start-time check (bad values fail naming key and value; unknown keys warn with the nearest
 * known key, or fail under {@code flyover.strict}).
 */
class SettingsRegistryTest {
    @Test
    void everyKeyFollowsTheNamingRuleAndHasAMeaning() {
        for (SettingKeys.Key k : SettingKeys.ALL) {
            assertTrue(k.name().matches("flyover(\\.[a-z]+)+"), k.name());
            assertEquals("FLYOVER_" + k.name().substring("flyover.".length()).toUpperCase().replace('.', '_'), k.environmentName());
            assertTrue(k.description().length() > 10, k.name());
            if (k.defaultValue() != null) {
                assertNull(k.problem(k.defaultValue()), k.name() + "'s default is valid");
            }
            for (String v : new String[] {k.latency(), k.throughput()}) {
                if (v != null) {
                    assertNull(k.problem(v), k.name() + "'s profile value " + v + " is valid");
                }
            }
        }
        for (String stats : List.of(StatsOptions.ENABLED, StatsOptions.DIR, StatsOptions.INTERVAL_MS, StatsOptions.MAX_COUNTERS)) {
            assertTrue(SettingKeys.find(stats) != null, stats + " is registered");
        }
    }

    @Test
    void theEnvironmentVariableAndTheSystemPropertyBothSetAKey() throws Exception {
        String out = child(Map.of("FLYOVER_SPIN_NANOS", "1234", "FLYOVER_IDLE", "sleep"), List.of("-Dflyover.idle=yield"),
                SettingKeys.SPIN_NANOS, SettingKeys.IDLE, SettingKeys.FRAMES);
        assertTrue(out.contains("flyover.spin.nanos=1234"), "from FLYOVER_SPIN_NANOS: " + out);
        assertTrue(out.contains("flyover.idle=yield"), "the property wins over the environment: " + out);
        assertTrue(out.contains("flyover.frames=8192"), "the default: " + out);
        assertTrue(out.contains("warnings=[]"), out);
    }

    @Test
    void aBadValueOrAnUnknownKeyInTheEnvironmentIsNamed() throws Exception {
        String bad = child(Map.of("FLYOVER_IDLE", "nap"), List.of());
        assertTrue(bad.contains("error=flyover.idle=nap: must be one of busy-spin, yield, backoff, sleep"), bad);
        String typo = child(Map.of("FLYOVER_LOOPBACK_OFFLOD", "true"), List.of());
        assertTrue(typo.contains("unknown Flyover setting FLYOVER_LOOPBACK_OFFLOD=true (did you mean FLYOVER_LOOPBACK_OFFLOAD?)"), typo);
    }

    @Test
    void profilesSetDefaultsThatExplicitValuesOverride() {
        Settings latency = Settings.isolated(Map.of(SettingKeys.PROFILE, "latency"));
        assertEquals("busy-spin", latency.get(SettingKeys.IDLE, null));
        assertEquals(100_000, latency.getLong(SettingKeys.SPIN_NANOS, -1));
        assertEquals(8192, latency.getLong(SettingKeys.FRAMES, -1));
        Settings throughput = Settings.isolated(Map.of(SettingKeys.PROFILE, "THROUGHPUT", SettingKeys.IDLE, "yield"));
        assertEquals("yield", throughput.get(SettingKeys.IDLE, null), "set explicitly");
        assertEquals(32_768, throughput.getLong(SettingKeys.FRAMES, -1));
        assertEquals(0, throughput.getLong(SettingKeys.SPIN_NANOS, -1));
        Settings none = Settings.isolated(Map.of());
        assertEquals("backoff", none.get(SettingKeys.IDLE, null));
        assertEquals(0, none.getLong(SettingKeys.SPIN_NANOS, -1));
        for (SettingKeys.Key k : SettingKeys.ALL) {
            assertEquals(java.util.Optional.ofNullable(k.defaultValue()), none.get(k.name()), k.name());
        }
    }

    @Test
    void badValuesFailTheStartNamingKeyAndValue() {
        assertBad(Map.of(SettingKeys.IDLE, "nap"), "flyover.idle=nap: must be one of busy-spin, yield, backoff, sleep");
        assertBad(Map.of(SettingKeys.FRAMES, "lots"), "flyover.frames=lots: must be a whole number");
        assertBad(Map.of(SettingKeys.FRAMES, "10"), "flyover.frames=10: must be between 64 and");
        assertBad(Map.of(SettingKeys.LOOPBACK_FRAME_SIZE, "3000"), "flyover.loopback.frame.size=3000: must be a power of two");
        assertBad(Map.of(SettingKeys.LOOPBACK_OFFLOAD, "maybe"), "flyover.loopback.offload=maybe: must be true or false");
        assertBad(Map.of(SettingKeys.PROFILE, "fast"), "flyover.profile=fast: must be one of latency, throughput");
        assertBad(Map.of(StatsOptions.INTERVAL_MS, "-5"), "flyover.stats.interval.ms=-5: must be between 0 and");
        // the provider's constructor is where a user meets it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Flyover.provider(Map.of(SettingKeys.SPIN_NANOS, "fast")));
        assertTrue(e.getMessage().contains("flyover.spin.nanos=fast: must be a whole number"), e.getMessage());
    }

    @Test
    void unknownKeysWarnWithTheNearestKeyOrFailWhenStrict() {
        Settings typo = Settings.isolated(Map.of("flyover.loopback.ofload", "true", "flyover.idle", "yield"));
        assertEquals(List.of("unknown Flyover setting flyover.loopback.ofload=true (did you mean flyover.loopback.offload?)"),
                typo.validate());
        assertEquals(List.of("unknown Flyover setting flyover.zzz=1"), Settings.isolated(Map.of("flyover.zzz", "1")).validate());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.isolated(Map.of("flyover.loopback.ofload", "true", SettingKeys.STRICT, "true")).validate());
        assertTrue(e.getMessage().contains("unknown Flyover setting flyover.loopback.ofload=true"), e.getMessage());
        assertEquals(List.of(), Settings.isolated(Map.of("flyover.agent.state.provider", "installed")).validate(),
                "what the agent reports is not a setting");
    }

    private static void assertBad(Map<String, String> settings, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.isolated(settings).validate());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    /** Runs {@link SettingsChild} with {@code environment} added and {@code properties}; answers its output. */
    private static String child(Map<String, String> environment, List<String> properties, String... keys) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-exports") || arg.startsWith("--enable-native-access")) {
                cmd.add(arg);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.addAll(properties);
        cmd.add(SettingsChild.class.getName());
        cmd.addAll(List.of(keys));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("FLYOVER_"));
        pb.environment().putAll(environment);
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child JVM finished");
            assertEquals(0, p.exitValue(), out);
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
