package io.flyover.stack.udp;

import io.flyover.stack.DropReason;
import io.flyover.stack.RandomSource;
import io.flyover.stack.StackCounters;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.net.GroupMembership;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.net.IpMeta;
import io.flyover.stack.net.NetInterface;
import io.flyover.stack.net.ReusePortGroup;
import io.flyover.stack.net.SteeringRefusedException;
import io.flyover.stack.net.TransportHandler;
import io.flyover.stack.net.Verdict;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.UdpDatagram;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.BindException;
import java.net.SocketException;
import java.util.ArrayList;

/**
 * UDP for one stack: the port table, demultiplexing (RFC 768; most specific socket for unicast, every
 * member socket for multicast and broadcast, RFC 1122 section 4.1.3.5), ephemeral ports from the
 * injected random source (RFC 6056 section 3.3.1 style: random start, linear probe), and the send path.
 * Sockets that all set SO_REUSEPORT share an address and port; each unicast datagram goes to one of them
 * by a keyed hash of its 4-tuple, as Linux's {@code udp4_lib_lookup2} and {@code reuseport_select_sock}.
 */
public final class UdpLayer implements TransportHandler {
    static final int EPHEMERAL_FIRST = 49_152;
    static final int EPHEMERAL_COUNT = 65_536 - EPHEMERAL_FIRST;

    private final NetInterface nif;
    private final RandomSource random;
    private final StackCounters counters;
    private final int receiveBufferBytes;
    private final int maxSockets;
    private final UdpSocket[] byPort = new UdpSocket[65_536];
    private final MemorySegment scratch = MemorySegment.ofArray(new byte[65_536]);
    private final UdpDatagram udp = new UdpDatagram();
    private int sockets;
    /** Sockets with at least one multicast membership, merged into the interface state per group. */
    private final ArrayList<UdpSocket> members = new ArrayList<>();
    private final long[] mergedHi = new long[GroupMembership.MAX_SOURCES];
    private final long[] mergedLo = new long[GroupMembership.MAX_SOURCES];
    UdpReadinessListener readiness = UdpReadinessListener.NONE;
    /** Keys the reuseport flow hash; drawn from the injected source at the first SO_REUSEPORT bind. */
    private long reusePortSecret;
    private boolean reusePortKeyed;

    public UdpLayer(NetInterface nif, RandomSource random, StackCounters counters, int receiveBufferBytes, int maxSockets) {
        this.nif = nif;
        this.random = random;
        this.counters = counters;
        this.receiveBufferBytes = receiveBufferBytes;
        this.maxSockets = maxSockets;
    }

    NetInterface nif() { return nif; }

    /** Where sockets becoming readable are reported (the provider's selector); {@link UdpReadinessListener#NONE} by default. */
    public void setReadinessListener(UdpReadinessListener listener) {
        this.readiness = listener == null ? UdpReadinessListener.NONE : listener;
    }

    /** A new, unbound socket (as {@code Stack.openUdp()}). */
    public UdpSocket open() throws SocketException {
        if (sockets == maxSockets) {
            throw new SocketException("Too many open files");
        }
        sockets++;
        return new UdpSocket(this, receiveBufferBytes);
    }

    void bind(UdpSocket s, long hi, long lo, int port) throws IOException {
        if (port == 0) {
            int start = random.nextInt(EPHEMERAL_COUNT);
            for (int i = 0; i < EPHEMERAL_COUNT && port == 0; i++) {
                int p = EPHEMERAL_FIRST + (start + i) % EPHEMERAL_COUNT;
                if (byPort[p] == null) {
                    port = p;
                }
            }
            if (port == 0) {
                throw new BindException("Address already in use (no ephemeral port free)");
            }
        } else {
            for (UdpSocket o = byPort[port]; o != null; o = o.nextOnPort) {
                boolean overlap = IpAddress.isUnspecified(hi, lo) || IpAddress.isUnspecified(o.localHi, o.localLo)
                        || (o.localHi == hi && o.localLo == lo);
                // Linux udp_lib_lport_inuse: sharing needs SO_REUSEADDR on both, or SO_REUSEPORT on both
                if (overlap && !(s.reuseAddress && o.reuseAddress) && !(s.reusePort && o.reusePort)) {
                    throw new BindException("Address already in use");
                }
            }
        }
        try {
            nif.holdPort(IpProtocol.UDP, hi, lo, port);
        } catch (SteeringRefusedException refused) {
            throw new BindException("Cannot assign requested address (" + refused.getMessage() + ")");
        }
        if (s.reusePort && !reusePortKeyed) {
            reusePortSecret = random.nextLong();
            reusePortKeyed = true;
        }
        s.localHi = hi;
        s.localLo = lo;
        s.localPort = port;
        s.nextOnPort = byPort[port];
        byPort[port] = s;
        s.bound = true;
    }

