package io.flyover.provider.runtime;

/**
 * What a Flyover socket's owner (a channel) hears from its stack: set as the {@code attachment} of a
 * {@code TcpConnection}, {@code TcpListener} or {@code UdpSocket}. Called on whichever thread polled the
 * stack, usually just after it released the stack lock (the first two sockets of a critical section;
 * others while it is held): implementations only wake waiters (unpark, selector signal) and must not
 * rely on either.
 */
public interface SocketEvents {
    /** Data, end of stream, an error, or a datagram can be read; or a connection can be accepted. */
    int READABLE = 1;
    /** Send space was freed, or the connection failed or closed. */
    int WRITABLE = 2;
    /** An active open completed or failed. */
    int CONNECTED = 4;
    /** A connection waits in a listener's accept queue. */
    int ACCEPTABLE = 8;

    void onStackEvent(int events);
}
