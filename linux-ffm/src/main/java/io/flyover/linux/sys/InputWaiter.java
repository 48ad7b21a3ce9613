package io.flyover.linux.sys;

import java.io.IOException;

/**
 * A device's {@code awaitInput}: poll(2) on its file descriptors until one is readable or the timeout
 * passes. For an AF_XDP socket poll also performs the fill-ring wake-up the kernel may ask for. The
 * {@link FdPoller} is made at the first wait, by the one thread that waits; nothing is allocated after.
 */
public final class InputWaiter implements AutoCloseable {
    private final int[] fds;
    private FdPoller poller;
    private boolean closed;

    public InputWaiter(int... fds) {
        this.fds = fds.clone();
    }

    /** Waits up to {@code timeoutNanos} (rounded up to whole milliseconds); false when closed or poll failed. */
    public synchronized boolean await(long timeoutNanos) {
        if (closed) {
            return false;
        }
        try {
            if (poller == null) {
                FdPoller p = new FdPoller(fds.length);
                for (int fd : fds) {
                    p.add(fd);
                }
                poller = p;
            }
            long millis = Math.max(1, (timeoutNanos + 999_999) / 1_000_000);
            poller.await((int) Math.min(Integer.MAX_VALUE, millis));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Frees the poll set; call before the descriptors close (a wait in progress ends within its timeout first). */
    @Override
    public synchronized void close() {
        closed = true;
        if (poller != null) {
            poller.close();
            poller = null;
        }
    }
}