    void unbind(UdpSocket s) {
        if (s.bound) {
            UdpSocket prev = null;
            for (UdpSocket o = byPort[s.localPort]; o != null; prev = o, o = o.nextOnPort) {
                if (o == s) {
                    if (prev == null) {
                        byPort[s.localPort] = o.nextOnPort;
                    } else {
                        prev.nextOnPort = o.nextOnPort;
                    }
                    break;
                }
            }
            s.bound = false;
            nif.releasePort(IpProtocol.UDP, s.localHi, s.localLo, s.localPort);
        }
        sockets--;
    }

    int send(UdpSocket s, MemorySegment data, long offset, int length, long toHi, long toLo, int port) throws IOException {
        boolean v4 = IpAddress.isV4(toHi, toLo);
        if (length < 0 || length > (v4 ? 65_507 : 65_527)) {
            throw new SocketException("Message too long");
        }
        if (v4 && !s.broadcast && ((int) toLo == -1 || isSubnetBroadcast((int) toLo))) {
            throw new SocketException("Permission denied"); // EACCES without SO_BROADCAST
        }
        if (nif.pool().belowLowWatermark()) {
            return 0; // back-pressure, as a non-blocking DatagramChannel without buffer space answers
        }
        boolean multicast = IpAddress.isMulticast(toHi, toLo);
        // RFC 1122 §3.2.1.7 default TTL (64, Linux's) for unicast; IP_MULTICAST_TTL for multicast.
        int ttl = multicast ? s.multicastTtl : 64;
        int tos = s.trafficClass;
        long srcHi = s.localHi;
        long srcLo = s.localLo;
        int total = UdpDatagram.HEADER_LENGTH + length;
        int maxSegment = nif.maxSegment(toHi, toLo);
        if (s.dontFragment && total > maxSegment) {
            // EMSGSIZE: DF set, larger than the path MTU; refused before anything is looped back, as Linux's
            // __ip_append_data refuses it before the datagram is queued
            throw new SocketException("Message too long");
        }
        if (multicast && s.multicastLoop && nif.isMember(toHi, toLo) && nif.selectSource(toHi, toLo, source)) {
            loopBack(data, offset, length, source[0], source[1], s.localPort, toHi, toLo, port);
        }
        if (ttl == 0) {
            // IP_MULTICAST_TTL 0: "restricted to the same host" (RFC 1112 §6.1), looped back above only.
        } else if (total <= maxSegment) {
            int frame = nif.acquireFrame();
            if (frame == FramePool.NO_FRAME) {
                return 0;
            }
            FramePool pool = nif.pool();
            MemorySegment memory = pool.region();
            long at = pool.dataAddress(frame);
            UdpDatagram.emit(memory, at, s.localPort, port, total);
            MemorySegment.copy(data, offset, memory, at + UdpDatagram.HEADER_LENGTH, length);
            pool.setData(frame, pool.dataOffset(frame), total);
            nif.send(frame, IpProtocol.UDP, srcHi, srcLo, toHi, toLo, ttl, tos, s.dontFragment);
        } else {
            UdpDatagram.emit(scratch, 0, s.localPort, port, total);
            MemorySegment.copy(data, offset, scratch, UdpDatagram.HEADER_LENGTH, length);
            nif.sendFragmented(scratch, 0, total, IpProtocol.UDP, srcHi, srcLo, toHi, toLo, ttl, tos);
        }
        nif.flush();
        return length;
    }

    private final long[] source = new long[2];
    private final IpMeta loopMeta = new IpMeta();

    /** Delivers our own multicast datagram to this stack's member sockets, as the kernel's loopback does. */
    private void loopBack(MemorySegment data, long offset, int length, long srcHi, long srcLo, int srcPort,
            long groupHi, long groupLo, int port) {
        for (UdpSocket o = byPort[port]; o != null; o = o.nextOnPort) {
            if (o.accepts(groupHi, groupLo, srcHi, srcLo) && !o.connected
                    && (IpAddress.isUnspecified(o.localHi, o.localLo) || (o.localHi == groupHi && o.localLo == groupLo))) {
                if (!o.deliver(data, offset, length, srcHi, srcLo, srcPort)) {
                    counters.drop(DropReason.UDP_RECEIVE_QUEUE_FULL);
                }
            }
        }
    }

