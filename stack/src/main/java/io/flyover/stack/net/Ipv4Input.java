package io.flyover.stack.net;

import io.flyover.stack.DropReason;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.Icmpv4Message;
import io.flyover.stack.wire.IgmpMessage;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.Ipv4Packet;
import java.lang.foreign.MemorySegment;

/**
 * IPv4 input (RFC 791, RFC 1122 section 3.2): header checks, destination filter, reassembly, and
 * dispatch to ICMP (echo, errors to transports), IGMP (queries) and the registered transports;
 * port unreachable for UDP datagrams nobody wanted (RFC 1122 section 4.1.3.1), rate limited.
 */
final class Ipv4Input implements TransportDelivery.IpVersion {
    /** RFC 1812 section 4.3.2.3: quote as much as keeps the error within 576 bytes. */
    private static final int MAX_QUOTE = 576 - 20 - 8;

    private final NetInterface nif;
    private final MemorySegment memory;
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Icmpv4Message icmp = new Icmpv4Message();
    private final IgmpMessage igmp = new IgmpMessage();
    private final IpMeta meta = new IpMeta();
    private final IpMeta quoted = new IpMeta();

    Ipv4Input(NetInterface nif) {
        this.nif = nif;
        this.memory = nif.memory;
    }

    /** @param local the packet went round a loopback: our own and loopback addresses are then allowed */
    int input(int frame, long at, int length, boolean linkBroadcast, boolean local) {
        switch (ip.wrap(memory, at, length)) {
            case TRUNCATED -> { return Verdict.drop(DropReason.IP_TRUNCATED); }
            case BAD_VERSION -> { return Verdict.drop(DropReason.IP_BAD_VERSION); }
            case BAD_HEADER_LENGTH -> { return Verdict.drop(DropReason.IP_BAD_HEADER_LENGTH); }
            case BAD_TOTAL_LENGTH -> { return Verdict.drop(DropReason.IP_BAD_TOTAL_LENGTH); }
            case OK -> { }
        }
        if (!nif.rxIpChecksumGood(frame) && !ip.headerChecksumValid()) {
            return Verdict.drop(DropReason.IP_BAD_CHECKSUM);
        }
        if (!ip.optionsWellFormed()) {
            return Verdict.drop(DropReason.IP_BAD_OPTIONS);
        }
        int src = ip.source();
        int dst = ip.destination();
        // RFC 1122 section 3.2.1.3: a source must not be broadcast or multicast.
        boolean multicast = (dst >>> 28) == 0xE;
        boolean broadcast = dst == -1 || (nif.hasIpv4 && dst == nif.ipv4Broadcast);
        // Off a wire, our own address as a source is a loop or a spoof, and 127.0.0.0/8 "MUST NOT appear
        // outside a host" (RFC 1122 section 3.2.1.3 (g)); 0.0.0.0 only talks to broadcast (DHCP).
        if ((src >>> 28) == 0xE || src == -1 || (nif.hasIpv4 && src == nif.ipv4Broadcast)
                || (!local && (IpAddress.isLoopbackV4(src) || (nif.hasIpv4 && src == nif.ipv4)))
                || (src == 0 && !broadcast)) {
            return Verdict.drop(DropReason.IP_BAD_SOURCE);
        }
        if (!local && IpAddress.isLoopbackV4(dst)) {
            return Verdict.drop(DropReason.IP_BAD_DESTINATION);
        }
        if (multicast) {
            if (dst != IgmpMessage.ALL_HOSTS && !nif.groups.contains(0, IpAddress.v4Lo(dst))
                    && ip.protocol() != IpProtocol.IGMP) {
                return Verdict.drop(DropReason.IP_NOT_FOR_US);
            }
        } else if (!broadcast && !nif.isLocalV4(dst)) {
            return Verdict.drop(DropReason.IP_NOT_FOR_US);
        } else if (!broadcast && linkBroadcast) {
            return Verdict.drop(DropReason.IP_NOT_FOR_US); // RFC 1122 section 3.3.6: unicast IP in a link broadcast
        }
        meta.version = 4;
        meta.sourceHi = 0;
        meta.sourceLo = IpAddress.v4Lo(src);
        meta.destinationHi = 0;
        meta.destinationLo = IpAddress.v4Lo(dst);
        meta.ttl = ip.ttl();
        meta.trafficClass = ip.tos();
        meta.multicastOrBroadcast = multicast || broadcast;
        meta.ipOffset = at;
        meta.ipLength = ip.totalLength();
        int protocol = ip.protocol();
        if (ip.isFragment()) {
            int r = nif.reassembler.add(4, 0, meta.sourceLo, 0, meta.destinationLo, ip.identification(), protocol,
                    ip.fragmentOffset(), ip.moreFragments(), memory, ip.payloadOffset(), ip.payloadLength(), nif.now);
            switch (r) {
                case Reassembler.STORED -> { return Verdict.CONSUMED; }
                case Reassembler.MALFORMED -> { return Verdict.drop(DropReason.IP_FRAGMENT_MALFORMED); }
                case Reassembler.OVERFLOW -> { return Verdict.drop(DropReason.IP_REASSEMBLY_OVERFLOW); }
                default -> {
                    meta.ipOffset = -1;
                    int v = deliver(FramePool.NO_FRAME, nif.reassembler.completedSegment(), 0, nif.reassembler.completedLength(), protocol);
                    if (Verdict.isDrop(v)) {
                        nif.counters.drop(v); // the fragment was consumed; the datagram's fate counts by itself
                    }
                    return Verdict.CONSUMED;
                }
            }
        }
        return deliver(frame, memory, ip.payloadOffset(), ip.payloadLength(), protocol);
    }

