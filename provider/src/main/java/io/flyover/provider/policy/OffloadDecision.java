package io.flyover.provider.policy;

/**
 * What the policy decided for one socket, and why, in words an operator reads in logs and stats.
 *
 * @param interfaceName the Flyover-served interface for {@link OffloadPath#OFFLOAD}; null for the kernel
 */
public record OffloadDecision(OffloadPath path, String interfaceName, String reason) {

    static OffloadDecision offload(String interfaceName, String reason) {
        return new OffloadDecision(OffloadPath.OFFLOAD, interfaceName, reason);
    }

    static OffloadDecision kernel(String reason) {
        return new OffloadDecision(OffloadPath.KERNEL, null, reason);
    }

    public boolean offloaded() {
        return path == OffloadPath.OFFLOAD;
    }
}
