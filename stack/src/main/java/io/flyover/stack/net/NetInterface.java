package io.flyover.stack.net;

import io.flyover.stack.DropReason;
import io.flyover.stack.RandomSource;
import io.flyover.stack.StackConfig;
import io.flyover.stack.StackCounters;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FrameFlags;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.LoopbackDevice;
import io.flyover.stack.wire.ArpPacket;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.EtherType;
import io.flyover.stack.wire.EthernetFrame;
import io.flyover.stack.wire.EthernetHeader;
import io.flyover.stack.wire.IgmpMessage;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.Ipv4Header;
import io.flyover.stack.wire.Ipv6Header;
import java.lang.foreign.MemorySegment;

/**
 * One Ethernet interface of a stack: the link layer (Ethernet, 802.1Q), the neighbour cache shared by
 * ARP and ND, the routing table, group membership, and the IP output path (header, L4 checksum,
 * fragmentation, resolution, transmit burst). IPv4 and IPv6 input live in {@link Ipv4Input} and
 * {@link Ipv6Input}. Driven by the stack's single thread; allocation-free after construction.
 *
 * <p>Packets to our own addresses (and, for a {@link StackConfig#loopback()} stack, to 127.0.0.0/8 and
 * ::1) never reach the neighbour cache or the wire: as Linux routes them through {@code lo}, they go
 * round a {@link LoopbackDevice} (the device itself when it is one, else a private one over the same
 * pool, drained by {@link #pollLocal}) and come back as input that may carry our own and loopback
 * addresses. On any other input those addresses are martians, dropped and counted.
 */
public final class NetInterface implements IpOutput, NeighborCache.Link {
    final NetDevice device;
    /** The ports the transports hold, as flow rules for the device. */
    private final PortSteering portSteering;
    final FramePool pool;
    final MemorySegment memory;
    final FrameCache cache;
    final StackCounters counters;
    final StackConfig config;
    final RandomSource random;
    final long mac;
    final int mtu;
    final int vlanId;
    /** The device completes TCP/UDP checksums (FrameFlags.TX_L4_CHECKSUM), so send seeds only the pseudo-header. */
    final boolean txL4Offload;
    /** We own 127.0.0.0/8 and ::1 (StackConfig.loopback). */
    final boolean ownsLoopback;
    /** The device is a loopback: it carries our packets to ourselves and nothing else. */
    final boolean deviceLoops;
    /** Where packets to ourselves go round when the device is not a loopback; null when it is. */
    private final LoopbackDevice localLoop;

    // Addresses: IPv4 (one) and IPv6 (index 0 is the link-local one).
    final boolean hasIpv4;
    final int ipv4;
    final int ipv4Broadcast;
    final int ipv4PrefixLength;
    final long[] ipv6Hi;
    final long[] ipv6Lo;
    final int ipv6PrefixLength;

    final RouteTable routes = new RouteTable(32);
    final NeighborCache neighbors;
    final Reassembler reassembler;
    final MembershipReports membership = new MembershipReports(this, 64);
    final GroupMembership groups = membership.groups;
    final TokenBucket icmpErrors;
    final TransportHandler[] handlers = new TransportHandler[256];

    private final FrameBurst txBurst;
    private final Ipv4Input ipv4Input;
    private final Ipv6Input ipv6Input;
    private final EthernetFrame eth = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final EthernetHeader ethOut = new EthernetHeader();
    private final Ipv4Header ip4Out = new Ipv4Header();
    private final Ipv6Header ip6Out = new Ipv6Header();
    private int nextIpv4Id;
    private int nextIpv6FragmentId;
    long now;

