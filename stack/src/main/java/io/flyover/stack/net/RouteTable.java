package io.flyover.stack.net;

/**
 * A small routing table of connected and gateway routes, longest prefix first (RFC 1812 section
 * 5.2.4.3). Prefixes are kept in the two-long address form with 128-bit prefix lengths (IPv4 routes
 * add 96 for the mapped prefix). Lookups scan a short array and allocate nothing.
 */
public final class RouteTable {
    private final long[] prefixHi;
    private final long[] prefixLo;
    private final int[] prefixLength;
    private final long[] gatewayHi;
    private final long[] gatewayLo;
    private final boolean[] hasGateway;
    private int count;
    private long nextHopHi;
    private long nextHopLo;

    public RouteTable(int capacity) {
        prefixHi = new long[capacity];
        prefixLo = new long[capacity];
        prefixLength = new int[capacity];
        gatewayHi = new long[capacity];
        gatewayLo = new long[capacity];
        hasGateway = new boolean[capacity];
    }

    /** A directly connected prefix: destinations in it are resolved on the link. */
    public void addConnected(IpAddress prefix, int length) {
        add(prefix, length, null);
    }

    /** A route through {@code gateway}; a length of 0 makes it the default route. */
    public void addGateway(IpAddress prefix, int length, IpAddress gateway) {
        add(prefix, length, gateway);
    }

    private void add(IpAddress prefix, int length, IpAddress gateway) {
        int bits = prefix.isV4() ? length + 96 : length;
        if (length < 0 || bits > 128 || (prefix.isV4() && length > 32)) {
            throw new IllegalArgumentException("bad prefix length " + length);
        }
        if (count == prefixHi.length) {
            throw new IllegalStateException("routing table full");
        }
        // Keep sorted by decreasing length so that the first match is the longest.
        int at = count;
        while (at > 0 && prefixLength[at - 1] < bits) {
            prefixHi[at] = prefixHi[at - 1];
            prefixLo[at] = prefixLo[at - 1];
            prefixLength[at] = prefixLength[at - 1];
            gatewayHi[at] = gatewayHi[at - 1];
            gatewayLo[at] = gatewayLo[at - 1];
            hasGateway[at] = hasGateway[at - 1];
            at--;
        }
        prefixHi[at] = prefix.hi();
        prefixLo[at] = prefix.lo();
        prefixLength[at] = bits;
        hasGateway[at] = gateway != null;
        gatewayHi[at] = gateway == null ? 0 : gateway.hi();
        gatewayLo[at] = gateway == null ? 0 : gateway.lo();
        count++;
    }

    /** Removes every route through {@code gateway} (a router that went away). */
    public void removeGateway(IpAddress gateway) {
        int w = 0;
        for (int r = 0; r < count; r++) {
            if (!(hasGateway[r] && gatewayHi[r] == gateway.hi() && gatewayLo[r] == gateway.lo())) {
                prefixHi[w] = prefixHi[r];
                prefixLo[w] = prefixLo[r];
                prefixLength[w] = prefixLength[r];
                gatewayHi[w] = gatewayHi[r];
                gatewayLo[w] = gatewayLo[r];
                hasGateway[w] = hasGateway[r];
                w++;
            }
        }
        count = w;
    }

    public boolean hasDefaultV6() {
        for (int r = 0; r < count; r++) {
            if (prefixLength[r] == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Looks up the next hop; afterwards {@link #nextHopHi()}/{@link #nextHopLo()} hold the gateway, or
     * the destination itself on a connected route. False when no route matches.
     */
    public boolean lookup(long hi, long lo) {
        boolean v4 = IpAddress.isV4(hi, lo);
        for (int r = 0; r < count; r++) {
            boolean routeV4 = IpAddress.isV4(prefixHi[r], prefixLo[r]) && prefixLength[r] >= 96;
            if (routeV4 != v4) {
                continue;
            }
            if (IpAddress.samePrefix(hi, lo, prefixHi[r], prefixLo[r], prefixLength[r])) {
                if (hasGateway[r]) {
                    nextHopHi = gatewayHi[r];
                    nextHopLo = gatewayLo[r];
                } else {
                    nextHopHi = hi;
                    nextHopLo = lo;
                }
                return true;
            }
        }
        return false;
    }

    public long nextHopHi() { return nextHopHi; }
    public long nextHopLo() { return nextHopLo; }
    public int size() { return count; }
}
