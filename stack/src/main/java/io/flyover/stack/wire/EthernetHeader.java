package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/** Value form of an Ethernet header for writing, optionally with one 802.1Q tag. Reusable. */
public final class EthernetHeader {
    public long destination;
    public long source;
    public int etherType;
    /** 0 for untagged, otherwise the VLAN id (1..4094). */
    public int vlanId;
    public int vlanPriority;

    public EthernetHeader set(long destination, long source, int etherType) {
        this.destination = destination;
        this.source = source;
        this.etherType = etherType;
        return this;
    }

    public int length() { return vlanId == 0 ? EthernetFrame.HEADER_LENGTH : EthernetFrame.HEADER_LENGTH + EthernetFrame.TAG_LENGTH; }

    /** Writes the header at {@code offset}; returns its length. */
    public int emit(MemorySegment s, long offset) {
        Bytes.mac(s, offset + EthernetFrame.DESTINATION, destination);
        Bytes.mac(s, offset + EthernetFrame.SOURCE, source);
        if (vlanId == 0) {
            Bytes.u16(s, offset + EthernetFrame.TYPE, etherType);
            return EthernetFrame.HEADER_LENGTH;
        }
        Bytes.u16(s, offset + EthernetFrame.TYPE, EtherType.VLAN);
        Bytes.u16(s, offset + EthernetFrame.TYPE + 2, (vlanPriority << 13) | (vlanId & 0x0FFF));
        Bytes.u16(s, offset + EthernetFrame.TYPE + 4, etherType);
        return EthernetFrame.HEADER_LENGTH + EthernetFrame.TAG_LENGTH;
    }
}
