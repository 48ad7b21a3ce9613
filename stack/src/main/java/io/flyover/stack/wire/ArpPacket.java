package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/** Flyweight view of an ARP packet for IPv4 over Ethernet (RFC 826), and its writer. */
public final class ArpPacket {
    public static final int HARDWARE_TYPE = 0;
    public static final int PROTOCOL_TYPE = 2;
    public static final int HARDWARE_LENGTH = 4;
    public static final int PROTOCOL_LENGTH = 5;
    public static final int OPERATION = 6;
    public static final int SENDER_MAC = 8;
    public static final int SENDER_IP = 14;
    public static final int TARGET_MAC = 18;
    public static final int TARGET_IP = 24;
    public static final int LENGTH = 28;

    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    private MemorySegment segment;
    private long base;

    /** False unless the packet is long enough and is Ethernet (1) / IPv4 (0x0800) with lengths 6 and 4. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        return length >= LENGTH
                && Bytes.u16(segment, offset + HARDWARE_TYPE) == 1
                && Bytes.u16(segment, offset + PROTOCOL_TYPE) == EtherType.IPV4
                && Bytes.u8(segment, offset + HARDWARE_LENGTH) == 6
                && Bytes.u8(segment, offset + PROTOCOL_LENGTH) == 4;
    }

    public int operation() { return Bytes.u16(segment, base + OPERATION); }
    public long senderMac() { return Bytes.mac(segment, base + SENDER_MAC); }
    public int senderIp() { return Bytes.i32(segment, base + SENDER_IP); }
    public long targetMac() { return Bytes.mac(segment, base + TARGET_MAC); }
    public int targetIp() { return Bytes.i32(segment, base + TARGET_IP); }

    /** Writes a complete ARP packet; returns {@link #LENGTH}. */
    public static int emit(MemorySegment s, long offset, int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        Bytes.u16(s, offset + HARDWARE_TYPE, 1);
        Bytes.u16(s, offset + PROTOCOL_TYPE, EtherType.IPV4);
        Bytes.u8(s, offset + HARDWARE_LENGTH, 6);
        Bytes.u8(s, offset + PROTOCOL_LENGTH, 4);
        Bytes.u16(s, offset + OPERATION, operation);
        Bytes.mac(s, offset + SENDER_MAC, senderMac);
        Bytes.i32(s, offset + SENDER_IP, senderIp);
        Bytes.mac(s, offset + TARGET_MAC, targetMac);
        Bytes.i32(s, offset + TARGET_IP, targetIp);
        return LENGTH;
    }
}
