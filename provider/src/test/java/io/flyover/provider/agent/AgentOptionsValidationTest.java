package io.flyover.provider.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.config.SettingKeys;
import io.flyover.provider.config.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Agent options are the same settings under the same names (the agent applies them as system
 * properties): every registry key is accepted with or without its prefix, and a typo or a bad value
 * in {@code -javaagent:flyover-agent.jar=...} meets the same start-time check as a system property.
 */
class AgentOptionsValidationTest {
    @Test
    void everyRegistryKeyIsAnAgentOption() {
        for (SettingKeys.Key k : SettingKeys.ALL) {
            String shortName = k.name().substring(AgentOptions.PREFIX.length());
            assertEquals(Map.of(k.name(), "v"), AgentOptions.parse(shortName + "=v"));
        }
        assertEquals(SettingKeys.AGENT_PROVIDER, AgentSettings.PROVIDER);
        assertEquals(SettingKeys.AGENT_FACTORIES, AgentSettings.FACTORIES);
        assertEquals(SettingKeys.AGENT_VERBOSE, AgentSettings.VERBOSE);
    }

    @Test
    void aTypoOrABadValueInTheAgentOptionsIsNamed() {
        Map<String, String> typo = AgentOptions.parse("loopback.ofload,idle=yield");
        assertEquals(List.of("unknown Flyover setting flyover.loopback.ofload=true (did you mean flyover.loopback.offload?)"),
                Settings.isolated(typo).validate());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.isolated(AgentOptions.parse("loopback.offload=true,idle=nap")).validate());
        assertTrue(e.getMessage().startsWith("flyover.idle=nap: must be one of"), e.getMessage());
    }
}
