package io.flyover.stack.net;

import io.flyover.stack.DropReason;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.Icmpv6Message;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.Ipv6Packet;
import io.flyover.stack.wire.MldMessage;
import java.lang.foreign.MemorySegment;

/**
 * IPv6 input (RFC 8200): header and extension-chain checks, destination filter, reassembly, and dispatch
 * to ICMPv6 (RFC 4443 echo and errors), neighbour discovery (RFC 4861: NS, NA, RA), MLD queries
 * (RFC 3810) and the registered transports; port unreachable for unwanted UDP, rate limited.
 */
final class Ipv6Input implements TransportDelivery.IpVersion {
    /** RFC 4443 section 2.4(c): an error must fit the minimum MTU of 1280. */
    private static final int MAX_QUOTE = 1280 - 40 - 8;

    private final NetInterface nif;
    private final MemorySegment memory;
    private final Ipv6Packet ip = new Ipv6Packet();
    private final Icmpv6Message icmp = new Icmpv6Message();
    private final MldMessage mld = new MldMessage();
    private final IpMeta meta = new IpMeta();
    private final IpMeta quoted = new IpMeta();

    Ipv6Input(NetInterface nif) {
        this.nif = nif;
        this.memory = nif.memory;
    }

    /** @param local the packet went round a loopback: our own addresses and ::1 are then allowed */
    int input(int frame, long at, int length, boolean linkBroadcast, boolean local) {
        switch (ip.wrap(memory, at, length)) {
            case TRUNCATED -> { return Verdict.drop(DropReason.IP_TRUNCATED); }
            case BAD_VERSION -> { return Verdict.drop(DropReason.IP_BAD_VERSION); }
            case BAD_PAYLOAD_LENGTH -> { return Verdict.drop(DropReason.IP_BAD_TOTAL_LENGTH); }
            case BAD_EXTENSION_HEADER -> { return Verdict.drop(DropReason.IP_BAD_EXTENSION_HEADER); }
            case OK -> { }
        }
        if (!ip.extensionOptionsAcceptable()) {
            return Verdict.drop(DropReason.IP_BAD_EXTENSION_HEADER);
        }
        long sHi = ip.sourceHi();
        long sLo = ip.sourceLo();
        long dHi = ip.destinationHi();
        long dLo = ip.destinationLo();
        // RFC 4291 section 2.7: never a multicast source. Off a wire, our own address is a loop or a spoof,
        // and ::1 must never be sent outside a node nor accepted from an interface (section 2.5.3).
        if ((sHi >>> 56) == 0xFF || (!local && (nif.isOurIpv6(sHi, sLo) || IpAddress.isLoopbackV6(sHi, sLo)))) {
            return Verdict.drop(DropReason.IP_BAD_SOURCE);
        }
        if (!local && IpAddress.isLoopbackV6(dHi, dLo)) {
            return Verdict.drop(DropReason.IP_BAD_DESTINATION);
        }
        boolean multicast = (dHi >>> 56) == 0xFF;
        if (multicast) {
            boolean allNodes = dHi == 0xFF02_0000_0000_0000L && dLo == 1;
            if (!allNodes && !nif.isOurSolicitedNode(dHi, dLo) && !nif.groups.contains(dHi, dLo)
                    && !(dHi == MldMessage.ALL_MLDV2_ROUTERS_HI && dLo == MldMessage.ALL_MLDV2_ROUTERS_LO)) {
                return Verdict.drop(DropReason.IP_NOT_FOR_US);
            }
        } else if (!nif.isLocalV6(dHi, dLo) || linkBroadcast) {
            return Verdict.drop(DropReason.IP_NOT_FOR_US);
        }
        meta.version = 6;
        meta.sourceHi = sHi;
        meta.sourceLo = sLo;
        meta.destinationHi = dHi;
        meta.destinationLo = dLo;
        meta.ttl = ip.hopLimit();
        meta.trafficClass = ip.trafficClass();
        meta.multicastOrBroadcast = multicast;
        meta.ipOffset = at;
        meta.ipLength = Ipv6Packet.HEADER_LENGTH + ip.payloadLength();
        int protocol = ip.upperProtocol();
        if (ip.isFragment()) {
            int r = nif.reassembler.add(6, sHi, sLo, dHi, dLo, ip.fragmentIdentification(), protocol,
                    ip.fragmentOffset(), ip.moreFragments(), memory, ip.upperOffset(), ip.upperLength(), nif.now);
            switch (r) {
                case Reassembler.STORED -> { return Verdict.CONSUMED; }
                case Reassembler.MALFORMED -> { return Verdict.drop(DropReason.IP_FRAGMENT_MALFORMED); }
                case Reassembler.OVERFLOW -> { return Verdict.drop(DropReason.IP_REASSEMBLY_OVERFLOW); }
                default -> {
                    meta.ipOffset = -1;
                    int v = deliver(FramePool.NO_FRAME, nif.reassembler.completedSegment(), 0,
                            nif.reassembler.completedLength(), protocol, false);
                    if (Verdict.isDrop(v)) {
                        nif.counters.drop(v);
                    }
                    return Verdict.CONSUMED;
                }
            }
        }
        return deliver(frame, memory, ip.upperOffset(), ip.upperLength(), protocol, ip.hasHopByHop());
    }

