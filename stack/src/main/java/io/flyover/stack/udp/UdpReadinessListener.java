package io.flyover.stack.udp;

/**
 * Readiness changes of UDP sockets for the layer above (the provider's selector), called on the stack
 * thread at the moment they happen, so that nothing has to scan every socket after a poll; the UDP
 * counterpart of {@code tcp.TcpReadinessListener}. Implementations must not call back into the stack
 * and should only record the event (no allocation on the data path).
 */
@FunctionalInterface
public interface UdpReadinessListener {
    /**
     * A datagram was queued on the socket (called once per datagram), or an ICMP port unreachable for its
     * connected peer became pending (the next {@link UdpSocket#receive} throws it). The socket stays
     * readable until {@code receive} answers -1.
     */
    void onReadable(UdpSocket socket);

    /** The no-op listener. */
    UdpReadinessListener NONE = socket -> { };
}
