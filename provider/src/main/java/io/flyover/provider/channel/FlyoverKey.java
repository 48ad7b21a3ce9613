package io.flyover.provider.channel;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelectionKey;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A registration with a {@link FlyoverSelector}, as {@code sun.nio.ch.SelectionKeyImpl}: interest and
 * ready sets, and the two sources of readiness: the channel's Flyover part (signalled by its stack) and
 * a kernel channel registered, with this key as attachment, in the selector's inner JDK selector.
 */
final class FlyoverKey extends AbstractSelectionKey {
    private final FlyoverSelector selector;
    private final AbstractSelectableChannel channel;
    /** The channel's Flyover face, or null for a foreign (JDK) channel served only by the inner selector. */
    final FlyoverSelectable flyover;
    private volatile int interestOps;
    private volatile int readyOps;
    private volatile SelectionKey kernelKey;
    /** In the selector's signal queue (so that it is queued once). */
    final AtomicBoolean signalled = new AtomicBoolean();

    // Owned by the selecting thread.
    /** Re-evaluated at every select until its Flyover part is no longer ready (level-triggered, as epoll). */
    boolean candidate;
    /** Ready operations gathered in the current selection pass, and whether the key is in the pass list. */
    int passOps;
    boolean inPass;
    /** This key's slot in its selector's {@link SelectedKeySet}, or -1 when not selected (selector's thread). */
    int selectedIndex = -1;

    FlyoverKey(FlyoverSelector selector, AbstractSelectableChannel channel, FlyoverSelectable flyover) {
        this.selector = selector;
        this.channel = channel;
        this.flyover = flyover;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public Selector selector() {
        return selector;
    }

    FlyoverSelector owner() {
        return selector;
    }

    private void ensureValid() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
    }

    @Override
    public int interestOps() {
        ensureValid();
        return interestOps;
    }

    @Override
    public SelectionKey interestOps(int ops) {
        ensureValid();
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("Invalid interest ops: " + ops);
        }
        interestOps = ops;
        SelectionKey k = kernelKey;
        if (k != null) {
            try {
                k.interestOps(ops);
            } catch (CancelledKeyException e) {
                // the kernel channel is closing with ours; this key is about to be cancelled too
            }
        }
        if (flyover != null) {
            selector.signal(this, false); // takes effect at the next selection, as the JDK's update queue
        }
        return this;
    }

    /** The interest set without the validity check, for the selector. */
    int interest() {
        return interestOps;
    }

    @Override
    public int readyOps() {
        ensureValid();
        return readyOps;
    }

    int ready() {
        return readyOps;
    }

    void setReady(int ops) {
        readyOps = ops;
    }

    SelectionKey kernelKey() {
        return kernelKey;
    }

    /**
     * Registers {@code kernelChannel} (non-blocking) with the selector's inner selector so its readiness
     * reaches this key; called when a channel's path is decided, or at registration.
     */
    void attachKernel(SelectableChannel kernelChannel) throws ClosedChannelException {
        if (!isValid() || kernelKey != null && kernelKey.channel() == kernelChannel) {
            return;
        }
        kernelKey = selector.registerInner(kernelChannel, interestOps, this);
    }

    /** Drops the inner registration (key cancelled, channel switching to blocking mode). */
    void detachKernel() {
        SelectionKey k = kernelKey;
        if (k != null) {
            k.cancel();
        }
    }

    @Override
    public String toString() {
        return "FlyoverKey[" + channel + (isValid() ? " interest=" + interestOps + " ready=" + readyOps : " cancelled") + "]";
    }
}