    public NetInterface(NetDevice device, FrameCache cache, StackConfig config, StackCounters counters, RandomSource random) {
        this.device = device;
        this.portSteering = new PortSteering(device);
        this.pool = device.pool();
        this.memory = pool.region();
        this.cache = cache;
        this.config = config;
        this.counters = counters;
        this.random = random;
        this.mac = device.capabilities().mac();
        this.mtu = config.mtu() == 0 ? device.capabilities().mtu() : Math.min(config.mtu(), device.capabilities().mtu());
        this.vlanId = config.vlanId();
        this.txL4Offload = device.capabilities().has(DeviceCapabilities.Offload.TX_L4_CHECKSUM);
        this.ownsLoopback = config.loopback();
        this.deviceLoops = device.isLoopback();
        this.localLoop = deviceLoops ? null : new LoopbackDevice("local:" + device.name(), pool, config.localRingSize());
        this.txBurst = new FrameBurst(Math.max(8, config.burstSize()));
        this.neighbors = new NeighborCache(this, config.neighborCapacity(), config.neighborQueueDepth(),
                config.neighborReachableNanos(), config.neighborRetransmitNanos(), config.neighborMaxProbes());
        this.reassembler = new Reassembler(config.reassemblySlots(), config.reassemblyTimeoutNanos());
        this.icmpErrors = new TokenBucket(config.icmpErrorsPerSecond(), config.icmpErrorBurst());
        this.nextIpv4Id = random.nextInt(65_536);
        this.nextIpv6FragmentId = (int) random.nextLong();

        if (config.ipv4Address() != null) {
            hasIpv4 = true;
            ipv4 = config.ipv4Address().v4();
            ipv4PrefixLength = config.ipv4PrefixLength();
            int hostMask = ipv4PrefixLength == 32 ? 0 : -1 >>> ipv4PrefixLength;
            ipv4Broadcast = ipv4PrefixLength >= 31 ? -1 : ipv4 | hostMask; // RFC 3021: /31 has no broadcast
            routes.addConnected(IpAddress.ofV4(ipv4 & ~hostMask), ipv4PrefixLength);
            if (config.ipv4Gateway() != null) {
                routes.addGateway(IpAddress.ofV4(0), 0, config.ipv4Gateway());
            }
        } else {
            hasIpv4 = false;
            ipv4 = 0;
            ipv4Broadcast = -1;
            ipv4PrefixLength = 0;
        }
        int n = 1 + config.ipv6Addresses().size();
        ipv6Hi = new long[n];
        ipv6Lo = new long[n];
        ipv6Hi[0] = 0xFE80_0000_0000_0000L;
        ipv6Lo[0] = MacAddress.interfaceId(mac);
        routes.addConnected(new IpAddress(0xFE80_0000_0000_0000L, 0), 64);
        ipv6PrefixLength = config.ipv6PrefixLength();
        for (int i = 1; i < n; i++) {
            IpAddress a = config.ipv6Addresses().get(i - 1);
            ipv6Hi[i] = a.hi();
            ipv6Lo[i] = a.lo();
            routes.addConnected(a, ipv6PrefixLength);
        }
        if (config.ipv6Gateway() != null) {
            routes.addGateway(new IpAddress(0, 0), 0, config.ipv6Gateway());
        }
        this.ipv4Input = new Ipv4Input(this);
        this.ipv6Input = new Ipv6Input(this);
    }

    public void register(int protocol, TransportHandler handler) {
        handlers[protocol] = handler;
    }

    public FramePool pool() { return pool; }
    public long mac() { return mac; }
    public int mtu() { return mtu; }
    public RouteTable routes() { return routes; }
    public NeighborCache neighbors() { return neighbors; }
    public long now() { return now; }
    public void setNow(long nowNanos) { now = nowNanos; }

    /** A frame for a transport to build a segment in, data empty at the pool's headroom; or NO_FRAME (counted). */
    public int acquireFrame() {
        int frame = cache.acquire();
        if (frame == FramePool.NO_FRAME) {
            counters.drop(DropReason.NO_FRAME);
        }
        return frame;
    }

    public void releaseFrame(int frame) {
        cache.release(frame);
    }

    // ---------------------------------------------------------------------------------------------
    // Input
    // ---------------------------------------------------------------------------------------------

    /** Runs one frame received from the device through the stack and accounts for it. Never throws on bad input. */
    public void input(int frame) {
        input(frame, deviceLoops);
    }

    /**
     * Takes in up to a burst of the packets this stack sent to itself (when its device is not a
     * loopback); returns how many. {@code burst} must be empty and is left empty.
     */
    public int pollLocal(FrameBurst burst, long nowNanos) {
        if (localLoop == null) {
            return 0;
        }
        int n = localLoop.receive(0, burst, nowNanos);
        for (int i = 0; i < n; i++) {
            input(burst.get(i), true);
        }
        burst.clear();
        return n;
    }

    /** When packets to ourselves are waiting in the private loop ({@link Long#MAX_VALUE} if none). */
    public long nextLocalEvent() {
        return localLoop == null ? Long.MAX_VALUE : localLoop.nextEventNanos();
    }

    /** @param local whether the frame went round a loopback (our own and loopback addresses allowed) */
    private void input(int frame, boolean local) {
        int length = pool.dataLength(frame);
        counters.rxFrame(length);
        int verdict = inputEthernet(frame, pool.dataAddress(frame), length, local);
        if (verdict == Verdict.KEPT) {
            counters.rxConsume();
            return;
        }
        if (verdict == Verdict.CONSUMED) {
            counters.rxConsume();
        } else {
            counters.rxDrop(verdict);
        }
        cache.release(frame);
    }

    private int inputEthernet(int frame, long at, int length, boolean local) {
        if (!eth.wrap(memory, at, length)) {
            return Verdict.drop(DropReason.ETHERNET_TRUNCATED);
        }
        int vid = eth.vlanId();
        if (eth.tagCount() > 1 || (vlanId == 0 ? vid > 0 : vid != vlanId)) {
            return Verdict.drop(DropReason.ETHERNET_VLAN_NOT_OURS); // priority-tagged (VID 0) frames pass
        }
        long dst = eth.destination();
        boolean linkBroadcast = false;
        if (dst != mac) {
            if (dst == MacAddress.BROADCAST) {
                linkBroadcast = true;
            } else if (EthernetFrame.isMulticast(dst) && acceptsMulticastMac(dst)) {
                linkBroadcast = true;
            } else {
                return Verdict.drop(DropReason.ETHERNET_NOT_FOR_US);
            }
        }
        long payload = eth.payloadOffset();
        int payloadLength = eth.payloadLength();
        return switch (eth.etherType()) {
            case EtherType.IPV4 -> ipv4Input.input(frame, payload, payloadLength, linkBroadcast, local);
            case EtherType.IPV6 -> ipv6Input.input(frame, payload, payloadLength, linkBroadcast, local);
            case EtherType.ARP -> inputArp(frame, payload, payloadLength, linkBroadcast);
            default -> Verdict.drop(DropReason.ETHERNET_UNKNOWN_TYPE);
        };
    }

