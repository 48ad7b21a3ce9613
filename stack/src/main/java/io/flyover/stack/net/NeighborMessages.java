package io.flyover.stack.net;

import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.Icmpv6Message;
import java.lang.foreign.MemorySegment;

/** Builders for neighbour solicitations and advertisements (RFC 4861 sections 4.3, 4.4); checksum left zero. */
final class NeighborMessages {
    static final int LENGTH = 32;

    private NeighborMessages() {}

    static int emitSolicitation(MemorySegment s, long at, long targetHi, long targetLo, long mac) {
        Icmpv6Message.emit(s, at, Icmpv6Message.NEIGHBOR_SOLICITATION, 0, 0);
        Bytes.i64(s, at + Icmpv6Message.ND_TARGET, targetHi);
        Bytes.i64(s, at + Icmpv6Message.ND_TARGET + 8, targetLo);
        Bytes.u8(s, at + 24, Icmpv6Message.OPT_SOURCE_LINK_ADDRESS);
        Bytes.u8(s, at + 25, 1);
        Bytes.mac(s, at + 26, mac);
        return LENGTH;
    }

    static int emitAdvertisement(MemorySegment s, long at, long targetHi, long targetLo, long mac, boolean solicited) {
        int flags = Icmpv6Message.NA_FLAG_OVERRIDE | (solicited ? Icmpv6Message.NA_FLAG_SOLICITED : 0);
        Icmpv6Message.emit(s, at, Icmpv6Message.NEIGHBOR_ADVERTISEMENT, 0, flags);
        Bytes.i64(s, at + Icmpv6Message.ND_TARGET, targetHi);
        Bytes.i64(s, at + Icmpv6Message.ND_TARGET + 8, targetLo);
        Bytes.u8(s, at + 24, Icmpv6Message.OPT_TARGET_LINK_ADDRESS);
        Bytes.u8(s, at + 25, 1);
        Bytes.mac(s, at + 26, mac);
        return LENGTH;
    }
}
