package io.flyover.stack.tcp;

/**
 * Readiness changes for the layer above (the provider's selector), and connections leaving the table,
 * called on the stack thread at the moment they happen, so that nothing has to scan every socket after a
 * poll. Implementations must not call back into the layer and should only record the event (no
 * allocation on the data path).
 */
public interface TcpReadinessListener {
    /** Data or end of stream became readable, or the connection failed or closed. */
    default void onReadable(TcpConnection c) {}

    /** Send-buffer space was freed by an acknowledgement, or the connection failed or closed. */
    default void onWritable(TcpConnection c) {}

    /** An active open completed (the handshake finished) or failed. */
    default void onConnected(TcpConnection c) {}

    /** A connection is waiting in the listener's accept queue. */
    default void onAcceptable(TcpListener l) {}

    /**
     * {@code c} left the connection table (closed, reset, its TIME-WAIT over, or the stack closing), once:
     * what the layer above tied to it ({@link TcpConnection#heldUntilReleased}) may go. Letting go of a
     * kernel resource is a system call, which the stack leaves to the layer above, out of its poll.
     */
    default void onReleased(TcpConnection c) {}

    /** The no-op listener. */
    TcpReadinessListener NONE = new TcpReadinessListener() {};
}