    @Override
    public long pseudoHeader(int protocol, int length) {
        return Checksum.pseudoHeaderV6(meta.sourceHi, meta.sourceLo, meta.destinationHi, meta.destinationLo, protocol, length);
    }

    private int deliver(int frame, MemorySegment seg, long at, int length, int protocol, boolean hopByHop) {
        if (protocol == IpProtocol.ICMPV6) {
            return icmp(frame, seg, at, length, hopByHop);
        }
        return TransportDelivery.deliver(nif, meta, this, frame, seg, at, length, protocol);
    }

    @Override
    public boolean udpChecksumOptional() {
        return false; // RFC 8200 section 8.1: IPv6 receivers discard UDP with a zero checksum
    }

    @Override
    public void sendPortUnreachable() {
        sendError(Icmpv6Message.DESTINATION_UNREACHABLE, Icmpv6Message.CODE_PORT_UNREACHABLE);
    }

    private int icmp(int frame, MemorySegment seg, long at, int length, boolean hopByHop) {
        if (!icmp.wrap(seg, at, length)) {
            return Verdict.drop(DropReason.ICMP_MALFORMED);
        }
        if (!icmp.checksumValid(pseudoHeader(IpProtocol.ICMPV6, length))) {
            return Verdict.drop(DropReason.ICMP_BAD_CHECKSUM);
        }
        int type = icmp.type();
        switch (type) {
            case Icmpv6Message.ECHO_REQUEST -> {
                if (meta.multicastOrBroadcast) {
                    return Verdict.drop(DropReason.ICMP_UNHANDLED_TYPE);
                }
                Bytes.u8(seg, at, Icmpv6Message.ECHO_REPLY);
                if (frame == FramePool.NO_FRAME) {
                    nif.sendFragmented(seg, at, length, IpProtocol.ICMPV6, meta.destinationHi, meta.destinationLo,
                            meta.sourceHi, meta.sourceLo, 64, 0);
                    return Verdict.CONSUMED;
                }
                nif.pool.setData(frame, (int) (at - nif.pool.frameBase(frame)), length);
                nif.send(frame, IpProtocol.ICMPV6, meta.destinationHi, meta.destinationLo, meta.sourceHi, meta.sourceLo,
                        64, 0, false);
                return Verdict.KEPT;
            }
            case Icmpv6Message.ECHO_REPLY -> {
                nif.counters.echoReplyReceived();
                return Verdict.CONSUMED;
            }
            case Icmpv6Message.NEIGHBOR_SOLICITATION -> { return solicitation(frame, seg, at); }
            case Icmpv6Message.NEIGHBOR_ADVERTISEMENT -> { return advertisement(); }
            case Icmpv6Message.ROUTER_ADVERTISEMENT -> { return routerAdvertisement(); }
            case Icmpv6Message.MLD_QUERY -> {
                if (!mld.wrap(seg, at, length) || !IpAddress.isLinkLocalV6(meta.sourceHi) || meta.ttl != 1) {
                    return Verdict.drop(DropReason.MLD_MALFORMED); // RFC 3810 section 5.1.14
                }
                // Max response in milliseconds; v2 codes >= 32768 are floating point (RFC 3810 5.1.3).
                int code = mld.maxResponseCode();
                long millis = code < 32_768 || !mld.isV2Query() ? code : (long) ((code & 0x0FFF) | 0x1000) << (((code >> 12) & 0x07) + 3);
                nif.answerQuery(false, mld.addressHi(), mld.addressLo(), Math.max(1, millis) * 1_000_000L);
                return Verdict.CONSUMED;
            }
            case Icmpv6Message.MLD_V1_REPORT, Icmpv6Message.MLD_V1_DONE, Icmpv6Message.MLD_V2_REPORT -> {
                return mld.wrap(seg, at, length) ? Verdict.CONSUMED : Verdict.drop(DropReason.MLD_MALFORMED);
            }
            case Icmpv6Message.DESTINATION_UNREACHABLE, Icmpv6Message.PACKET_TOO_BIG, Icmpv6Message.TIME_EXCEEDED,
                    Icmpv6Message.PARAMETER_PROBLEM -> { return icmpError(seg); }
            default -> { return Verdict.drop(DropReason.ICMP_UNHANDLED_TYPE); }
        }
    }

