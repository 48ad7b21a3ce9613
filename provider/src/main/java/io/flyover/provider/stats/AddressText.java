package io.flyover.provider.stats;

import io.flyover.stack.net.IpAddress;

/**
 * Addresses in the stack's two-long form ({@link IpAddress}) as text for statistics and events:
 * dotted IPv4 for IPv4-mapped addresses, RFC 5952 for IPv6 ({@code fd00::1}, never
 * {@code fd00:0:0:0:0:0:0:1}), and {@code [v6]:port} endpoints.
 */
public final class AddressText {
    private AddressText() {}

    /** {@code 198.18.0.1} or {@code fd00::1}. */
    public static String address(long hi, long lo) {
        if (IpAddress.isV4(hi, lo)) {
            int v4 = (int) lo;
            return (v4 >>> 24) + "." + ((v4 >>> 16) & 0xFF) + "." + ((v4 >>> 8) & 0xFF) + "." + (v4 & 0xFF);
        }
        return ipv6(hi, lo);
    }

    /** {@code 198.18.0.1:80} or {@code [fd00::1]:80}. */
    public static String endpoint(long hi, long lo, int port) {
        return IpAddress.isV4(hi, lo) ? address(hi, lo) + ":" + port : "[" + ipv6(hi, lo) + "]:" + port;
    }

    /** RFC 5952 section 4: lower-case hex, no leading zeros, the first longest run of two or more zero groups as "::". */
    static String ipv6(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!b.isEmpty() && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }
}