    private int deliver(int frame, MemorySegment seg, long at, int length, int protocol) {
        return switch (protocol) {
            case IpProtocol.ICMP -> icmp(frame, seg, at, length);
            case IpProtocol.IGMP -> igmp(seg, at, length);
            default -> TransportDelivery.deliver(nif, meta, this, frame, seg, at, length, protocol);
        };
    }

    @Override
    public long pseudoHeader(int protocol, int l4Length) {
        return Checksum.pseudoHeaderV4((int) meta.sourceLo, (int) meta.destinationLo, protocol, l4Length);
    }

    @Override
    public boolean udpChecksumOptional() {
        return true; // RFC 768: a zero checksum means none was computed
    }

    @Override
    public void sendPortUnreachable() {
        sendError(Icmpv4Message.DESTINATION_UNREACHABLE, Icmpv4Message.CODE_PORT_UNREACHABLE);
    }

    private int icmp(int frame, MemorySegment seg, long at, int length) {
        if (!icmp.wrap(seg, at, length)) {
            return Verdict.drop(DropReason.ICMP_MALFORMED);
        }
        if (!icmp.checksumValid()) {
            return Verdict.drop(DropReason.ICMP_BAD_CHECKSUM);
        }
        switch (icmp.type()) {
            case Icmpv4Message.ECHO_REQUEST -> {
                if (meta.multicastOrBroadcast) {
                    return Verdict.drop(DropReason.ICMP_UNHANDLED_TYPE); // RFC 1122 3.2.2.6 allows silence
                }
                // RFC 792: swap addresses, type 0, same identifier, sequence and data.
                Bytes.u8(seg, at, Icmpv4Message.ECHO_REPLY);
                if (frame == FramePool.NO_FRAME) {
                    nif.sendFragmented(seg, at, length, IpProtocol.ICMP, meta.destinationHi, meta.destinationLo,
                            meta.sourceHi, meta.sourceLo, 64, 0);
                    return Verdict.CONSUMED;
                }
                nif.pool.setData(frame, (int) (at - nif.pool.frameBase(frame)), length);
                nif.send(frame, IpProtocol.ICMP, meta.destinationHi, meta.destinationLo, meta.sourceHi, meta.sourceLo,
                        64, 0, false);
                return Verdict.KEPT;
            }
            case Icmpv4Message.ECHO_REPLY -> {
                nif.counters.echoReplyReceived();
                return Verdict.CONSUMED;
            }
            case Icmpv4Message.DESTINATION_UNREACHABLE, Icmpv4Message.TIME_EXCEEDED, Icmpv4Message.PARAMETER_PROBLEM -> {
                return icmpError(seg);
            }
            default -> { return Verdict.drop(DropReason.ICMP_UNHANDLED_TYPE); }
        }
    }