    /** RFC 4861 section 7.1.1 validity checks, then 7.2.3/7.2.4: learn the sender, answer for our target. */
    private int solicitation(int frame, MemorySegment seg, long at) {
        if (meta.ttl != 255 || icmp.code() != 0 || !icmp.isNeighborMessageLongEnough()
                || !icmp.optionsWellFormed(Icmpv6Message.ND_OPTIONS) || (icmp.targetHi() >>> 56) == 0xFF) {
            return Verdict.drop(DropReason.NEIGHBOR_MALFORMED);
        }
        boolean dad = meta.sourceHi == 0 && meta.sourceLo == 0;
        long slla = icmp.linkAddressOption(Icmpv6Message.ND_OPTIONS, Icmpv6Message.OPT_SOURCE_LINK_ADDRESS);
        if (dad && (slla >= 0 || !nif.isOurSolicitedNode(meta.destinationHi, meta.destinationLo))) {
            return Verdict.drop(DropReason.NEIGHBOR_MALFORMED);
        }
        long tHi = icmp.targetHi();
        long tLo = icmp.targetLo();
        if (!nif.isOurIpv6(tHi, tLo)) {
            return Verdict.drop(DropReason.NEIGHBOR_NOT_FOR_US);
        }
        if (!dad && slla >= 0) {
            // Section 7.2.3: create or update the sender's entry; a new or changed address is STALE.
            nif.neighbors.learn(meta.sourceHi, meta.sourceLo, slla, NeighborCache.CREATE | NeighborCache.OVERRIDE, nif.now);
        }
        if (frame == FramePool.NO_FRAME) {
            return Verdict.CONSUMED; // a reassembled NS is not answered
        }
        // Answer in place: solicited (unless DAD) and override (section 7.2.4).
        long dstHi = dad ? 0xFF02_0000_0000_0000L : meta.sourceHi;
        long dstLo = dad ? 1 : meta.sourceLo;
        int n = NeighborMessages.emitAdvertisement(seg, at, tHi, tLo, nif.mac, !dad);
        nif.pool.setData(frame, (int) (at - nif.pool.frameBase(frame)), n);
        nif.send(frame, IpProtocol.ICMPV6, tHi, tLo, dstHi, dstLo, 255, 0, false);
        return Verdict.KEPT;
    }

    /**
     * RFC 4861 section 7.1.2 checks and 7.2.5: complete an entry being resolved; on a known one the
     * Solicited flag confirms reachability and the Override flag lets a new address replace the cached one.
     */
    private int advertisement() {
        if (meta.ttl != 255 || icmp.code() != 0 || !icmp.isNeighborMessageLongEnough()
                || !icmp.optionsWellFormed(Icmpv6Message.ND_OPTIONS) || (icmp.targetHi() >>> 56) == 0xFF
                || (meta.multicastOrBroadcast && (icmp.rest() & Icmpv6Message.NA_FLAG_SOLICITED) != 0)) {
            return Verdict.drop(DropReason.NEIGHBOR_MALFORMED);
        }
        long tlla = icmp.linkAddressOption(Icmpv6Message.ND_OPTIONS, Icmpv6Message.OPT_TARGET_LINK_ADDRESS);
        if (tlla >= 0) {
            int flags = ((icmp.rest() & Icmpv6Message.NA_FLAG_SOLICITED) != 0 ? NeighborCache.CONFIRMED : 0)
                    | ((icmp.rest() & Icmpv6Message.NA_FLAG_OVERRIDE) != 0 ? NeighborCache.OVERRIDE : 0);
            nif.neighbors.learn(icmp.targetHi(), icmp.targetLo(), tlla, flags, nif.now);
        }
        return Verdict.CONSUMED;
    }