    /**
     * A socket's membership of a group changed: merges every socket's filter for the group into the
     * interface state (RFC 3376 section 3.2, RFC 3810 section 4.2) and hands it to the interface, which
     * reports the difference. If any socket is in EXCLUDE mode the interface is EXCLUDE with the sources
     * every EXCLUDE socket blocks and no socket includes; otherwise INCLUDE with the union of the
     * sockets' sources (if that outgrows {@link GroupMembership#MAX_SOURCES}, EXCLUDE with none: the
     * sockets still filter for themselves).
     */
    void membershipChanged(UdpSocket changed, long gHi, long gLo) {
        if (changed.memberships.groupCount() == 0) {
            members.remove(changed);
        } else if (!members.contains(changed)) {
            members.add(changed);
        }
        int excluders = 0;
        SocketMemberships firstExcluder = null;
        for (int m = 0; m < members.size(); m++) {
            SocketMemberships sm = members.get(m).memberships;
            if (sm.isAnySource(gHi, gLo)) {
                excluders++;
                if (firstExcluder == null) {
                    firstExcluder = sm;
                }
            }
        }
        boolean exclude = excluders > 0;
        int n = 0;
        if (exclude) {
            for (int k = 0; k < firstExcluder.sourceCount(); k++) {
                if (firstExcluder.sourceOf(k, gHi, gLo)
                        && refusedByAll(gHi, gLo, firstExcluder.sourceHi(k), firstExcluder.sourceLo(k), excluders)) {
                    mergedHi[n] = firstExcluder.sourceHi(k);
                    mergedLo[n] = firstExcluder.sourceLo(k);
                    n++;
                }
            }
        } else {
            union:
            for (int m = 0; m < members.size(); m++) {
                SocketMemberships sm = members.get(m).memberships;
                for (int k = 0; k < sm.sourceCount(); k++) {
                    if (!sm.sourceOf(k, gHi, gLo) || contains(mergedHi, mergedLo, n, sm.sourceHi(k), sm.sourceLo(k))) {
                        continue;
                    }
                    if (n == mergedHi.length) {
                        exclude = true; // too many to list: receive all, let the sockets filter
                        n = 0;
                        break union;
                    }
                    mergedHi[n] = sm.sourceHi(k);
                    mergedLo[n] = sm.sourceLo(k);
                    n++;
                }
            }
        }
        nif.setGroupState(gHi, gLo, exclude, mergedHi, mergedLo, n);
    }

    /** Whether every EXCLUDE socket blocks the source and no INCLUDE socket asks for it. */
    private boolean refusedByAll(long gHi, long gLo, long sHi, long sLo, int excluders) {
        int blocking = 0;
        for (int m = 0; m < members.size(); m++) {
            SocketMemberships sm = members.get(m).memberships;
            if (!sm.isMember(gHi, gLo)) {
                continue;
            }
            boolean listed = sm.hasSource(gHi, gLo, sHi, sLo);
            if (sm.isAnySource(gHi, gLo)) {
                blocking += listed ? 1 : 0;
            } else if (listed) {
                return false;
            }
        }
        return blocking == excluders;
    }

    private static boolean contains(long[] hi, long[] lo, int n, long sHi, long sLo) {
        for (int i = 0; i < n; i++) {
            if (hi[i] == sHi && lo[i] == sLo) {
                return true;
            }
        }
        return false;
    }

    private boolean isSubnetBroadcast(int address) {
        return nif.isIpv4Broadcast(address);
    }

    /** RFC 1122 section 4.1.3.3: a port unreachable about a connected socket's datagram is reported to it. */
    @Override
    public void onIcmpError(int icmpVersion, int type, int code, int mtu, MemorySegment segment, long quotedOffset,
            int quotedLength, IpMeta quotedIp, long nowNanos) {
        boolean portUnreachable = icmpVersion == 4 ? type == 3 && code == 3 : type == 1 && code == 4;
        if (!portUnreachable || quotedLength < UdpDatagram.HEADER_LENGTH) {
            return;
        }
        int srcPort = io.flyover.stack.wire.Bytes.u16(segment, quotedOffset);
        int dstPort = io.flyover.stack.wire.Bytes.u16(segment, quotedOffset + 2);
        for (UdpSocket s = byPort[srcPort]; s != null; s = s.nextOnPort) {
            if (s.connected && s.remotePort == dstPort && s.remoteHi == quotedIp.destinationHi
                    && s.remoteLo == quotedIp.destinationLo) {
                s.pendingUnreachable = true;
                readiness.onReadable(s); // the error is what the next receive answers
            }
        }
    }

