package io.flyover.provider.channel;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;

/**
 * What a {@link FlyoverSelector} needs from a Flyover channel: the readiness of its Flyover sockets and
 * the kernel channel (if any) whose readiness comes from the selector's inner JDK selector. A channel
 * may have both: a listener offloaded on a stack keeps a kernel shadow socket.
 */
interface FlyoverSelectable {
    /**
     * The operations of {@code interestOps} that the channel's Flyover part (or its unconnected state,
     * which the kernel reports as a hang-up) makes ready now; 0 when none. Takes the stack lock.
     */
    int flyoverReadyOps(int interestOps);

    /** The kernel channel served by the inner selector, or null. */
    SelectableChannel kernelPart();

    /** A selector registered this channel: readiness events must reach {@code key}. */
    void addKey(FlyoverKey key) throws ClosedChannelException;

    void removeKey(FlyoverKey key);

    /**
     * A selector's inner (kernel) selector found {@link #kernelPart()} ready for {@code ops}: data came
     * in past the Flyover stack, so a channel that answers reads from a quiet mark must drop it.
     */
    default void onKernelReady(int ops) {}
}