    /** RFC 4861 section 6.1.2 checks; section 6.3.4: a router with a lifetime becomes a default route. */
    private int routerAdvertisement() {
        if (meta.ttl != 255 || icmp.code() != 0 || !IpAddress.isLinkLocalV6(meta.sourceHi)
                || !icmp.isRouterAdvertisementLongEnough() || !icmp.optionsWellFormed(Icmpv6Message.RA_OPTIONS)) {
            return Verdict.drop(DropReason.NEIGHBOR_MALFORMED);
        }
        long slla = icmp.linkAddressOption(Icmpv6Message.RA_OPTIONS, Icmpv6Message.OPT_SOURCE_LINK_ADDRESS);
        if (slla >= 0) {
            nif.neighbors.learn(meta.sourceHi, meta.sourceLo, slla, NeighborCache.CREATE | NeighborCache.OVERRIDE, nif.now);
        }
        if (nif.config.acceptRouterAdvertisements()) {
            if (icmp.raRouterLifetime() > 0 && !nif.routes.hasDefaultV6()) {
                nif.routes.addGateway(new IpAddress(0, 0), 0, new IpAddress(meta.sourceHi, meta.sourceLo));
            } else if (icmp.raRouterLifetime() == 0) {
                nif.routes.removeGateway(new IpAddress(meta.sourceHi, meta.sourceLo)); // section 6.3.4: no longer a router
            }
        }
        return Verdict.CONSUMED;
    }

    /** RFC 4443 section 2.4(e)/3.2: hand an error to the transport named in the quoted header. */
    private int icmpError(MemorySegment seg) {
        long q = icmp.bodyOffset();
        int qLength = icmp.bodyLength();
        if (qLength < Ipv6Packet.HEADER_LENGTH + 8 || Bytes.u8(seg, q) >>> 4 != 6) {
            return Verdict.drop(DropReason.ICMP_MALFORMED);
        }
        long sHi = Bytes.i64(seg, q + Ipv6Packet.SOURCE);
        long sLo = Bytes.i64(seg, q + Ipv6Packet.SOURCE + 8);
        if (!nif.isLocalV6(sHi, sLo)) {
            return Verdict.drop(DropReason.ICMP_MALFORMED);
        }
        int protocol = Bytes.u8(seg, q + Ipv6Packet.NEXT_HEADER);
        TransportHandler handler = nif.handlers[protocol];
        if (handler == null) {
            return Verdict.drop(DropReason.ICMP_UNHANDLED_TYPE);
        }
        quoted.version = 6;
        quoted.sourceHi = sHi;
        quoted.sourceLo = sLo;
        quoted.destinationHi = Bytes.i64(seg, q + Ipv6Packet.DESTINATION);
        quoted.destinationLo = Bytes.i64(seg, q + Ipv6Packet.DESTINATION + 8);
        quoted.ttl = Bytes.u8(seg, q + Ipv6Packet.HOP_LIMIT);
        quoted.trafficClass = 0;
        quoted.multicastOrBroadcast = false;
        quoted.ipOffset = q;
        quoted.ipLength = qLength;
        int mtu = icmp.type() == Icmpv6Message.PACKET_TOO_BIG ? (int) Math.min(icmp.mtu(), 65_535) : 0;
        handler.onIcmpError(6, icmp.type(), icmp.code(), mtu, seg, q + Ipv6Packet.HEADER_LENGTH,
                qLength - Ipv6Packet.HEADER_LENGTH, quoted, nif.now);
        return Verdict.CONSUMED;
    }

    private void sendError(int type, int code) {
        if (!nif.icmpErrors.tryTake(nif.now)) {
            nif.counters.drop(DropReason.ICMP_RATE_LIMITED);
            return;
        }
        int frame = nif.acquireFrame();
        if (frame == FramePool.NO_FRAME) {
            return;
        }
        int quote = Math.min(meta.ipLength, MAX_QUOTE);
        long at = nif.pool.dataAddress(frame);
        MemorySegment.copy(memory, meta.ipOffset, memory, at + Icmpv6Message.HEADER_LENGTH, quote);
        Icmpv6Message.emit(memory, at, type, code, 0);
        nif.pool.setData(frame, nif.pool.dataOffset(frame), Icmpv6Message.HEADER_LENGTH + quote);
        nif.send(frame, IpProtocol.ICMPV6, meta.destinationHi, meta.destinationLo, meta.sourceHi, meta.sourceLo, 64, 0, false);
    }
}
