package io.flyover.stack.udp;

import io.flyover.stack.net.IpAddress;
import io.flyover.stack.net.SteeringRefusedException;
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
    /** SO_REUSEPORT: shares the address and port with other sockets that set it; unicast is spread over them. */
    boolean reusePort;
    boolean broadcast;
    boolean dontFragment;
    /** IP_MULTICAST_LOOP: our own multicast datagrams also reach this stack's member sockets (JDK default on). */
    boolean multicastLoop = true;
    /** IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS: the TTL of multicast datagrams (1 by default, RFC 1112 §6.1). */
    int multicastTtl = 1;
    /** IP_TOS / IPV6_TCLASS of every datagram sent, all eight bits (Linux masks ECN only for SOCK_STREAM). */
    int trafficClass;
    UdpSocket nextOnPort;
    /** Set by an ICMP port unreachable for our connected peer; reported by the next receive (as Linux does). */
    boolean pendingUnreachable;
    final SocketMemberships memberships = new SocketMemberships();
    /** Counters for statistics: plain longs written by the stack thread. */
    long datagramsSent, bytesSent, datagramsReceived, bytesReceived, datagramsDropped;

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
    /** SO_REUSEPORT, effective at bind (as on Linux). */
    public void setReusePort(boolean on) { reusePort = on; }
    public void setBroadcast(boolean on) { broadcast = on; }
    public void setMulticastLoop(boolean on) { multicastLoop = on; }

    /**
     * IP_DONTFRAGMENT ({@code IP_PMTUDISC_DO} on Linux): datagrams leave with DF set and are never
     * fragmented here; one larger than the path MTU fails its send with "Message too long" (EMSGSIZE).
     */
    public void setDontFragment(boolean on) { dontFragment = on; }

    public boolean dontFragment() { return dontFragment; }

    /** IP_MULTICAST_TTL, 0-255; 0 keeps multicast on this host (looped back only, as Linux does). */
    public void setMulticastTtl(int ttl) {
        if (ttl < 0 || ttl > 255) {
            throw new IllegalArgumentException("TTL out of range: " + ttl);
        }
        multicastTtl = ttl;
    }

    /** IP_TOS: the TOS byte / traffic class of the datagrams sent from now on, 0-255. */
    public void setTrafficClass(int tos) {
        if (tos < 0 || tos > 255) {
            throw new IllegalArgumentException("traffic class out of range: " + tos);
        }
        trafficClass = tos;
    }

    /** SO_RCVBUF: the receive queue's size from now on; datagrams already queued are kept (as Linux). */
    public void setReceiveBufferSize(int bytes) {
        ring.resize(bytes);
    }

    public int receiveBufferSize() { return ring.size(); }
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
        int sent = layer.send(this, data, offset, length, toHi, toLo, port);
        if (sent == length) { // 0 for a non-empty datagram means back-pressure: nothing left
            datagramsSent++;
            bytesSent += length;
        }
        return sent;
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

    // Counters since the socket was opened, for statistics (other threads: plain reads, a recent value).
    public long datagramsSent() { return datagramsSent; }
    public long bytesSent() { return bytesSent; }
    public long datagramsReceived() { return datagramsReceived; }
    public long bytesReceived() { return bytesReceived; }
    /** Datagrams for this socket dropped because its receive queue was full. */
    public long datagramsDropped() { return datagramsDropped; }

    public boolean hasDatagram() { return !ring.isEmpty(); }
    public int queuedDatagrams() { return ring.count(); }
    public long sourceHi() { return ring.lastSourceHi(); }
    public long sourceLo() { return ring.lastSourceLo(); }
    public int sourcePort() { return ring.lastSourcePort(); }
    public IpAddress source() { return new IpAddress(sourceHi(), sourceLo()); }

    /**
     * Joins a multicast group for every source (EXCLUDE mode, RFC 3376 section 3.1), as
     * {@code DatagramChannel.join(group, interface)}; joining again does nothing.
     *
     * @throws IllegalArgumentException when {@code group} is not a multicast address
     * @throws IllegalStateException when the socket has source-specific memberships of the group
     *         (with the JDK's {@code MembershipRegistry} message)
     * @throws SocketException when the socket or the interface has no room for another group
     */
    public void join(IpAddress group) throws IOException {
        ensureOpen();
        requireMulticast(group);
        long gHi = group.hi(), gLo = group.lo();
        if (memberships.isMember(gHi, gLo)) {
            if (memberships.isAnySource(gHi, gLo)) {
                return; // DatagramChannel.join answers the existing membership: joining twice is harmless
            }
            throw new IllegalStateException("Already a member to receive all packets");
        }
        requireRoomForGroup(gHi, gLo);
        memberships.addGroup(gHi, gLo, true);
        membershipAdded(gHi, gLo);
    }

    /** Tells the layer of a membership just added; undoes it when the device refuses to steer the group. */
    private void membershipAdded(long gHi, long gLo) throws SocketException {
        try {
            layer.membershipChanged(this, gHi, gLo);
        } catch (SteeringRefusedException refused) {
            memberships.removeGroup(gHi, gLo);
            layer.membershipChanged(this, gHi, gLo);
            throw new SocketException("Cannot join the group (" + refused.getMessage() + ")");
        }
    }

    /**
     * Joins a multicast group for one more source (INCLUDE mode: only the joined sources are received),
     * as {@code DatagramChannel.join(group, interface, source)} (IGMPv3/MLDv2 source-specific
     * multicast); joining the same source again does nothing.
     *
     * @throws IllegalArgumentException when {@code group} is not multicast, or {@code source} is the
     *         wildcard, multicast or of the other family (the JDK's checks and messages)
     * @throws IllegalStateException when the socket is a member of the group for every source
     * @throws SocketException when the socket (64 sources in all) or the interface has no room
     */
    public void join(IpAddress group, IpAddress source) throws IOException {
        ensureOpen();
        requireMulticast(group);
        requireSource(group, source);
        long gHi = group.hi(), gLo = group.lo();
        boolean member = memberships.isMember(gHi, gLo);
        if (member) {
            if (memberships.isAnySource(gHi, gLo)) {
                throw new IllegalStateException("Already have source-specific membership");
            }
            if (memberships.hasSource(gHi, gLo, source.hi(), source.lo())) {
                return;
            }
        } else {
            requireRoomForGroup(gHi, gLo);
        }
        if (!memberships.hasRoomForSource()) {
            throw new SocketException("No buffer space available"); // ENOBUFS, as Linux past its source limit
        }
        if (!member) {
            memberships.addGroup(gHi, gLo, false);
        }
        memberships.addSource(gHi, gLo, source.hi(), source.lo());
        if (member) {
            layer.membershipChanged(this, gHi, gLo); // the group is steered already
        } else {
            membershipAdded(gHi, gLo);
        }
    }

    /** Leaves a group altogether: the any-source membership with its blocks, or every joined source. */
    public void leave(IpAddress group) {
        if (memberships.removeGroup(group.hi(), group.lo())) {
            layer.membershipChanged(this, group.hi(), group.lo());
        }
    }

    /** Leaves one source of a source-specific membership ({@code MembershipKey.drop}); the last one ends it. */
    public void leave(IpAddress group, IpAddress source) {
        long gHi = group.hi(), gLo = group.lo();
        if (memberships.isMember(gHi, gLo) && !memberships.isAnySource(gHi, gLo)
                && memberships.removeSource(gHi, gLo, source.hi(), source.lo())) {
            if (!memberships.hasSources(gHi, gLo)) {
                memberships.removeGroup(gHi, gLo);
            }
            layer.membershipChanged(this, gHi, gLo);
        }
    }

    /**
     * Stops receiving the group's datagrams from {@code source} ({@code MembershipKey.block}); blocking
     * again does nothing.
     *
     * @throws IllegalArgumentException when {@code source} is the wildcard, multicast or of the other family
     * @throws IllegalStateException when the socket is not a member of the group for every source
     *         ("key is source-specific" when its membership is source-specific)
     * @throws SocketException when the socket has no room for another source (64 in all)
     */
    public void block(IpAddress group, IpAddress source) throws IOException {
        requireSource(group, source);
        long gHi = group.hi(), gLo = group.lo();
        if (!memberships.isMember(gHi, gLo)) {
            throw new IllegalStateException("not a member of " + group);
        }
        if (!memberships.isAnySource(gHi, gLo)) {
            throw new IllegalStateException("key is source-specific");
        }
        if (memberships.hasSource(gHi, gLo, source.hi(), source.lo())) {
            return;
        }
        if (!memberships.hasRoomForSource()) {
            throw new SocketException("No buffer space available");
        }
        memberships.addSource(gHi, gLo, source.hi(), source.lo());
        layer.membershipChanged(this, gHi, gLo);
    }

    /**
     * Receives the group's datagrams from {@code source} again ({@code MembershipKey.unblock}).
     *
     * @throws IllegalStateException when the source is not blocked (the JDK's "not blocked")
     */
    public void unblock(IpAddress group, IpAddress source) {
        long gHi = group.hi(), gLo = group.lo();
        if (!memberships.isAnySource(gHi, gLo) || !memberships.removeSource(gHi, gLo, source.hi(), source.lo())) {
            throw new IllegalStateException("not blocked");
        }
        layer.membershipChanged(this, gHi, gLo);
    }

    /** Whether the socket is a member of the group (for every source or for some). */
    public boolean isMember(IpAddress group) {
        return memberships.isMember(group.hi(), group.lo());
    }

    /** Whether a datagram to the group from the source passes this socket's filter. */
    public boolean accepts(IpAddress group, IpAddress source) {
        return memberships.accepts(group.hi(), group.lo(), source.hi(), source.lo());
    }

    boolean accepts(long gHi, long gLo, long sHi, long sLo) {
        return memberships.accepts(gHi, gLo, sHi, sLo);
    }

    private static void requireMulticast(IpAddress group) {
        if (!group.isMulticast()) {
            throw new IllegalArgumentException("not a multicast address: " + group);
        }
    }

    /** DatagramChannelImpl's checks of a source address, in its order and words. */
    private static void requireSource(IpAddress group, IpAddress source) {
        if (source.isUnspecified()) {
            throw new IllegalArgumentException("Source address is a wildcard address");
        }
        if (source.isMulticast()) {
            throw new IllegalArgumentException("Source address is multicast address");
        }
        if (source.isV4() != group.isV4()) {
            throw new IllegalArgumentException("Source address is different type to group");
        }
    }

    private void requireRoomForGroup(long gHi, long gLo) throws SocketException {
        if (!memberships.hasRoomForGroup() || !layer.nif().hasRoomForGroup(gHi, gLo)) {
            throw new SocketException("too many memberships");
        }
    }

    boolean deliver(MemorySegment seg, long offset, int length, long srcHi, long srcLo, int srcPort) {
        if (!ring.offer(seg, offset, length, srcHi, srcLo, srcPort)) {
            datagramsDropped++;
            return false;
        }
        datagramsReceived++;
        bytesReceived += length;
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
        while (memberships.groupCount() > 0) {
            long gHi = memberships.groupHi(0), gLo = memberships.groupLo(0);
            memberships.removeGroup(gHi, gLo);
            layer.membershipChanged(this, gHi, gLo);
        }
        layer.unbind(this);
        closed = true;
    }
}
