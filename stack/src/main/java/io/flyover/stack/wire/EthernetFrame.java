package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight view of an Ethernet II frame with up to two 802.1Q / 802.1ad tags (IEEE 802.1Q section 9).
 * {@link #wrap} performs the one length check; afterwards no accessor can fail.
 */
public final class EthernetFrame {
    // Field offsets (untagged frame).
    public static final int DESTINATION = 0;
    public static final int SOURCE = 6;
    public static final int TYPE = 12;
    public static final int HEADER_LENGTH = 14;
    public static final int TAG_LENGTH = 4;
    public static final int MAX_TAGS = 2;
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private MemorySegment segment;
    private long base;
    private int length;
    private int headerLength;
    private int etherType;
    private int tags;
    private int outerTci;

    /** Binds the view; false when the frame is shorter than its header (including tags it announces). */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        this.length = length;
        if (length < HEADER_LENGTH) {
            return false;
        }
        int at = TYPE;
        int type = Bytes.u16(segment, offset + at);
        int n = 0;
        int tci = 0;
        while (type == EtherType.VLAN || type == EtherType.QINQ) {
            if (n == MAX_TAGS || length < at + TAG_LENGTH + 2) {
                return false;
            }
            if (n == 0) {
                tci = Bytes.u16(segment, offset + at + 2);
            }
            at += TAG_LENGTH;
            type = Bytes.u16(segment, offset + at);
            n++;
        }
        this.tags = n;
        this.outerTci = tci;
        this.etherType = type;
        this.headerLength = at + 2;
        return true;
    }

    public long destination() { return Bytes.mac(segment, base + DESTINATION); }
    public long source() { return Bytes.mac(segment, base + SOURCE); }
    /** The EtherType after any VLAN tags. */
    public int etherType() { return etherType; }
    public int tagCount() { return tags; }
    /** VLAN id of the outer tag, or -1 when untagged. */
    public int vlanId() { return tags == 0 ? -1 : outerTci & 0x0FFF; }
    public int vlanPriority() { return tags == 0 ? 0 : outerTci >>> 13; }
    public int headerLength() { return headerLength; }
    public long payloadOffset() { return base + headerLength; }
    public int payloadLength() { return length - headerLength; }

    public static boolean isMulticast(long mac) { return (mac & 0x0100_0000_0000L) != 0; }
}
