package io.flyover.provider.policy;

import java.net.InetAddress;

/**
 * One route of the kernel's main routing table, as {@code /proc/net/route} and
 * {@code /proc/net/ipv6_route} list it.
 *
 * @param destination the network (IPv4 or IPv6)
 * @param prefixLength bits of {@code destination} that must match
 * @param gateway the next hop, or null for a directly connected network
 * @param metric lower wins between routes of equal prefix length
 * @param interfaceName the outgoing interface
 */
public record KernelRoute(InetAddress destination, int prefixLength, InetAddress gateway, int metric, String interfaceName) {

    public KernelRoute {
        int bits = destination.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " for a " + bits + "-bit address");
        }
    }

    /** Whether {@code address} (of the same family) lies in this route's network. */
    public boolean matches(InetAddress address) {
        return AddressPrefix.matches(destination.getAddress(), prefixLength, address.getAddress());
    }
}
