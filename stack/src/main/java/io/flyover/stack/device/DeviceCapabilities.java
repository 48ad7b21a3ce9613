package io.flyover.stack.device;

import java.util.Set;

/**
 * What a device offers: its Ethernet address, MTU, queue counts and offloads.
 *
 * @param mac the 48-bit MAC address in the low bits, first octet most significant
 * @param mtu the largest IP packet the link carries (1500 for standard Ethernet)
 */
public record DeviceCapabilities(long mac, int mtu, int rxQueues, int txQueues, Set<Offload> offloads) {

    public DeviceCapabilities {
        if ((mac & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("MAC has more than 48 bits: " + Long.toHexString(mac));
        }
        if (mtu < 576 || mtu > 65_535) {
            throw new IllegalArgumentException("MTU out of range: " + mtu);
        }
        if (rxQueues < 1 || txQueues < 1) {
            throw new IllegalArgumentException("a device has at least one queue each way");
        }
        offloads = Set.copyOf(offloads);
    }

    public boolean has(Offload offload) {
        return offloads.contains(offload);
    }

    /** Device offloads the stack can use. */
    public enum Offload {
        RX_IPV4_CHECKSUM,
        RX_L4_CHECKSUM,
        TX_IPV4_CHECKSUM,
        TX_L4_CHECKSUM
    }
}