    /** RFC 1122 section 3.2.2.1: hand an error to the transport named in the quoted header. */
    private int icmpError(MemorySegment seg) {
        long q = icmp.bodyOffset();
        int qLength = icmp.bodyLength();
        if (qLength < 28) {
            return Verdict.drop(DropReason.ICMP_MALFORMED);
        }
        int vihl = Bytes.u8(seg, q);
        int ihl = (vihl & 0xF) * 4;
        if (vihl >>> 4 != 4 || ihl < 20 || qLength < ihl + 8) {
            return Verdict.drop(DropReason.ICMP_MALFORMED);
        }
        int qsrc = Bytes.i32(seg, q + Ipv4Packet.SOURCE);
        if (!nif.isLocalV4(qsrc)) {
            return Verdict.drop(DropReason.ICMP_MALFORMED); // not about a packet of ours
        }
        int protocol = Bytes.u8(seg, q + Ipv4Packet.PROTOCOL);
        TransportHandler handler = nif.handlers[protocol];
        if (handler == null) {
            return Verdict.drop(DropReason.ICMP_UNHANDLED_TYPE);
        }
        quoted.version = 4;
        quoted.sourceHi = 0;
        quoted.sourceLo = IpAddress.v4Lo(qsrc);
        quoted.destinationHi = 0;
        quoted.destinationLo = IpAddress.v4Lo(Bytes.i32(seg, q + Ipv4Packet.DESTINATION));
        quoted.ttl = Bytes.u8(seg, q + Ipv4Packet.TTL);
        quoted.trafficClass = Bytes.u8(seg, q + Ipv4Packet.TOS);
        quoted.multicastOrBroadcast = false;
        quoted.ipOffset = q;
        quoted.ipLength = qLength;
        int mtu = icmp.type() == Icmpv4Message.DESTINATION_UNREACHABLE && icmp.code() == Icmpv4Message.CODE_FRAGMENTATION_NEEDED
                ? icmp.nextHopMtu() : 0;
        handler.onIcmpError(4, icmp.type(), icmp.code(), mtu, seg, q + ihl, qLength - ihl, quoted, nif.now);
        return Verdict.CONSUMED;
    }

    private int igmp(MemorySegment seg, long at, int length) {
        if (!igmp.wrap(seg, at, length) || !igmp.checksumValid()) {
            return Verdict.drop(DropReason.IGMP_MALFORMED);
        }
        switch (igmp.type()) {
            case IgmpMessage.MEMBERSHIP_QUERY -> {
                // Max response time in tenths of a second; v3 codes >= 128 are floating point (RFC 3376 4.1.1).
                if (!igmp.isV3Query()) {
                    nif.heardIgmpV2Querier();
                }
                int code = igmp.maxResponseCode();
                long tenths = code < 128 || !igmp.isV3Query() ? code : (long) ((code & 0x0F) | 0x10) << (((code >> 4) & 0x07) + 3);
                nif.answerQuery(true, 0, IpAddress.v4Lo(igmp.group()), Math.max(1, tenths) * 100_000_000L);
                return Verdict.CONSUMED;
            }
            case IgmpMessage.V1_REPORT, IgmpMessage.V2_REPORT, IgmpMessage.V2_LEAVE, IgmpMessage.V3_REPORT -> {
                return Verdict.CONSUMED; // other members' reports: nothing for a host to do
            }
            default -> { return Verdict.drop(DropReason.IGMP_MALFORMED); }
        }
    }

    /** An ICMP error quoting the packet in {@link #meta}, rate limited (RFC 1812 section 4.3.2.8). */
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
        MemorySegment.copy(memory, meta.ipOffset, memory, at + Icmpv4Message.HEADER_LENGTH, quote);
        Icmpv4Message.emit(memory, at, type, code, 0, Icmpv4Message.HEADER_LENGTH + quote);
        nif.pool.setData(frame, nif.pool.dataOffset(frame), Icmpv4Message.HEADER_LENGTH + quote);
        nif.output4(frame, IpProtocol.ICMP, (int) meta.destinationLo, (int) meta.sourceLo, 64, 0xC0, false, false);
    }
}
