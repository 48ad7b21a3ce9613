package io.flyover.provider.channel;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;

/**
 * The selection keys of one Flyover channel: a copy-on-write array, changed under the channel's state
 * lock and read by the stack thread on every readiness event without locking or allocating.
 */
final class ChannelKeys {
    private static final FlyoverKey[] NONE = {};

    private final Object stateLock;
    private volatile FlyoverKey[] keys = NONE;

    ChannelKeys(Object stateLock) {
        this.stateLock = stateLock;
    }

    /**
     * {@link FlyoverSelectable#addKey}: records {@code key} and hands it the channel's kernel part as it
     * stood then (read under the state lock, so a kernel socket set later attaches the key itself).
     */
    void add(FlyoverKey key, FlyoverSelectable channel) throws ClosedChannelException {
        SelectableChannel k;
        synchronized (stateLock) {
            keys = KeyArrays.with(keys, key);
            k = channel.kernelPart();
        }
        if (k != null) {
            key.attachKernel(k);
        }
    }

    /** {@link FlyoverSelectable#removeKey}. */
    void remove(FlyoverKey key) {
        synchronized (stateLock) {
            keys = KeyArrays.without(keys, key);
        }
    }

    /** The channel has a kernel socket now: every key's selector watches it too. */
    void attachKernel(SelectableChannel kernel) throws ClosedChannelException {
        for (FlyoverKey key : keys) {
            key.attachKernel(kernel);
        }
    }

    /** A blocking channel's kernel socket leaves the selectors (a blocking kernel channel may not stay registered). */
    void detachKernel() {
        for (FlyoverKey key : keys) {
            key.detachKernel();
        }
    }

    /**
     * The channel changed state (bound, listening, connecting): each selector re-reads the key now,
     * after watching {@code kernel} too when not null.
     */
    void attachKernelAndSignal(SelectableChannel kernel) throws ClosedChannelException {
        for (FlyoverKey key : keys) {
            if (kernel != null) {
                key.attachKernel(kernel);
            }
            key.owner().signal(key, true);
        }
    }

    /** A stack event made {@code ops} ready: queued on each selector whose key is interested. */
    void signalReady(int ops) {
        for (FlyoverKey key : keys) {
            key.owner().signalReady(key, ops);
        }
    }
}
