package io.flyover.stack.buffer;

/** Bits of {@link FramePool#flags(int)}: what a frame asks of the device, and what the device did. */
public final class FrameFlags {
    /** Transmit: the device should compute the IPv4 header checksum. */
    public static final int TX_IPV4_CHECKSUM = 1;
    /** Transmit: the device should compute the TCP/UDP checksum (pseudo-header seeded by the stack). */
    public static final int TX_L4_CHECKSUM = 1 << 1;
    /** Receive: the device verified the IP header checksum. */
    public static final int RX_IP_CHECKSUM_GOOD = 1 << 8;
    /** Receive: the device verified the TCP/UDP checksum. */
    public static final int RX_L4_CHECKSUM_GOOD = 1 << 9;

    private FrameFlags() {}
}
