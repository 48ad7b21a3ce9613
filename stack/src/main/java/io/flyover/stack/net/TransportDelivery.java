package io.flyover.stack.net;

import io.flyover.stack.DropReason;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.Checksum;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.UdpDatagram;
import java.lang.foreign.MemorySegment;

/**
 * What IPv4 and IPv6 input share once the IP header is accepted: the UDP and TCP length and checksum
 * checks (RFC 768, RFC 9293 section 3.1), the hand-over to the registered transport, and the port
 * unreachable for a UDP datagram nobody wanted (RFC 1122 section 4.1.3.1, RFC 4443 section 3.1).
 */
final class TransportDelivery {

    /** The parts that depend on the IP version. */
    interface IpVersion {
        /** The pseudo-header's checksum contribution for {@code protocol} and an upper-layer length. */
        long pseudoHeader(int protocol, int l4Length);

        /** Whether a UDP checksum of zero (none sent) is acceptable: in IPv4 yes, in IPv6 no (RFC 8200 section 8.1). */
        boolean udpChecksumOptional();

        /** Sends ICMP or ICMPv6 port unreachable quoting the packet being handled. */
        void sendPortUnreachable();
    }

    private TransportDelivery() {}

    /** Checks and delivers a UDP, TCP or other transport payload; returns a {@code Verdict}. */
    static int deliver(NetInterface nif, IpMeta meta, IpVersion ip, int frame, MemorySegment seg, long at, int length, int protocol) {
        switch (protocol) {
            case IpProtocol.UDP -> {
                if (length < UdpDatagram.HEADER_LENGTH || Bytes.u16(seg, at + 4) < UdpDatagram.HEADER_LENGTH
                        || Bytes.u16(seg, at + 4) > length) {
                    return Verdict.drop(DropReason.UDP_MALFORMED);
                }
                int udpLength = Bytes.u16(seg, at + 4);
                if (Bytes.u16(seg, at + 6) == 0) {
                    if (!ip.udpChecksumOptional()) {
                        return Verdict.drop(DropReason.UDP_ZERO_CHECKSUM_V6);
                    }
                } else if (!nif.rxL4ChecksumGood(frame)
                        && !Checksum.verifies(Checksum.add(ip.pseudoHeader(IpProtocol.UDP, udpLength), seg, at, udpLength))) {
                    return Verdict.drop(DropReason.UDP_BAD_CHECKSUM);
                }
            }
            case IpProtocol.TCP -> {
                if (length < 20) {
                    return Verdict.drop(DropReason.TCP_MALFORMED);
                }
                if (meta.multicastOrBroadcast) {
                    return Verdict.drop(DropReason.IP_NOT_FOR_US); // RFC 9293 section 3.9.2: no TCP to broadcast
                }
                if (!nif.rxL4ChecksumGood(frame)
                        && !Checksum.verifies(Checksum.add(ip.pseudoHeader(IpProtocol.TCP, length), seg, at, length))) {
                    return Verdict.drop(DropReason.TCP_BAD_CHECKSUM);
                }
            }
            default -> { }
        }
        if (meta.multicastOrBroadcast
                && nif.groups.filtersOut(meta.destinationHi, meta.destinationLo, meta.sourceHi, meta.sourceLo)) {
            return Verdict.drop(DropReason.IP_SOURCE_FILTERED);
        }
        TransportHandler handler = nif.handlers[protocol];
        if (handler == null) {
            return Verdict.drop(protocol == IpProtocol.TCP ? DropReason.TCP_NO_SOCKET : DropReason.IP_UNKNOWN_PROTOCOL);
        }
        int v = handler.onSegment(frame, seg, at, length, meta, nif.now);
        if (v == DropReason.UDP_NO_SOCKET.ordinal() && !meta.multicastOrBroadcast && meta.ipOffset >= 0) {
            ip.sendPortUnreachable();
        }
        return v;
    }
}
