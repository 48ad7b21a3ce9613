package io.flyover.linux.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Waits, without spinning, until one of a few file descriptors is readable: what a stack thread
 * does when every device is idle and no timer is due (poll(2); {@code struct pollfd {int fd;
 * short events; short revents;}}). The descriptors are the devices' {@code fd()}s. For an AF_XDP
 * socket poll also performs the fill-ring wake-up the kernel may ask for.
 *
 * <p>Used by one thread; allocation-free after construction.
 */
public final class FdPoller implements AutoCloseable {
    private static final int POLLFD_SIZE = 8;
    private static final short POLLIN = 0x001;
    private static final short POLLERR = 0x008;
    private static final short POLLHUP = 0x010;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment fds;
    /** {@code struct timespec {long tv_sec; long tv_nsec;}} for {@link #awaitNanos}. */
    private final MemorySegment timeout;
    private final int capacity;
    private int count;

    public FdPoller(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.fds = arena.allocate((long) capacity * POLLFD_SIZE, 8);
        this.timeout = arena.allocate(16, 8);
    }

    /** Watches {@code fd} for input; answers its index for {@link #readable(int)}. */
    public int add(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
        if (count == capacity) {
            throw new IllegalStateException("poller full: " + capacity);
        }
        long at = (long) count * POLLFD_SIZE;
        fds.set(ValueLayout.JAVA_INT, at, fd);
        fds.set(ValueLayout.JAVA_SHORT, at + 4, POLLIN);
        fds.set(ValueLayout.JAVA_SHORT, at + 6, (short) 0);
        return count++;
    }

    /**
     * Blocks until a descriptor is readable or {@code timeoutMillis} pass (0: just look; -1: no limit).
     * Answers how many are ready; 0 on timeout or when a signal interrupted the wait.
     */
    public int await(int timeoutMillis) throws IOException {
        int ready = Libc.poll(fds, count, timeoutMillis);
        if (ready == -Errno.EINTR) {
            return 0;
        }
        return Libc.check("poll", ready);
    }

    /**
     * As {@link #await(int)} with a timeout in nanoseconds (ppoll(2)): a timer due in 300 µs is waited for
     * 300 µs, not rounded up to a millisecond. A negative timeout waits without limit.
     */
    public int awaitNanos(long timeoutNanos) throws IOException {
        MemorySegment t = MemorySegment.NULL;
        if (timeoutNanos >= 0) {
            timeout.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / NANOS_PER_SECOND);
            timeout.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % NANOS_PER_SECOND);
            t = timeout;
        }
        int ready = Libc.ppoll(fds, count, t);
        if (ready == -Errno.EINTR) {
            return 0;
        }
        return Libc.check("ppoll", ready);
    }

    /** Whether the descriptor at {@code index} was readable (or in error: reading will tell) at the last await. */
    public boolean readable(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(index);
        }
        short revents = fds.get(ValueLayout.JAVA_SHORT, (long) index * POLLFD_SIZE + 6);
        return (revents & (POLLIN | POLLERR | POLLHUP)) != 0;
    }

    @Override
    public void close() {
        arena.close();
    }
}
