package io.flyover.verbs;

import java.io.IOException;

/**
 * Why the RAW_PACKET path cannot be used here: the library, the hardware, a port, a permission or
 * a resource is missing. One of these, with a message saying which, replaces any native failure,
 * so a caller can log it once and fall back to the kernel path.
 */
public final class VerbsException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The errno of the failed call, or 0 when none applies. */
    private final int errno;

    public VerbsException(String message) {
        this(message, 0, null);
    }

    public VerbsException(String message, int errno) {
        this(message, errno, null);
    }

    public VerbsException(String message, int errno, Throwable cause) {
        super(errno == 0 ? message : message + " (errno " + errno + ": " + Errno.name(errno) + ")", cause);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