    private boolean acceptsMulticastMac(long dst) {
        if (dst == MacAddress.ofIpv4Multicast(IgmpMessage.ALL_HOSTS) || dst == MacAddress.ofIpv6Multicast(1)) {
            return true;
        }
        if ((dst & 0xFFFF_FF00_0000L) == 0x3333_FF00_0000L) { // solicited-node (RFC 4291 section 2.7.1)
            for (int i = 0; i < ipv6Lo.length; i++) {
                if ((ipv6Lo[i] & 0xFF_FFFFL) == (dst & 0xFF_FFFFL)) {
                    return true;
                }
            }
        }
        return groups.acceptsMac(dst);
    }

    /**
     * RFC 826 "packet reception", with the merge flag: learn the sender when it is already known or asks
     * us. As Linux, only a reply unicast to us confirms reachability (RFC 4861 section 7.3.3 states used
     * for ARP); requests and broadcast replies leave a known address's state alone, or make it STALE.
     * ARP carries no checksum: a message changing the MAC of a neighbour resolved or changed less than a
     * second ago is ignored and counted (Linux's locktime, {@link NeighborCache#LOCK_NANOS}); a request
     * for us is still answered.
     */
    private int inputArp(int frame, long at, int length, boolean linkBroadcast) {
        if (!arp.wrap(memory, at, length)) {
            return Verdict.drop(DropReason.ARP_MALFORMED);
        }
        int op = arp.operation();
        if (op != ArpPacket.OP_REQUEST && op != ArpPacket.OP_REPLY) {
            return Verdict.drop(DropReason.ARP_MALFORMED);
        }
        long senderMac = arp.senderMac();
        int senderIp = arp.senderIp();
        if (EthernetFrame.isMulticast(senderMac) || senderIp == 0 && op == ArpPacket.OP_REPLY) {
            return Verdict.drop(DropReason.ARP_MALFORMED);
        }
        if (!hasIpv4) {
            return Verdict.drop(DropReason.NEIGHBOR_NOT_FOR_US);
        }
        boolean forUs = arp.targetIp() == ipv4;
        boolean locked = false;
        if (senderIp != 0 && senderIp != ipv4) {
            int flags = NeighborCache.OVERRIDE_UNLESS_LOCKED | (forUs ? NeighborCache.CREATE : 0)
                    | (forUs && op == ArpPacket.OP_REPLY && !linkBroadcast ? NeighborCache.CONFIRMED : 0);
            locked = !neighbors.learn(0, IpAddress.v4Lo(senderIp), senderMac, flags, now);
        }
        if (!forUs || op == ArpPacket.OP_REPLY) {
            if (locked) {
                return Verdict.drop(DropReason.NEIGHBOR_ADDRESS_LOCKED);
            }
            if (forUs) {
                return Verdict.CONSUMED;
            }
            // Gratuitous announcements (sender == target) only refresh existing entries: consumed.
            return senderIp == arp.targetIp() ? Verdict.CONSUMED : Verdict.drop(DropReason.NEIGHBOR_NOT_FOR_US);
        }
        if (locked) {
            counters.drop(DropReason.NEIGHBOR_ADDRESS_LOCKED); // the sender's claim is ignored, its question answered
        }
        // Answer in place: the request's frame becomes the reply.
        ArpPacket.emit(memory, at, ArpPacket.OP_REPLY, mac, ipv4, senderMac, senderIp);
        pool.setData(frame, (int) (at - pool.frameBase(frame)), ArpPacket.LENGTH);
        transmitL2(frame, senderMac, EtherType.ARP);
        return Verdict.KEPT;
    }

    // ---------------------------------------------------------------------------------------------
    // Addresses
    // ---------------------------------------------------------------------------------------------

    /** Whether a socket of this stack joined the group. */
    public boolean isMember(long groupHi, long groupLo) {
        return groups.contains(groupHi, groupLo);
    }

    /** The subnet or limited broadcast address of our IPv4 network. */
    public boolean isIpv4Broadcast(int address) {
        return address == -1 || (hasIpv4 && address == ipv4Broadcast);
    }

    /** Our IPv4 address, or any of 127.0.0.0/8 when we own the loopback. */
    boolean isLocalV4(int address) {
        return (hasIpv4 && address == ipv4) || (ownsLoopback && IpAddress.isLoopbackV4(address));
    }

    /** One of our IPv6 addresses, or ::1 when we own the loopback. */
    boolean isLocalV6(long hi, long lo) {
        return isOurIpv6(hi, lo) || (ownsLoopback && IpAddress.isLoopbackV6(hi, lo));
    }

