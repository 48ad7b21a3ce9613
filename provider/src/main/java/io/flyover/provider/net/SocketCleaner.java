package io.flyover.provider.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.channels.Channel;

/**
 * Closes a socket's channel and selectors exactly once: when the socket is closed, or when it becomes
 * unreachable without having been closed (as {@code NioSocketImpl} registers its file descriptor with a
 * {@link Cleaner}), so that a forgotten {@code java.net} socket does not leak its channel.
 */
final class SocketCleaner {
    private static final Cleaner CLEANER = Cleaner.create(runnable -> {
        Thread thread = new Thread(runnable, "flyover-socket-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    private SocketCleaner() {}

    /** Registers {@code owner}'s resources; the action must not (and does not) reference {@code owner}. */
    static Cleaner.Cleanable register(Object owner, Channel channel, ReadinessWaiter... waiters) {
        return CLEANER.register(owner, () -> {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                // Wakes threads waiting for readiness; closing the selectors also releases a kernel channel's fd.
                for (ReadinessWaiter waiter : waiters) {
                    waiter.close();
                }
            }
        });
    }

    /** Runs the cleaning now (at most once), reporting the channel's close failure. */
    static void clean(Cleaner.Cleanable cleanable) throws IOException {
        try {
            cleanable.clean();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