    /**
     * The member of {@code first}'s reuseport group (the unconnected SO_REUSEPORT sockets bound to its
     * address and port) that the datagram's flow hashes to; connected sockets keep their own 4-tuple.
     */
    private UdpSocket reusePortMember(UdpSocket first, IpMeta ip, int srcPort, int dstPort) {
        int members = 0;
        for (UdpSocket s = byPort[dstPort]; s != null; s = s.nextOnPort) {
            if (inGroupOf(first, s)) {
                members++;
            }
        }
        if (members <= 1) {
            return first;
        }
        int k = ReusePortGroup.member(ReusePortGroup.flowHash(reusePortSecret, ip.destinationHi, ip.destinationLo,
                dstPort, ip.sourceHi, ip.sourceLo, srcPort), members);
        for (UdpSocket s = byPort[dstPort]; s != null; s = s.nextOnPort) {
            if (inGroupOf(first, s) && k-- == 0) {
                return s;
            }
        }
        return first;
    }

    private static boolean inGroupOf(UdpSocket first, UdpSocket s) {
        return s.reusePort && !s.connected && s.localHi == first.localHi && s.localLo == first.localLo;
    }

    @Override
    public int onSegment(int frame, MemorySegment segment, long offset, int length, IpMeta ip, long nowNanos) {
        if (!udp.wrap(segment, offset, length)) {
            return Verdict.drop(DropReason.UDP_MALFORMED);
        }
        int dstPort = udp.destinationPort();
        int srcPort = udp.sourcePort();
        if (dstPort == 0) {
            return Verdict.drop(DropReason.UDP_MALFORMED);
        }
        long payload = udp.payloadOffset();
        int payloadLength = udp.payloadLength();
        if (ip.multicastOrBroadcast) {
            boolean multicast = IpAddress.isMulticast(ip.destinationHi, ip.destinationLo);
            int delivered = 0;
            int full = 0;
            for (UdpSocket s = byPort[dstPort]; s != null; s = s.nextOnPort) {
                boolean wants = multicast
                        ? s.accepts(ip.destinationHi, ip.destinationLo, ip.sourceHi, ip.sourceLo)
                                && (IpAddress.isUnspecified(s.localHi, s.localLo) || (s.localHi == ip.destinationHi && s.localLo == ip.destinationLo))
                        : IpAddress.isUnspecified(s.localHi, s.localLo) || s.localLo == ip.destinationLo;
                if (!wants || (s.connected && (s.remoteHi != ip.sourceHi || s.remoteLo != ip.sourceLo || s.remotePort != srcPort))) {
                    continue;
                }
                if (s.deliver(segment, payload, payloadLength, ip.sourceHi, ip.sourceLo, srcPort)) {
                    delivered++;
                } else {
                    full++;
                }
            }
            if (delivered > 0) {
                for (int i = 0; i < full; i++) {
                    counters.drop(DropReason.UDP_RECEIVE_QUEUE_FULL);
                }
                return Verdict.CONSUMED;
            }
            return Verdict.drop(full > 0 ? DropReason.UDP_RECEIVE_QUEUE_FULL : DropReason.UDP_NO_SOCKET);
        }
        UdpSocket best = null;
        int bestScore = -1;
        for (UdpSocket s = byPort[dstPort]; s != null; s = s.nextOnPort) {
            int score = 0;
            if (!IpAddress.isUnspecified(s.localHi, s.localLo)) {
                if (s.localHi != ip.destinationHi || s.localLo != ip.destinationLo) {
                    continue;
                }
                score += 1;
            } else if (IpAddress.isV4(s.localHi, s.localLo) && ip.version == 6) {
                continue; // an IPv4 wildcard does not take IPv6 (the IPv6 wildcard :: takes both)
            }
            if (s.connected) {
                if (s.remoteHi != ip.sourceHi || s.remoteLo != ip.sourceLo || s.remotePort != srcPort) {
                    continue;
                }
                score += 2;
            }
            if (score > bestScore) {
                best = s;
                bestScore = score;
            }
        }
        if (best == null) {
            return Verdict.drop(DropReason.UDP_NO_SOCKET);
        }
        if (best.reusePort && !best.connected) {
            best = reusePortMember(best, ip, srcPort, dstPort);
        }
        if (!best.deliver(segment, payload, payloadLength, ip.sourceHi, ip.sourceLo, srcPort)) {
            return Verdict.drop(DropReason.UDP_RECEIVE_QUEUE_FULL);
        }
        return Verdict.CONSUMED;
    }
}
