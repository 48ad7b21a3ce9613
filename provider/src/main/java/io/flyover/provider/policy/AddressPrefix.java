package io.flyover.provider.policy;

/** Prefix comparison of raw IPv4 or IPv6 addresses. */
final class AddressPrefix {
    private AddressPrefix() {}

    /** Whether the first {@code prefixLength} bits of {@code network} and {@code address} agree. */
    static boolean matches(byte[] network, int prefixLength, byte[] address) {
        if (network.length != address.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (network[i] != address[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (network[full] & mask) == (address[full] & mask);
    }
}
