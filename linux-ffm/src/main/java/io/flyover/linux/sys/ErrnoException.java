package io.flyover.linux.sys;

import java.io.IOException;

/** A failed system call: names the call and carries the errno with its C library text. */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + ": " + Libc.strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** The positive errno value, such as {@link Errno#EPERM}. */
    public int errno() {
        return errno;
    }
}
