package io.flyover.provider.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {
    @Test
    void defaultsInstallTheProviderAndLetFactoriesFollowIt() {
        assertEquals(new AgentSettings(true, AgentSettings.Factories.AUTO, false), AgentSettings.read(Map.of(), Map.of()));
    }

    @Test
    void systemPropertiesWinOverEnvironmentVariables() {
        AgentSettings settings = AgentSettings.read(
                Map.of("flyover.agent.factories", "never"),
                Map.of("FLYOVER_AGENT_FACTORIES", "always", "FLYOVER_AGENT_PROVIDER", "false", "FLYOVER_AGENT_VERBOSE", "TRUE"));
        assertEquals(new AgentSettings(false, AgentSettings.Factories.NEVER, true), settings);
    }

    @Test
    void environmentNamesFollowTheProjectRule() {
        assertEquals("FLYOVER_LOOPBACK_OFFLOAD", AgentSettings.environmentName("flyover.loopback.offload"));
    }

    @Test
    void invalidValuesNameTheSettingAndTheValue() {
        assertEquals("flyover.agent.provider must be true or false, not 'yes'", assertThrows(IllegalArgumentException.class,
                () -> AgentSettings.read(Map.of("flyover.agent.provider", "yes"), Map.of())).getMessage());
        assertEquals("flyover.agent.factories must be auto, always or never, not 'sometimes'", assertThrows(IllegalArgumentException.class,
                () -> AgentSettings.read(Map.of("flyover.agent.factories", "sometimes"), Map.of())).getMessage());
    }
}
