package io.flyover.stack.tcp;

/** Connection states (RFC 9293 §3.3.2, Figure 5). */
public enum TcpState {
    CLOSED,
    LISTEN,
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    CLOSE_WAIT,
    CLOSING,
    LAST_ACK,
    TIME_WAIT;

    /** RFC 9293 §3.3.2: the states after the handshake completed. */
    public boolean isSynchronized() {
        return ordinal() >= ESTABLISHED.ordinal();
    }

    /** States in which the peer may still send us data. */
    boolean canReceiveData() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }

    /** States in which our FIN has been queued or sent. */
    boolean finQueued() {
        return this == FIN_WAIT_1 || this == FIN_WAIT_2 || this == CLOSING || this == LAST_ACK || this == TIME_WAIT;
    }
}
