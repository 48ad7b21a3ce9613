package io.flyover.provider.agent;

import com.sun.tools.attach.VirtualMachine;
import java.nio.channels.spi.SelectorProvider;

/**
 * {@link AgentScenario} with the agent loaded late: {@code SelectorProvider.provider()} is initialised first, then
 * this JVM attaches the agent to itself ({@code agentmain}; needs {@code -Djdk.attach.allowAttachSelf=true}).
 * Arguments: the agent jar and its options.
 */
public final class LateAttachScenario {
    private LateAttachScenario() {}

    public static void main(String[] args) throws Exception {
        System.out.println("provider.before=" + SelectorProvider.provider().getClass().getName());
        VirtualMachine self = VirtualMachine.attach(Long.toString(ProcessHandle.current().pid()));
        try {
            self.loadAgent(args[0], args.length > 1 ? args[1] : "");
        } finally {
            self.detach();
        }
        AgentScenario.main(new String[0]);
    }
}
