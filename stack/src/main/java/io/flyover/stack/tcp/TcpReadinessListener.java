package io.flyover.stack.tcp;

/**
 * Readiness changes for the layer above (the provider's selector), called on the stack thread at the
 * moment they happen, so that nothing has to scan every socket after a poll. Implementations must not
 * call back into the layer and should only record the event (no allocation on the data path).
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

    /** The no-op listener. */
    TcpReadinessListener NONE = new TcpReadinessListener() {};
}
