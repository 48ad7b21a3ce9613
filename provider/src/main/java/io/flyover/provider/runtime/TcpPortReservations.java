package io.flyover.provider.runtime;

import java.net.BindException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TCP ports of one stack taken by sockets bound to an address only Flyover serves (no kernel socket
 * holds them). A port is held by one socket, or shared by several that all set SO_REUSEPORT (Linux
 * {@code inet_csk_bind_conflict}: same effective uid, always true in one process); it is free again when
 * its last holder releases it.
 */
final class TcpPortReservations {
    private static final int EPHEMERAL_FIRST = 49_152;
    private static final int EPHEMERAL_COUNT = 16_384;

    /** Who holds a port: how many sockets, and whether they share it under SO_REUSEPORT. */
    private record Holders(boolean reusePort, int count) {}

    private final ConcurrentHashMap<Integer, Holders> ports = new ConcurrentHashMap<>();
    private final AtomicInteger nextEphemeral;

    TcpPortReservations(int ephemeralStart) {
        this.nextEphemeral = new AtomicInteger(ephemeralStart);
    }

    /**
     * Takes {@code port}, or an ephemeral port (49152-65535) when 0; {@code reusePort} is the socket's
     * SO_REUSEPORT.
     *
     * @throws BindException "Address already in use" when the port is held and not shareable
     */
    int reserve(int port, boolean reusePort) throws BindException {
        if (port != 0) {
            Holders fresh = new Holders(reusePort, 1);
            Holders after = ports.merge(port, fresh,
                    (held, one) -> held.reusePort() && reusePort ? new Holders(true, held.count() + 1) : held);
            if (after != fresh && !(reusePort && after.reusePort())) {
                throw new BindException("Address already in use");
            }
            return port;
        }
        for (int i = 0; i < EPHEMERAL_COUNT; i++) {
            int p = EPHEMERAL_FIRST + (nextEphemeral.getAndIncrement() & (EPHEMERAL_COUNT - 1));
            if (ports.putIfAbsent(p, new Holders(reusePort, 1)) == null) {
                return p;
            }
        }
        throw new BindException("Cannot assign requested address");
    }

    /** Gives back one holder's share of {@code port}. */
    void release(int port) {
        ports.computeIfPresent(port, (p, held) -> held.count() <= 1 ? null : new Holders(held.reusePort(), held.count() - 1));
    }
}
