package io.flyover.provider.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {
    @Test
    void keysGetTheFlyoverPrefixOnceAndKeepTheirOrder() {
        Map<String, String> settings = AgentOptions.parse("loopback.offload=true, flyover.agent.verbose=false,rules=tcp:*:*:offload");
        assertEquals(List.of("flyover.loopback.offload", "flyover.agent.verbose", "flyover.rules"), List.copyOf(settings.keySet()));
        assertEquals("true", settings.get("flyover.loopback.offload"));
        assertEquals("false", settings.get("flyover.agent.verbose"));
        assertEquals("tcp:*:*:offload", settings.get("flyover.rules"), "everything after the first '=' is the value");
    }

    @Test
    void aBareKeyMeansTrueAndEmptyEntriesAreSkipped() {
        assertEquals(Map.of("flyover.agent.verbose", "true"), AgentOptions.parse(",agent.verbose,,"));
    }

    @Test
    void noOptionsAreNoSettings() {
        assertTrue(AgentOptions.parse(null).isEmpty());
        assertTrue(AgentOptions.parse("  ").isEmpty());
    }

    @Test
    void anEntryWithoutAKeyIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("a=1,=2"));
        assertEquals("agent option without a name: '=2'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("flyover.=x"));
    }
}
