package io.flyover.provider.net;

import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** The exceptions {@code java.net} sockets report, as {@code sun.nio.ch.NioSocketImpl} shapes them. */
final class SocketErrors {
    private SocketErrors() {}

    /** Any operation on a socket that was closed (or closed while the operation waited). */
    static SocketException closed() {
        return new SocketException("Socket closed");
    }

    /** {@code java.net} socket methods declare {@link SocketException}: other I/O errors keep their message. */
    static SocketException asSocketException(Exception e) {
        if (e instanceof SocketException se) {
            return se;
        }
        return new SocketException(e.getMessage(), e);
    }

    /** Lets an {@link IOException} out as it is, any other failure as a {@link SocketException}. */
    static IOException asIOException(Exception e) {
        return e instanceof IOException io ? io : asSocketException(e);
    }

    /**
     * Takes {@code lock} within {@code timeoutMillis}, as {@code NioSocketImpl.tryLock}: an interrupt does not
     * stop the attempt and is restored afterwards.
     *
     * @return the nanoseconds left of the timeout; {@code <= 0} means the lock was not taken
     */
    static long tryLock(ReentrantLock lock, int timeoutMillis) {
        long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long start = System.nanoTime();
        long remaining = nanos;
        boolean interrupted = false;
        boolean acquired = false;
        while (!acquired && remaining > 0) {
            try {
                acquired = lock.tryLock(remaining, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            remaining = nanos - (System.nanoTime() - start);
        }
        if (acquired && remaining <= 0) {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return remaining;
    }
}
