package io.flyover.provider.config;

import io.flyover.provider.runtime.StackRuntime;

/**
 * The in-process loopback stack that serves 127.0.0.0/8 and ::1 when {@code flyover.loopback.offload}
 * is on. Needs the stack's loopback device, which this build does not have yet: until then the setting
 * is accepted and loopback sockets stay with the kernel.
 */
final class LoopbackStacks {
    private LoopbackStacks() {}

    static StackRuntime open(Settings settings) {
        System.getLogger(LoopbackStacks.class.getName()).log(System.Logger.Level.WARNING,
                "flyover.loopback.offload is on, but this build has no loopback stack: loopback stays with the kernel");
        return null;
    }
}
