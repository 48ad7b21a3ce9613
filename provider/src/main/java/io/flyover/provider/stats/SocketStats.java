package io.flyover.provider.stats;

import static io.flyover.provider.stats.StatsFileLayout.KIND_COUNTER;
import static io.flyover.provider.stats.StatsFileLayout.KIND_GAUGE;

import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.udp.UdpSocket;
import org.agrona.concurrent.AtomicBuffer;

/**
 * One socket's counters in the statistics file, from {@link StatsPublisher#track} until {@link #close()}
 * (the runtime keeps the handle with its channel). The publisher copies the socket's own counters
 * (kept by the stack on the {@code TcpConnection} or {@code UdpSocket}) at each publish.
 *
 * <p>Fields of a TCP connection: {@code state} (gauge, {@code TcpState} ordinal), {@code rttNanos}
 * (smoothed), {@code cwnd}, {@code sendWindow}, {@code receiveWindow}, {@code sendQueue},
 * {@code receiveQueue} (gauges, bytes), and the counters {@code segmentsIn}, {@code segmentsOut},
 * {@code bytesIn}, {@code bytesOut} (payload), {@code retransmissions}, {@code outOfOrder}. A listener:
 * {@code backlog}, {@code pending}, {@code embryonic}. A UDP socket: {@code datagramsIn},
 * {@code datagramsOut}, {@code bytesIn}, {@code bytesOut}, {@code drops} (receive queue full), and the
 * gauge {@code receiveQueue} (datagrams).
 */
public final class SocketStats implements AutoCloseable {
    /** The handle of a socket that has no counters (statistics disabled, or the file full). */
    public static final SocketStats NONE = new SocketStats(null, 0, null, null, null, null);

    static final String[] TCP_NAMES = {"state", "rttNanos", "cwnd", "sendWindow", "receiveWindow", "sendQueue",
        "receiveQueue", "segmentsIn", "segmentsOut", "bytesIn", "bytesOut", "retransmissions", "outOfOrder"};
    private static final byte[] TCP_KINDS = {KIND_GAUGE, KIND_GAUGE, KIND_GAUGE, KIND_GAUGE, KIND_GAUGE, KIND_GAUGE,
        KIND_GAUGE, KIND_COUNTER, KIND_COUNTER, KIND_COUNTER, KIND_COUNTER, KIND_COUNTER, KIND_COUNTER};
    static final String[] LISTENER_NAMES = {"backlog", "pending", "embryonic"};
    private static final byte[] LISTENER_KINDS = {KIND_GAUGE, KIND_GAUGE, KIND_GAUGE};
    static final String[] UDP_NAMES = {"datagramsIn", "datagramsOut", "bytesIn", "bytesOut", "drops", "receiveQueue"};
    private static final byte[] UDP_KINDS = {KIND_COUNTER, KIND_COUNTER, KIND_COUNTER, KIND_COUNTER, KIND_COUNTER, KIND_GAUGE};

    private final StatsPublisher publisher;
    private final long id;
    private final TcpConnection connection;
    private final TcpListener listener;
    private final UdpSocket udp;
    private int[] ids;
    /** Position in the publisher's array of tracked sockets; -1 when not tracked. */
    int slot = -1;

    private SocketStats(StatsPublisher publisher, long id, int[] ids, TcpConnection connection, TcpListener listener, UdpSocket udp) {
        this.publisher = publisher;
        this.id = id;
        this.ids = ids;
        this.connection = connection;
        this.listener = listener;
        this.udp = udp;
    }

    static SocketStats forConnection(StatsPublisher p, TcpConnection c) {
        String description = "tcp " + AddressText.endpoint(c.localAddressHi(), c.localAddressLo(), c.localPort())
                + " -> " + AddressText.endpoint(c.remoteAddressHi(), c.remoteAddressLo(), c.remotePort());
        return create(p, description, TCP_NAMES, TCP_KINDS, c, null, null);
    }

    static SocketStats forListener(StatsPublisher p, TcpListener l) {
        String description = "tcp listen " + AddressText.endpoint(l.localAddressHi(), l.localAddressLo(), l.localPort());
        return create(p, description, LISTENER_NAMES, LISTENER_KINDS, null, l, null);
    }

    static SocketStats forUdp(StatsPublisher p, UdpSocket s) {
        IpAddress local = s.localAddress();
        String description = "udp " + AddressText.endpoint(local.hi(), local.lo(), s.localPort());
        return create(p, description, UDP_NAMES, UDP_KINDS, null, null, s);
    }

    private static SocketStats create(StatsPublisher p, String description, String[] names, byte[] kinds,
                                      TcpConnection c, TcpListener l, UdpSocket u) {
        StatsFile file = p.file();
        long id = file.nextSocketId();
        int[] ids = file.allocate(StatsFileLayout.Scope.SOCKET, id, p.stackId(), description, names, kinds);
        if (ids == null) {
            return NONE;
        }
        SocketStats s = new SocketStats(p, id, ids, c, l, u);
        return s;
    }

    /** The socket's serial number in the file (0 for {@link #NONE}). */
    public long id() { return id; }

    /** Whether this socket has counters in the file. */
    public boolean isTracked() { return ids != null; }

    void publish(AtomicBuffer v) {
        int[] i = ids;
        if (connection != null) {
            TcpConnection c = connection;
            StatsPublisher.put(v, i[0], c.state().ordinal());
            StatsPublisher.put(v, i[1], c.smoothedRttNanos());
            StatsPublisher.put(v, i[2], c.congestionWindow());
            StatsPublisher.put(v, i[3], c.sendWindow());
            StatsPublisher.put(v, i[4], c.receiveWindow());
            StatsPublisher.put(v, i[5], c.bytesUnacknowledged());
            StatsPublisher.put(v, i[6], c.bytesToRead());
            StatsPublisher.put(v, i[7], c.segmentsReceived());
            StatsPublisher.put(v, i[8], c.segmentsSent());
            StatsPublisher.put(v, i[9], c.payloadBytesReceived());
            StatsPublisher.put(v, i[10], c.payloadBytesSent());
            StatsPublisher.put(v, i[11], c.retransmissions());
            StatsPublisher.put(v, i[12], c.segmentsOutOfOrder());
        } else if (listener != null) {
            StatsPublisher.put(v, i[0], listener.backlog());
            StatsPublisher.put(v, i[1], listener.pending());
            StatsPublisher.put(v, i[2], listener.embryonic());
        } else {
            UdpSocket u = udp;
            StatsPublisher.put(v, i[0], u.datagramsReceived());
            StatsPublisher.put(v, i[1], u.datagramsSent());
            StatsPublisher.put(v, i[2], u.bytesReceived());
            StatsPublisher.put(v, i[3], u.bytesSent());
            StatsPublisher.put(v, i[4], u.datagramsDropped());
            StatsPublisher.put(v, i[5], u.queuedDatagrams());
        }
    }

    void freeCounters() {
        int[] i = ids;
        ids = null;
        if (i != null) {
            publisher.file().free(i);
        }
    }

    /** The socket closed: its counters leave the file (on the thread that owns the stack). Idempotent. */
    @Override
    public void close() {
        if (publisher != null && ids != null) {
            if (slot >= 0) {
                publisher.remove(this);
            } else {
                freeCounters();
            }
        }
    }
}
