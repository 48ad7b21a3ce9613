package io.flyover.stack.device;

import java.util.Arrays;
import java.util.Objects;

/**
 * Traffic a stack wants steered to it by a device with hardware filters (ibverbs flow steering):
 * a local address and port for a protocol, optionally a remote end, or a multicast group.
 * A {@code null} address or a port of 0 matches anything.
 *
 * @param ipProtocol 6 (TCP) or 17 (UDP)
 * @param localAddress 4 or 16 bytes, or null
 * @param remoteAddress 4 or 16 bytes, or null
 */
public record FlowRule(int ipProtocol, byte[] localAddress, int localPort, byte[] remoteAddress, int remotePort) {

    public FlowRule {
        if (ipProtocol != 6 && ipProtocol != 17) {
            throw new IllegalArgumentException("flow rules steer TCP (6) or UDP (17), not " + ipProtocol);
        }
        localAddress = checkedCopy(localAddress);
        remoteAddress = checkedCopy(remoteAddress);
        if (localPort < 0 || localPort > 65_535 || remotePort < 0 || remotePort > 65_535) {
            throw new IllegalArgumentException("port out of range");
        }
    }

    private static byte[] checkedCopy(byte[] address) {
        if (address == null) {
            return null;
        }
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("address must have 4 or 16 bytes, not " + address.length);
        }
        return address.clone();
    }

    @Override
    public byte[] localAddress() { return localAddress == null ? null : localAddress.clone(); }

    /** Whether the rule matches any local address: none given, or 0.0.0.0 or :: given. */
    public boolean localIsAnyAddress() {
        return localAddress == null || isAllZero(localAddress);
    }

    /** Whether the local address is a multicast group (224.0.0.0/4, ff00::/8): the rule is a group membership. */
    public boolean localIsMulticast() {
        return localAddress != null && isMulticast(localAddress);
    }

    /** Whether {@code address} (4 or 16 bytes) is a multicast group. */
    public static boolean isMulticast(byte[] address) {
        return address.length == 4 ? (address[0] & 0xF0) == 0xE0 : (address[0] & 0xFF) == 0xFF;
    }

    /** Whether every byte of {@code address} is zero (the unspecified address). */
    public static boolean isAllZero(byte[] address) {
        for (byte b : address) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public byte[] remoteAddress() { return remoteAddress == null ? null : remoteAddress.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowRule r && ipProtocol == r.ipProtocol && localPort == r.localPort
                && remotePort == r.remotePort && Arrays.equals(localAddress, r.localAddress)
                && Arrays.equals(remoteAddress, r.remoteAddress);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ipProtocol, localPort, remotePort, Arrays.hashCode(localAddress), Arrays.hashCode(remoteAddress));
    }

    @Override
    public String toString() {
        return "FlowRule[proto=" + ipProtocol + " local=" + Arrays.toString(localAddress) + ":" + localPort
                + " remote=" + Arrays.toString(remoteAddress) + ":" + remotePort + "]";
    }
}
