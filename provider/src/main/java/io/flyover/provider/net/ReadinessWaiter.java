package io.flyover.provider.net;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;

/**
 * Waits until one non-blocking channel is ready for an operation, the way {@code sun.nio.ch.NioSocketImpl#park}
 * waits for its file descriptor: with an optional timeout, and with the {@code java.net} interrupt rule
 * (a platform thread's interrupt is not a reason to stop waiting and stays set; a virtual thread's interrupt
 * ends the wait with {@link InterruptedIOException}, which {@code java.net.Socket} turns into "Closed by interrupt").
 *
 * <p>The selector comes from the channel's own provider (a Flyover selector for Flyover channels, a JDK one
 * otherwise), is opened on the first wait and is kept: the channel is registered with it once. Reading
 * (and connecting, accepting) and writing each have their own waiter so that a reader blocked forever never
 * holds up a writer; one waiter is used by one thread at a time (the socket's read or write lock).
 */
final class ReadinessWaiter {
    private final SelectableChannel channel;
    private Selector selector;
    private SelectionKey key;
    private boolean closed;

    ReadinessWaiter(SelectableChannel channel) {
        this.channel = channel;
    }

    /**
     * Waits until the channel is ready for {@code operation} (a {@link SelectionKey} {@code OP_} bit), the
     * socket is closed, or {@code timeoutNanos} have passed ({@code 0}: no limit).
     *
     * @return {@code false} only when the timeout expired; the caller then reports its own timeout
     * @throws SocketException "Socket closed" when the waiter (that is, the socket) was closed
     * @throws InterruptedIOException when a virtual thread was interrupted
     */
    boolean await(int operation, long timeoutNanos) throws IOException {
        Selector waitOn = selectorFor(operation);
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        boolean platformInterrupt = false;
        try {
            while (true) {
                long millis = 0;
                if (timeoutNanos > 0) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        return false;
                    }
                    millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining + 999_999));
                }
                int selected;
                try {
                    selected = waitOn.select(millis);
                } catch (ClosedSelectorException e) {
                    throw closedException();
                }
                if (isClosed()) {
                    throw closedException();
                }
                if (selected > 0) {
                    waitOn.selectedKeys().clear();
                    return true;
                }
                Thread thread = Thread.currentThread();
                if (thread.isInterrupted()) {
                    if (thread.isVirtual()) {
                        throw new InterruptedIOException();
                    }
                    // NioSocketImpl polls without noticing a platform thread's interrupt: keep waiting, restore it after.
                    Thread.interrupted();
                    platformInterrupt = true;
                }
            }
        } finally {
            if (platformInterrupt) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Closes the selector (waking any thread waiting in it); later waits fail with "Socket closed". */
    void close() {
        Selector toClose;
        synchronized (this) {
            closed = true;
            toClose = selector;
            selector = null;
        }
        if (toClose != null) {
            try {
                toClose.close();
            } catch (IOException ignored) {
                // the selector holds no data; the channel itself is closed by the socket
            }
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private synchronized Selector selectorFor(int operation) throws IOException {
        if (closed) {
            throw closedException();
        }
        if (selector == null) {
            Selector opened = channel.provider().openSelector();
            try {
                key = channel.register(opened, operation);
            } catch (ClosedChannelException e) {
                opened.close();
                throw closedException();
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
            selector = opened;
        } else if (key.interestOps() != operation) {
            try {
                key.interestOps(operation);
            } catch (CancelledKeyException e) {
                throw closedException();
            }
        }
        return selector;
    }

    private static SocketException closedException() {
        return new SocketException("Socket closed");
    }
}
