package io.flyover.provider.runtime;

import org.agrona.concurrent.Agent;

/**
 * The background stack thread's work: poll the stack whenever nobody else holds it, so that timers,
 * acknowledgements and retransmissions run while the application is busy elsewhere (XLIO's internal
 * thread, Onload's periodic timer). The {@code AgentRunner}'s idle strategy decides how it waits.
 */
final class StackAgent implements Agent {
    private final StackRuntime runtime;

    StackAgent(StackRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public int doWork() {
        return runtime.agentTurn() ? 1 : 0;
    }

    @Override
    public String roleName() {
        return "flyover-stack-" + runtime.interfaceName();
    }
}
