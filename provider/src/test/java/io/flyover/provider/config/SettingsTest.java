package io.flyover.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.runtime.FlyoverNetwork;
import io.flyover.provider.runtime.IdleStrategies;
import java.util.Map;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;

class SettingsTest {
    @Test
    void oneNamingRuleForPropertiesAndEnvironment() {
        assertEquals("FLYOVER_LOOPBACK_OFFLOAD", Settings.environmentName(SettingKeys.LOOPBACK_OFFLOAD));
        assertEquals("FLYOVER_SPIN_NANOS", Settings.environmentName(SettingKeys.SPIN_NANOS));
    }

    @Test
    void valuesAreParsedStrictly() {
        Settings s = Settings.isolated(Map.of("flyover.a", "yes", "flyover.b", "maybe", "flyover.n", "10_000", "flyover.x", "ten"));
        assertTrue(s.getBoolean("flyover.a", false));
        assertFalse(s.getBoolean("flyover.absent", false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.getBoolean("flyover.b", false));
        assertTrue(e.getMessage().contains("flyover.b"));
        assertEquals(10_000, s.getLong("flyover.n", 0));
        assertThrows(IllegalArgumentException.class, () -> s.getLong("flyover.x", 0));
    }

    @Test
    void systemPropertiesAreReadUnlessIsolated() {
        System.setProperty("flyover.test.only", "from-property");
        try {
            assertEquals("from-property", Settings.of(Map.of()).get("flyover.test.only", "none"));
            assertEquals("map wins", Settings.of(Map.of("flyover.test.only", "map wins")).get("flyover.test.only", "none"));
            assertEquals("none", Settings.isolated(Map.of()).get("flyover.test.only", "none"));
        } finally {
            System.clearProperty("flyover.test.only");
        }
    }

    @Test
    void idleStrategiesByName() {
        assertTrue(IdleStrategies.parse("busy-spin") instanceof BusySpinIdleStrategy);
        assertTrue(IdleStrategies.parse("backoff") instanceof BackoffIdleStrategy);
        assertThrows(IllegalArgumentException.class, () -> IdleStrategies.parse("nap"));
    }

    @Test
    void noInterfacesMeansNoStacksAndBadRulesFailEarly() {
        try (FlyoverNetwork n = NetworkFactory.create(Settings.isolated(Map.of()))) {
            assertTrue(n.runtimes().isEmpty());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkFactory.create(Settings.isolated(Map.of(SettingKeys.RULES, "offload tcp_nowhere *"))));
        assertTrue(e.getMessage().contains("tcp_nowhere"), e.getMessage());
        assertThrows(java.io.UncheckedIOException.class,
                () -> NetworkFactory.create(Settings.isolated(Map.of(SettingKeys.INTERFACES, "no-such-if0"))));
    }

    @Test
    void loopbackOffloadOpensTheLoopbackStack() {
        try (FlyoverNetwork n = NetworkFactory.create(Settings.isolated(Map.of(SettingKeys.LOOPBACK_OFFLOAD, "true")))) {
            assertEquals(1, n.runtimes().size());
            assertTrue(n.runtimes().get(0).isLoopback());
            assertTrue(n.serves("lo"));
            long before = n.runtimes().get(0).stackThreadPolls();
            long end = System.nanoTime() + 5_000_000_000L;
            while (n.runtimes().get(0).stackThreadPolls() == before && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            assertTrue(n.runtimes().get(0).stackThreadPolls() > before, "the stack thread polls");
        }
    }
}
