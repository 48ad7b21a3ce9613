package io.flyover.provider.policy;

/** Where a socket's traffic goes. */
public enum OffloadPath {
    /** Through a Flyover stack and device, bypassing the kernel. */
    OFFLOAD,
    /** Through the JDK's default provider and the kernel's own sockets. */
    KERNEL
}
