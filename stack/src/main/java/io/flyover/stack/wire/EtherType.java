package io.flyover.stack.wire;

/** EtherType values the stack speaks (IEEE 802 numbers). */
public final class EtherType {
    public static final int IPV4 = 0x0800;
    public static final int ARP = 0x0806;
    public static final int VLAN = 0x8100;
    public static final int QINQ = 0x88A8;
    public static final int IPV6 = 0x86DD;

    private EtherType() {}
}
