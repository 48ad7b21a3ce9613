package io.flyover.linux.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A device's {@code awaitInput} and {@code wakeInput}: ppoll(2) on its file descriptors and an eventfd
 * until one is readable or the timeout passes; {@link #wake} writes the eventfd, so another thread can end
 * the wait (a timer armed nearer than the one the waiter sleeps towards). For an AF_XDP socket poll also
 * performs the fill-ring wake-up the kernel may ask for. The {@link FdPoller} is made at the first wait,
 * by the one thread that waits; nothing is allocated after.
 *
 * <p>With an {@link ArmableInput} source (an ibverbs completion channel), each wait first arms the source
 * and returns at once if input came before the arming; after the wait it takes the source's events when
 * its descriptor polled readable. {@link #close} returns once a wait in progress, events taken, has ended.
 */
public final class InputWaiter implements AutoCloseable {
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;

    private final int[] fds;
    /** Armed before and drained after each wait; its descriptor is the last of {@link #fds}. Null without. */
    private final ArmableInput source;
    private final Arena arena = Arena.ofShared();
    /** The 8-byte counter that eventfd reads and writes. */
    private final MemorySegment counter = arena.allocate(8, 8);
    private final MemorySegment drained = arena.allocate(8, 8);
    /** Guards {@link #eventFd} against a wake racing close (a write to a reused descriptor number). */
    private final Object wakeLock = new Object();
    private int eventFd = -1;
    /** A wake that came before the first wait made the eventfd (under {@link #wakeLock}). */
    private boolean wakeBeforeFirstWait;
    private FdPoller poller;
    private int wakeIndex;
    private volatile boolean closed;

    public InputWaiter(int... fds) {
        this(null, fds);
    }

    /** Waits on {@code source}'s descriptor, armed before each wait, and on {@code otherFds}. */
    public InputWaiter(ArmableInput source, int... otherFds) {
        this.source = source;
        this.fds = Arrays.copyOf(otherFds, otherFds.length + (source == null ? 0 : 1));
        if (source != null) {
            fds[otherFds.length] = source.inputEventFd();
        }
        counter.set(ValueLayout.JAVA_LONG, 0, 1);
    }

    /** Waits up to {@code timeoutNanos}, or until {@link #wake}; false when closed or poll failed. */
    public synchronized boolean await(long timeoutNanos) {
        if (closed) {
            return false;
        }
        try {
            if (poller == null) {
                FdPoller p = new FdPoller(fds.length + 1);
                for (int fd : fds) {
                    p.add(fd);
                }
                try {
                    synchronized (wakeLock) {
                        eventFd = Libc.eventfd(wakeBeforeFirstWait ? 1 : 0, EFD_NONBLOCK | EFD_CLOEXEC);
                    }
                } catch (IOException e) {
                    p.close();
                    throw e;
                }
                wakeIndex = p.add(eventFd);
                poller = p;
                if (closed) {
                    return false; // close() came while the eventfd was made: it could not wake this wait
                }
            }
            if (source != null) {
                switch (source.armInput()) {
                    case REFUSED -> { return false; }
                    case INPUT_WAITING -> { return true; } // no event will come for it: do not sleep
                    case ARMED -> { }
                }
            }
            if (poller.awaitNanos(Math.max(0, timeoutNanos)) > 0) {
                if (poller.readable(wakeIndex)) {
                    Libc.read(eventFd, drained.address(), 8); // reset the counter: the next wait sleeps again
                }
                if (source != null && poller.readable(fds.length - 1)) { // the source's descriptor, added last of fds
                    source.takeInputEvents();
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Ends the wait in progress, or makes the next one return at once (any thread; a system call). */
    public void wake() {
        synchronized (wakeLock) {
            if (eventFd >= 0) {
                Libc.write(eventFd, counter.address(), 8);
            } else if (!closed) {
                wakeBeforeFirstWait = true;
            }
        }
    }

    /**
     * Ends a wait in progress at once and frees the poll set and the eventfd; call before the descriptors
     * close. Later waits answer false.
     */
    @Override
    public void close() {
        closed = true; // no wait starts after this
        synchronized (wakeLock) {
            if (eventFd >= 0) {
                Libc.write(eventFd, counter.address(), 8); // the wait in progress ends now
            }
        }
        synchronized (this) { // once the wait in progress has returned
            if (poller != null) {
                poller.close();
                poller = null;
            }
            synchronized (wakeLock) {
                if (eventFd >= 0) {
                    Libc.close(eventFd);
                    eventFd = -1;
                }
            }
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }
}
