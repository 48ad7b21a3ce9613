package io.flyover.provider.policy;

import java.net.InetAddress;

/**
 * One line of the offload rules: for sockets of {@code role} whose address lies in
 * {@code network/prefixLength} and whose port lies in {@code [firstPort, lastPort]}, take {@code path}.
 *
 * @param network null for any address of either family
 */
public record OffloadRule(OffloadPath path, SocketRole role, InetAddress network, int prefixLength, int firstPort, int lastPort,
        String source) {

    public OffloadRule {
        if (firstPort < 0 || lastPort > 65_535 || firstPort > lastPort) {
            throw new IllegalArgumentException("bad port range " + firstPort + "-" + lastPort);
        }
        if (network != null && (prefixLength < 0 || prefixLength > network.getAddress().length * 8)) {
            throw new IllegalArgumentException("bad prefix length " + prefixLength + " for " + network.getHostAddress());
        }
    }

    public boolean matches(SocketRole socketRole, InetAddress address, int port) {
        if (socketRole != role || port < firstPort || port > lastPort) {
            return false;
        }
        return network == null || AddressPrefix.matches(network.getAddress(), prefixLength, address.getAddress());
    }
}