    /** Whether a unicast destination is this stack itself: the packet is delivered inside, not sent. */
    public boolean isLocal(long hi, long lo) {
        return IpAddress.isV4(hi, lo) ? isLocalV4((int) lo) : isLocalV6(hi, lo);
    }

    /** One of the interface's IPv6 addresses (link-local and configured; not ::1). */
    boolean isOurIpv6(long hi, long lo) {
        for (int i = 0; i < ipv6Hi.length; i++) {
            if (ipv6Hi[i] == hi && ipv6Lo[i] == lo) {
                return true;
            }
        }
        return false;
    }

    /** ff02::1:ffXX:XXXX of one of our addresses. */
    boolean isOurSolicitedNode(long hi, long lo) {
        if (hi != 0xFF02_0000_0000_0000L || (lo & 0xFFFF_FFFF_FF00_0000L) != 0x0000_0001_FF00_0000L) {
            return false;
        }
        for (int i = 0; i < ipv6Lo.length; i++) {
            if ((ipv6Lo[i] & 0xFF_FFFFL) == (lo & 0xFF_FFFFL)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean selectSource(long dstHi, long dstLo, long[] into) {
        boolean v4 = IpAddress.isV4(dstHi, dstLo);
        if (ownsLoopback && (IpAddress.isLoopback(dstHi, dstLo) || deviceLoops && (v4 ? !hasIpv4 : ipv6Hi.length == 1))) {
            // As Linux's "local 127.0.0.0/8 dev lo src 127.0.0.1": towards the loopback (or anything, such as
            // a multicast group, on a loopback-only stack) the source is 127.0.0.1 or ::1.
            into[0] = 0;
            into[1] = v4 ? IpAddress.LOOPBACK_V4.lo() : 1;
            return true;
        }
        if (IpAddress.isV4(dstHi, dstLo)) {
            if (!hasIpv4) {
                return false;
            }
            into[0] = 0;
            into[1] = IpAddress.v4Lo(ipv4);
            return true;
        }
        int pick = 0;
        boolean linkScope = IpAddress.isLinkLocalV6(dstHi) || (dstHi >>> 48) == 0xFF02;
        if (!linkScope && ipv6Hi.length > 1) {
            pick = 1;
            for (int i = 1; i < ipv6Hi.length; i++) {
                if (IpAddress.samePrefix(dstHi, dstLo, ipv6Hi[i], ipv6Lo[i], ipv6PrefixLength)) {
                    pick = i;
                    break;
                }
            }
        }
        into[0] = ipv6Hi[pick];
        into[1] = ipv6Lo[pick];
        return true;
    }

    @Override
    public int maxSegment(long dstHi, long dstLo) {
        return IpAddress.isV4(dstHi, dstLo) ? mtu - 20 : mtu - 40;
    }

    // ---------------------------------------------------------------------------------------------
    // Output
    // ---------------------------------------------------------------------------------------------

    private final long[] source = new long[2];

    @Override
    public boolean send(int frame, int protocol, long srcHi, long srcLo, long dstHi, long dstLo,
            int ttl, int trafficClass, boolean dontFragment) {
        boolean v4 = IpAddress.isV4(dstHi, dstLo);
        if (IpAddress.isUnspecified(srcHi, srcLo)) {
            if (!selectSource(dstHi, dstLo, source)) {
                return dropTx(frame, DropReason.IP_NO_ROUTE);
            }
            srcHi = source[0];
            srcLo = source[1];
        }
        if (v4 != IpAddress.isV4(srcHi, srcLo) || leavesWithLoopbackSource(srcHi, srcLo, dstHi, dstLo)) {
            return dropTx(frame, DropReason.IP_BAD_SOURCE);
        }
        int l4Length = pool.dataLength(frame);
        long l4 = pool.dataAddress(frame);
        pool.setFlags(frame, 0); // a reply built in place must not carry the receive flags out
        int header = v4 ? 20 : 40;
        if (header + l4Length <= mtu && txL4Offload && (protocol == IpProtocol.UDP || protocol == IpProtocol.TCP)) {
            // The device finishes the checksum: seed the field with the folded pseudo-header sum.
            int field = protocol == IpProtocol.UDP ? 6 : 16;
            if (l4Length >= field + 2) {
                long sum = v4 ? Checksum.pseudoHeaderV4((int) srcLo, (int) dstLo, protocol, l4Length)
                        : Checksum.pseudoHeaderV6(srcHi, srcLo, dstHi, dstLo, protocol, l4Length);
                Bytes.u16(memory, l4 + field, Checksum.fold(sum));
                pool.setFlags(frame, FrameFlags.TX_L4_CHECKSUM);
            }
        } else {
            fillChecksum(protocol, l4, l4Length, v4, srcHi, srcLo, dstHi, dstLo);
        }
        if (header + l4Length > mtu) {
            if (dontFragment || !v4 && protocol == IpProtocol.TCP) {
                return dropTx(frame, DropReason.IP_PACKET_TOO_BIG);
            }
            boolean ok = sendFragments(memory, l4, l4Length, protocol, srcHi, srcLo, dstHi, dstLo, ttl, trafficClass);
            cache.release(frame);
            return ok;
        }
        return v4
                ? output4(frame, protocol, (int) srcLo, (int) dstLo, ttl, trafficClass, dontFragment, false)
                : output6(frame, protocol, srcHi, srcLo, dstHi, dstLo, ttl, trafficClass, false, -1);
    }

    @Override
    public boolean sendFragmented(MemorySegment data, long offset, int length, int protocol, long srcHi, long srcLo,
            long dstHi, long dstLo, int ttl, int trafficClass) {
        if (IpAddress.isUnspecified(srcHi, srcLo)) {
            if (!selectSource(dstHi, dstLo, source)) {
                counters.drop(DropReason.IP_NO_ROUTE);
                return false;
            }
            srcHi = source[0];
            srcLo = source[1];
        }
        if (leavesWithLoopbackSource(srcHi, srcLo, dstHi, dstLo)) {
            counters.drop(DropReason.IP_BAD_SOURCE);
            return false;
        }
        fillChecksum(data, protocol, offset, length, IpAddress.isV4(dstHi, dstLo), srcHi, srcLo, dstHi, dstLo);
        return sendFragments(data, offset, length, protocol, srcHi, srcLo, dstHi, dstLo, ttl, trafficClass);
    }

    /** RFC 1122 section 3.2.1.3 (g), RFC 4291 section 2.5.3: a loopback source never goes onto a wire. */
    private boolean leavesWithLoopbackSource(long srcHi, long srcLo, long dstHi, long dstLo) {
        return !deviceLoops && IpAddress.isLoopback(srcHi, srcLo) && !isLocal(dstHi, dstLo);
    }

    /** RFC 791 section 2.3 / RFC 8200 section 4.5: split an L4 datagram into fragments of the MTU. */
    private boolean sendFragments(MemorySegment data, long offset, int length, int protocol, long srcHi, long srcLo,
            long dstHi, long dstLo, int ttl, int trafficClass) {
        boolean v4 = IpAddress.isV4(dstHi, dstLo);
        int max = v4 ? 65_515 : 65_535 - 8;
        if (length > max) {
            counters.drop(DropReason.IP_PACKET_TOO_BIG);
            return false;
        }
        int chunk = v4 ? (mtu - 20) & ~7 : (mtu - 48) & ~7;
        int id = v4 ? (nextIpv4Id++ & 0xFFFF) : nextIpv6FragmentId++;
        for (int pos = 0; pos < length; pos += chunk) {
            int n = Math.min(chunk, length - pos);
            int frame = acquireFrame();
            if (frame == FramePool.NO_FRAME) {
                return false;
            }
            MemorySegment.copy(data, offset + pos, memory, pool.dataAddress(frame), n);
            pool.setData(frame, pool.dataOffset(frame), n);
            boolean more = pos + n < length;
            boolean sent;
            if (v4) {
                sent = output4Fragment(frame, protocol, (int) srcLo, (int) dstLo, ttl, trafficClass, id, pos, more);
            } else {
                ip6Out.fragment = true;
                ip6Out.fragmentId = id;
                ip6Out.fragmentOffset = pos;
                ip6Out.moreFragments = more;
                sent = output6(frame, protocol, srcHi, srcLo, dstHi, dstLo, ttl, trafficClass, false, -1);
            }
            if (!sent) {
                return false;
            }
        }
        return true;
    }

    /** Fills the L4 checksum field for the protocols whose checksum the IP layer owns. */
    private void fillChecksum(int protocol, long l4, int l4Length, boolean v4, long srcHi, long srcLo, long dstHi, long dstLo) {
        fillChecksum(memory, protocol, l4, l4Length, v4, srcHi, srcLo, dstHi, dstLo);
    }

    private static void fillChecksum(MemorySegment memory, int protocol, long l4, int l4Length, boolean v4,
            long srcHi, long srcLo, long dstHi, long dstLo) {
        int field;
        long sum;
        switch (protocol) {
            case IpProtocol.UDP -> field = 6;
            case IpProtocol.TCP -> field = 16;
            case IpProtocol.ICMPV6 -> field = 2;
            case IpProtocol.ICMP -> {
                if (l4Length >= 4) {
                    Bytes.u16(memory, l4 + 2, 0);
                    Bytes.u16(memory, l4 + 2, Checksum.compute(memory, l4, l4Length));
                }
                return;
            }
            default -> {
                return; // IGMP and others carry their own checksum
            }
        }
        if (l4Length < field + 2) {
            return;
        }
        sum = v4 ? Checksum.pseudoHeaderV4((int) srcLo, (int) dstLo, protocol, l4Length)
                : Checksum.pseudoHeaderV6(srcHi, srcLo, dstHi, dstLo, protocol, l4Length);
        Bytes.u16(memory, l4 + field, 0);
        int c = Checksum.finish(Checksum.add(sum, memory, l4, l4Length));
        if (c == 0 && protocol == IpProtocol.UDP) {
            c = 0xFFFF; // RFC 768: a computed zero is sent as all ones
        }
        Bytes.u16(memory, l4 + field, c);
    }

    /** Adds an IPv4 header in front of the frame's data and routes it. */
    boolean output4(int frame, int protocol, int src, int dst, int ttl, int tos, boolean df, boolean routerAlert) {
        ip4Out.protocol = protocol;
        ip4Out.source = src;
        ip4Out.destination = dst;
        ip4Out.ttl = ttl;
        ip4Out.tos = tos;
        ip4Out.dontFragment = df;
        ip4Out.moreFragments = false;
        ip4Out.fragmentOffset = 0;
        ip4Out.identification = nextIpv4Id++ & 0xFFFF;
        ip4Out.routerAlert = routerAlert;
        return prependIpv4(frame, dst);
    }

    private boolean output4Fragment(int frame, int protocol, int src, int dst, int ttl, int tos, int id, int offset, boolean more) {
        ip4Out.protocol = protocol;
        ip4Out.source = src;
        ip4Out.destination = dst;
        ip4Out.ttl = ttl;
        ip4Out.tos = tos;
        ip4Out.dontFragment = false;
        ip4Out.moreFragments = more;
        ip4Out.fragmentOffset = offset;
        ip4Out.identification = id;
        ip4Out.routerAlert = false;
        return prependIpv4(frame, dst);
    }

    private boolean prependIpv4(int frame, int dst) {
        int hl = ip4Out.headerLength();
        int dataOffset = pool.dataOffset(frame) - hl;
        if (dataOffset < 0) {
            return dropTx(frame, DropReason.NO_FRAME);
        }
        int l4Length = pool.dataLength(frame);
        ip4Out.emit(memory, pool.frameBase(frame) + dataOffset, l4Length);
        pool.setData(frame, dataOffset, hl + l4Length);
        if (dst == -1 || dst == ipv4Broadcast) {
            transmitL2(frame, MacAddress.BROADCAST, EtherType.IPV4);
            return true;
        }
        if ((dst >>> 28) == 0xE) {
            transmitL2(frame, MacAddress.ofIpv4Multicast(dst), EtherType.IPV4);
            return true;
        }
        return routeAndTransmit(frame, 0, IpAddress.v4Lo(dst));
    }

    /** Adds an IPv6 header (plus fragment / hop-by-hop headers as {@link #ip6Out} says) and routes it. */
    boolean output6(int frame, int protocol, long srcHi, long srcLo, long dstHi, long dstLo, int hopLimit, int tc,
            boolean routerAlert, long forcedMac) {
        ip6Out.nextHeader = protocol;
        ip6Out.sourceHi = srcHi;
        ip6Out.sourceLo = srcLo;
        ip6Out.destinationHi = dstHi;
        ip6Out.destinationLo = dstLo;
        ip6Out.hopLimit = hopLimit;
        ip6Out.trafficClass = tc;
        ip6Out.flowLabel = 0;
        ip6Out.routerAlert = routerAlert;
        int hl = ip6Out.headerLength(); // includes a fragment header when sendFragments asked for one
        int dataOffset = pool.dataOffset(frame) - hl;
        if (dataOffset < 0) {
            ip6Out.fragment = false;
            return dropTx(frame, DropReason.NO_FRAME);
        }
        int l4Length = pool.dataLength(frame);
        ip6Out.emit(memory, pool.frameBase(frame) + dataOffset, l4Length);
        ip6Out.fragment = false;
        pool.setData(frame, dataOffset, hl + l4Length);
        if (forcedMac >= 0) {
            transmitL2(frame, forcedMac, EtherType.IPV6);
            return true;
        }
        if ((dstHi >>> 56) == 0xFF) {
            transmitL2(frame, MacAddress.ofIpv6Multicast(dstLo), EtherType.IPV6);
            return true;
        }
        return routeAndTransmit(frame, dstHi, dstLo);
    }

    /** A transport holds {@code port}: the device gets a flow rule for it ({@link PortSteering}). */
    @Override
    public void holdPort(int protocol, long localHi, long localLo, int port) {
        portSteering.hold(protocol, localHi, localLo, port);
    }

    @Override
    public void releasePort(int protocol, long localHi, long localLo, int port) {
        portSteering.release(protocol, localHi, localLo, port);
    }

    /** The flow rules this stack's transports hold on the device. */
    public PortSteering portSteering() {
        return portSteering;
    }

    /** RFC 4861 §7.3.1: a peer acknowledged new data. A looped or local destination has no neighbour to confirm. */
    @Override
    public void confirmReachable(long destinationHi, long destinationLo) {
        if (deviceLoops || IpAddress.isLoopback(destinationHi, destinationLo) || isLocal(destinationHi, destinationLo)) {
            return;
        }
        if (routes.lookup(destinationHi, destinationLo)) {
            neighbors.confirm(routes.nextHopHi(), routes.nextHopLo(), now);
        }
    }

    private boolean routeAndTransmit(int frame, long dstHi, long dstLo) {
        if (isLocal(dstHi, dstLo)) {
            transmitLocal(frame, IpAddress.isV4(dstHi, dstLo) ? EtherType.IPV4 : EtherType.IPV6);
            return true;
        }
        if (IpAddress.isLoopback(dstHi, dstLo) || deviceLoops) {
            // Not ours, and never to be sent (RFC 1122 3.2.1.3 (g)); a loopback link has no neighbours.
            return dropTx(frame, DropReason.IP_NO_ROUTE);
        }
        if (!routes.lookup(dstHi, dstLo)) {
            return dropTx(frame, DropReason.IP_NO_ROUTE);
        }
        if (!neighbors.resolveAndSend(frame, routes.nextHopHi(), routes.nextHopLo(), now)) {
            return dropTx(frame, DropReason.NEIGHBOR_QUEUE_FULL);
        }
        return true;
    }

    private boolean dropTx(int frame, DropReason reason) {
        counters.drop(reason);
        cache.release(frame);
        return false;
    }

    /**
     * Prepends the Ethernet header and queues the frame on the transmit burst. On a loopback device only
     * frames to ourselves are sent: nobody else is on the link to hear ARP, ND, reports or multicast.
     */
    void transmitL2(int frame, long dstMac, int etherType) {
        if (deviceLoops && dstMac != mac) {
            dropTx(frame, DropReason.IP_NO_ROUTE); // ARP, ND, multicast: nobody else is on a loopback link
            return;
        }
        if (!prependEthernet(frame, dstMac, etherType)) {
            return;
        }
        int length = pool.dataLength(frame);
        if (txBurst.isFull()) {
            flush();
        }
        txBurst.add(frame);
        counters.txFrame(length);
    }

    /** Sends a packet to ourselves round the loopback: the device if it is one, else the private loop. */
    private void transmitLocal(int frame, int etherType) {
        if (localLoop == null) {
            transmitL2(frame, mac, etherType);
            return;
        }
        if (!prependEthernet(frame, mac, etherType)) {
            return;
        }
        int length = pool.dataLength(frame);
        if (!localLoop.offer(frame, now)) {
            dropTx(frame, DropReason.TX_RING_FULL);
            return;
        }
        counters.txFrame(length);
    }

    private boolean prependEthernet(int frame, long dstMac, int etherType) {
        ethOut.set(dstMac, mac, etherType);
        ethOut.vlanId = vlanId;
        int hl = ethOut.length();
        int dataOffset = pool.dataOffset(frame) - hl;
        if (dataOffset < 0) {
            dropTx(frame, DropReason.NO_FRAME);
            return false;
        }
        ethOut.emit(memory, pool.frameBase(frame) + dataOffset);
        pool.setData(frame, dataOffset, pool.dataLength(frame) + hl);
        return true;
    }

    /** Hands the transmit burst to the device; frames a full ring refuses are dropped and counted. */
    public void flush() {
        while (!txBurst.isEmpty()) {
            int n = device.transmit(0, txBurst, now);
            if (n <= 0) {
                for (int i = 0; i < txBurst.count(); i++) {
                    counters.drop(DropReason.TX_RING_FULL);
                    cache.release(txBurst.get(i));
                }
                txBurst.clear();
                return;
            }
            txBurst.removeFirst(n);
        }
    }

    // --- NeighborCache.Link ----------------------------------------------------------------------

    @Override
    public void sendResolution(long hi, long lo, long knownMac) {
        int frame = acquireFrame();
        if (frame == FramePool.NO_FRAME) {
            return;
        }
        long at = pool.dataAddress(frame);
        if (IpAddress.isV4(hi, lo)) {
            ArpPacket.emit(memory, at, ArpPacket.OP_REQUEST, mac, ipv4, 0, (int) lo);
            pool.setData(frame, pool.dataOffset(frame), ArpPacket.LENGTH);
            transmitL2(frame, knownMac >= 0 ? knownMac : MacAddress.BROADCAST, EtherType.ARP);
        } else {
            // RFC 4861 section 7.2.2: NS to the solicited-node group (or unicast when probing), with our SLLA.
            int length = NeighborMessages.emitSolicitation(memory, at, hi, lo, mac);
            pool.setData(frame, pool.dataOffset(frame), length);
            selectSource(hi, lo, source);
            long dstHi = knownMac >= 0 ? hi : 0xFF02_0000_0000_0000L;
            long dstLo = knownMac >= 0 ? lo : 0x0000_0001_FF00_0000L | (lo & 0xFF_FFFFL);
            fillChecksum(IpProtocol.ICMPV6, at, length, false, source[0], source[1], dstHi, dstLo);
            output6(frame, IpProtocol.ICMPV6, source[0], source[1], dstHi, dstLo, 255, 0, false,
                    knownMac >= 0 ? knownMac : MacAddress.ofIpv6Multicast(dstLo));
        }
    }

    @Override
    public void transmitResolved(int frame, long hi, long lo, long linkAddress) {
        transmitL2(frame, linkAddress, IpAddress.isV4(hi, lo) ? EtherType.IPV4 : EtherType.IPV6);
    }

    @Override
    public void dropUnresolved(int frame) {
        counters.drop(DropReason.NEIGHBOR_UNREACHABLE);
        cache.release(frame);
    }

    // ---------------------------------------------------------------------------------------------
    // Start, multicast membership, timers
    // ---------------------------------------------------------------------------------------------

    /** Gratuitous ARP (RFC 5227 section 2.3 announcement) and unsolicited NAs (RFC 4861 section 7.2.6). */
    public void announce() {
        if (deviceLoops) {
            return; // nobody to announce to (lo is IFF_NOARP)
        }
        if (hasIpv4) {
            int frame = acquireFrame();
            if (frame != FramePool.NO_FRAME) {
                ArpPacket.emit(memory, pool.dataAddress(frame), ArpPacket.OP_REQUEST, mac, ipv4, 0, ipv4);
                pool.setData(frame, pool.dataOffset(frame), ArpPacket.LENGTH);
                transmitL2(frame, MacAddress.BROADCAST, EtherType.ARP);
            }
        }
        for (int i = 0; i < ipv6Hi.length; i++) {
            int frame = acquireFrame();
            if (frame == FramePool.NO_FRAME) {
                return;
            }
            long at = pool.dataAddress(frame);
            int length = NeighborMessages.emitAdvertisement(memory, at, ipv6Hi[i], ipv6Lo[i], mac, false);
            pool.setData(frame, pool.dataOffset(frame), length);
            fillChecksum(IpProtocol.ICMPV6, at, length, false, ipv6Hi[i], ipv6Lo[i], 0xFF02_0000_0000_0000L, 1);
            output6(frame, IpProtocol.ICMPV6, ipv6Hi[i], ipv6Lo[i], 0xFF02_0000_0000_0000L, 1, 255, 0, false, -1);
        }
    }

    /**
     * Sets the interface's reception state for a group, merged by the transport from its sockets'
     * filters (RFC 3376 section 3.2, RFC 3810 section 4.2), and reports the change to routers
     * ({@link MembershipReports}): EXCLUDE with the sources to refuse (none: any source), or INCLUDE
     * with the sources to receive from (none: the membership ends). At most
     * {@link GroupMembership#MAX_SOURCES} sources.
     *
     * @throws IllegalStateException when a new group does not fit (check {@link #hasRoomForGroup})
     */
    public void setGroupState(long groupHi, long groupLo, boolean exclude, long[] srcHi, long[] srcLo, int count) {
        boolean wasJoined = groups.contains(groupHi, groupLo);
        boolean joins = !wasJoined && (exclude || count > 0);
        if (joins) {
            // the group's UDP datagrams, any port: a device with flow steering must pass them up too
            portSteering.hold(IpProtocol.UDP, groupHi, groupLo, 0);
        }
        try {
            membership.setState(groupHi, groupLo, exclude, srcHi, srcLo, count);
        } catch (RuntimeException e) {
            if (joins) {
                portSteering.release(IpProtocol.UDP, groupHi, groupLo, 0);
            }
            throw e;
        }
        if (wasJoined && !groups.contains(groupHi, groupLo)) {
            portSteering.release(IpProtocol.UDP, groupHi, groupLo, 0);
        }
    }

    /** Whether the group table has room for the group (always, when it is already there). */
    public boolean hasRoomForGroup(long groupHi, long groupLo) {
        return groups.hasRoomFor(groupHi, groupLo);
    }

    void heardIgmpV2Querier() {
        membership.heardIgmpV2Querier();
    }

    void answerQuery(boolean v4, long groupHi, long groupLo, long maxResponseNanos) {
        membership.answerQuery(v4, groupHi, groupLo, maxResponseNanos);
    }

    /** Fires neighbour and reassembly timers and the transports' timers; returns the next deadline. */
    public long pollTimers(long nowNanos) {
        now = nowNanos;
        long next = neighbors.poll(nowNanos);
        next = Math.min(next, reassembler.poll(nowNanos));
        next = Math.min(next, membership.poll(nowNanos));
        for (int t = reassembler.takeTimeouts(); t > 0; t--) {
            counters.drop(DropReason.IP_REASSEMBLY_TIMEOUT);
        }
        TransportHandler tcp = handlers[IpProtocol.TCP];
        if (tcp != null) {
            next = Math.min(next, tcp.poll(nowNanos));
        }
        TransportHandler udp = handlers[IpProtocol.UDP];
        if (udp != null) {
            next = Math.min(next, udp.poll(nowNanos));
        }
        return next;
    }

    /** Returns every frame the interface holds (queued for resolution, unsent, looping to ourselves) to the pool. */
    public void close() {
        neighbors.clearAll();
        if (localLoop != null) {
            localLoop.close();
        }
        for (int i = 0; i < txBurst.count(); i++) {
            cache.release(txBurst.get(i));
        }
        txBurst.clear();
    }

    // --- used by the input classes ---

    /** Fills a checksum the way output does; for replies built in place. */
    void checksum(int protocol, long l4, int l4Length, boolean v4, long srcHi, long srcLo, long dstHi, long dstLo) {
        fillChecksum(protocol, l4, l4Length, v4, srcHi, srcLo, dstHi, dstLo);
    }

    boolean rxL4ChecksumGood(int frame) {
        return frame >= 0 && (pool.flags(frame) & FrameFlags.RX_L4_CHECKSUM_GOOD) != 0;
    }

    boolean rxIpChecksumGood(int frame) {
        return (pool.flags(frame) & FrameFlags.RX_IP_CHECKSUM_GOOD) != 0;
    }
}
