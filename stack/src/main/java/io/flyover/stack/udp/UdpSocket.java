package io.flyover.stack.udp;

import io.flyover.stack.net.IpAddress;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;

/**
 * A UDP socket of one stack (RFC 768), used from the stack's thread. Addresses on the data path are the
 * two-long form of {@link IpAddress}; the {@code IpAddress} overloads are conveniences for setup.
 * Errors follow the JDK's {@code DatagramChannel}: closed, already bound, not connected, permission
 * denied for broadcast without {@link #setBroadcast}, message too long.
 */
public final class UdpSocket implements AutoCloseable {
    private final UdpLayer layer;
    private final DatagramRing ring;
    boolean bound;
    boolean closed;
    long localHi, localLo;
    int localPort;
    boolean connected;
    long remoteHi, remoteLo;
    int remotePort;
    boolean reuseAddress;
    boolean broadcast;
    /** IP_MULTICAST_LOOP: our own multicast datagrams also reach this stack's member sockets (JDK default on). */
    boolean multicastLoop = true;
    UdpSocket nextOnPort;
    /** Set by an ICMP port unreachable for our connected peer; reported by the next receive (as Linux does). */
    boolean pendingUnreachable;
    private final long[] groupHi = new long[16];
    private final long[] groupLo = new long[16];
    private int groups;

    UdpSocket(UdpLayer layer, int receiveBufferBytes) {
        this.layer = layer;
        this.ring = new DatagramRing(receiveBufferBytes);
    }

    /** Binds to a local address (wildcard allowed) and port (0 picks an ephemeral port). */
    public void bind(IpAddress local, int port) throws IOException {
        ensureOpen();
        if (bound) {
            throw new AlreadyBoundException();
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        layer.bind(this, local == null ? 0 : local.hi(), local == null ? 0 : local.lo(), port);
    }

    public void connect(IpAddress remote, int port) throws IOException {
        ensureOpen();
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (!bound) {
            layer.bind(this, 0, 0, 0);
        }
        remoteHi = remote.hi();
        remoteLo = remote.lo();
        remotePort = port;
        connected = true;
    }

    public void disconnect() {
        connected = false;
    }

    /** The object the layer above keeps with this socket (the provider's channel); the stack never reads it. */
    public Object attachment;

    public void setReuseAddress(boolean on) { reuseAddress = on; }
    public void setBroadcast(boolean on) { broadcast = on; }
    public void setMulticastLoop(boolean on) { multicastLoop = on; }
    public boolean isBound() { return bound; }
    public boolean isConnected() { return connected; }
    public boolean isOpen() { return !closed; }
    public int localPort() { return localPort; }
    public IpAddress localAddress() { return new IpAddress(localHi, localLo); }

    /** Sends on a connected socket. */
    public int send(MemorySegment data, long offset, int length) throws IOException {
        if (!connected) {
            throw new NotYetConnectedException();
        }
        return sendTo(data, offset, length, remoteHi, remoteLo, remotePort);
    }

    public int sendTo(MemorySegment data, long offset, int length, IpAddress to, int port) throws IOException {
        return sendTo(data, offset, length, to.hi(), to.lo(), port);
    }

    /**
     * Sends one datagram; returns {@code length}, or 0 when the frame pool is at its low watermark or
     * empty (back-pressure: try again after the stack has polled, as a non-blocking
     * {@code DatagramChannel.send} answers 0 when it has no buffer space).
     */
    public int sendTo(MemorySegment data, long offset, int length, long toHi, long toLo, int port) throws IOException {
        ensureOpen();
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (!bound) {
            layer.bind(this, 0, 0, 0);
        }
        return layer.send(this, data, offset, length, toHi, toLo, port);
    }

    /**
     * Takes the oldest datagram into {@code dst} (truncated to {@code max}); returns its length or -1
     * when none is queued. The source is then in {@link #sourceHi()}, {@link #sourceLo()}, {@link #sourcePort()}.
     */
    public int receive(MemorySegment dst, long offset, int max) throws IOException {
        ensureOpen();
        if (pendingUnreachable) {
            pendingUnreachable = false;
            throw new java.net.PortUnreachableException("ICMP Port Unreachable");
        }
        return ring.poll(dst, offset, max);
    }

    public boolean hasDatagram() { return !ring.isEmpty(); }
    public int queuedDatagrams() { return ring.count(); }
    public long sourceHi() { return ring.lastSourceHi(); }
    public long sourceLo() { return ring.lastSourceLo(); }
    public int sourcePort() { return ring.lastSourcePort(); }
    public IpAddress source() { return new IpAddress(sourceHi(), sourceLo()); }

    /** Joins a multicast group (IGMP/MLD report on the stack's first join of it); joining again does nothing. */
    public void join(IpAddress group) throws IOException {
        ensureOpen();
        if (!group.isMulticast()) {
            throw new IllegalArgumentException("not a multicast address: " + group);
        }
        if (isMember(group.hi(), group.lo())) {
            return; // DatagramChannel.join answers the existing membership: joining twice is harmless
        }
        if (groups == groupHi.length) {
            throw new SocketException("too many memberships");
        }
        groupHi[groups] = group.hi();
        groupLo[groups] = group.lo();
        groups++;
        layer.nif().joinGroup(group.hi(), group.lo());
    }

    public void leave(IpAddress group) {
        for (int i = 0; i < groups; i++) {
            if (groupHi[i] == group.hi() && groupLo[i] == group.lo()) {
                groups--;
                groupHi[i] = groupHi[groups];
                groupLo[i] = groupLo[groups];
                layer.nif().leaveGroup(group.hi(), group.lo());
                return;
            }
        }
    }

    boolean isMember(long hi, long lo) {
        for (int i = 0; i < groups; i++) {
            if (groupHi[i] == hi && groupLo[i] == lo) {
                return true;
            }
        }
        return false;
    }

    boolean deliver(MemorySegment seg, long offset, int length, long srcHi, long srcLo, int srcPort) {
        if (!ring.offer(seg, offset, length, srcHi, srcLo, srcPort)) {
            return false;
        }
        layer.readiness.onReadable(this);
        return true;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    /** Leaves every group, unbinds and discards queued datagrams. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        while (groups > 0) {
            groups--;
            layer.nif().leaveGroup(groupHi[groups], groupLo[groups]);
        }
        layer.unbind(this);
        closed = true;
    }
}
