package io.flyover.samples.sockperf;

/**
 * What a {@link SockperfServer} has seen, written by its one thread and readable from any other.
 * Sequence numbers are checked per client stream (a TCP connection, or a UDP source address).
 */
public final class SockperfCounters {
    volatile long messages;
    volatile long replies;
    volatile long warmups;
    volatile long notFromClient;
    volatile long malformed;
    volatile long sequenceGaps;
    volatile long outOfOrder;
    volatile long repliesDropped;
    volatile long tcpConnections;

    /** Client messages counted (warm-up ones excluded), over TCP and UDP. */
    public long messages() { return messages; }
    /** Messages sent back because the client asked (ping-pong: all; under-load: one in {@code --reply-every}). */
    public long replies() { return replies; }
    /** Warm-up messages: not counted, not answered, as sockperf's own server does. */
    public long warmups() { return warmups; }
    /** Messages without the client flag (another server's replies): ignored. */
    public long notFromClient() { return notFromClient; }
    /** Datagrams whose length field disagrees with their size, or stream messages with an impossible length. */
    public long malformed() { return malformed; }
    /** Messages missing between two received ones of the same stream (lost, or still to come out of order). */
    public long sequenceGaps() { return sequenceGaps; }
    /** Messages whose sequence number was not above the last one seen on their stream (reordered or duplicated). */
    public long outOfOrder() { return outOfOrder; }
    /** UDP replies the socket had no room for. */
    public long repliesDropped() { return repliesDropped; }
    /** TCP connections accepted. */
    public long tcpConnections() { return tcpConnections; }

    @Override
    public String toString() {
        return messages + " messages, " + replies + " replies, " + warmups + " warm-up, " + sequenceGaps + " missing in sequence, "
                + outOfOrder + " out of order, " + malformed + " malformed, " + notFromClient + " not from a client, "
                + repliesDropped + " replies dropped, " + tcpConnections + " TCP connections";
    }
}
