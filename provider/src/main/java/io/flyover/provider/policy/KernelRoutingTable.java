package io.flyover.provider.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of the kernel's main routing table, read from {@code /proc/net/route} and
 * {@code /proc/net/ipv6_route}, answering "which interface would the kernel send this to?"
 * (longest prefix, then lowest metric), as XLIO's and Onload's control planes do before offloading.
 *
 * <p>Loopback destinations are answered with the loopback interface without consulting the table:
 * Linux routes them through its {@code local} table, which these files do not show.
 */
public final class KernelRoutingTable {
    /** What {@link #lookup} answers for 127.0.0.0/8 and ::1. */
    public static final String LOOPBACK_INTERFACE = "lo";

    private static final int RTF_UP = 0x0001;
    private static final int RTF_REJECT = 0x0200;

    private final List<KernelRoute> routes;

    public KernelRoutingTable(List<KernelRoute> routes) {
        this.routes = List.copyOf(routes);
    }

    /** Reads the running kernel's table; a missing file (not Linux, no IPv6) contributes no routes. */
    public static KernelRoutingTable readSystem() {
        return read(Path.of("/proc/net/route"), Path.of("/proc/net/ipv6_route"));
    }

    static KernelRoutingTable read(Path ipv4, Path ipv6) {
        return parse(readLines(ipv4), readLines(ipv6));
    }

    /** A table from the text of {@code /proc/net/route} and {@code /proc/net/ipv6_route}. */
    static KernelRoutingTable parse(List<String> ipv4Lines, List<String> ipv6Lines) {
        List<KernelRoute> routes = new ArrayList<>(parseIpv4(ipv4Lines));
        routes.addAll(parseIpv6(ipv6Lines));
        return new KernelRoutingTable(routes);
    }

    public List<KernelRoute> routes() {
        return routes;
    }

    /** The outgoing interface for {@code destination}, or empty when no route leads there. */
    public Optional<String> lookup(InetAddress destination) {
        if (destination.isLoopbackAddress()) {
            return Optional.of(LOOPBACK_INTERFACE);
        }
        return bestRoute(destination).map(KernelRoute::interfaceName);
    }

    /** The route the kernel would choose for {@code destination}: longest prefix, then lowest metric. */
    public Optional<KernelRoute> bestRoute(InetAddress destination) {
        KernelRoute best = null;
        for (KernelRoute r : routes) {
            if (!r.matches(destination)) {
                continue;
            }
            if (best == null || r.prefixLength() > best.prefixLength()
                    || (r.prefixLength() == best.prefixLength() && r.metric() < best.metric())) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * {@code /proc/net/route}: a header line, then {@code Iface Destination Gateway Flags RefCnt Use
     * Metric Mask MTU Window IRTT}, addresses as 8 hex digits in the kernel's (little-endian) byte order.
     */
    static List<KernelRoute> parseIpv4(List<String> lines) {
        List<KernelRoute> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length < 8) {
                continue;
            }
            try {
                int flags = Integer.parseInt(f[3], 16);
                if ((flags & RTF_UP) == 0 || (flags & RTF_REJECT) != 0) {
                    continue;
                }
                InetAddress destination = ipv4(f[1]);
                InetAddress gateway = ipv4(f[2]);
                int prefix = Integer.bitCount(Integer.reverseBytes((int) Long.parseLong(f[7], 16)));
                out.add(new KernelRoute(destination, prefix, gateway.isAnyLocalAddress() ? null : gateway,
                        Integer.parseInt(f[6]), f[0]));
            } catch (IllegalArgumentException e) {
                // A line this parser does not understand is not a route it can use; skip it.
            }
        }
        return out;
    }

    /**
     * {@code /proc/net/ipv6_route}: {@code dest plen src splen nexthop metric refcnt use flags iface},
     * all hex, addresses as 32 digits in network order.
     */
    static List<KernelRoute> parseIpv6(List<String> lines) {
        List<KernelRoute> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            try {
                int flags = (int) Long.parseLong(f[8], 16);
                if ((flags & RTF_UP) == 0 || (flags & RTF_REJECT) != 0 || f[9].equals(LOOPBACK_INTERFACE)) {
                    continue; // loopback-device entries are the local addresses and unreachable routes
                }
                InetAddress gateway = ipv6(f[4]);
                out.add(new KernelRoute(ipv6(f[0]), Integer.parseInt(f[1], 16),
                        gateway.isAnyLocalAddress() ? null : gateway, (int) Long.parseLong(f[5], 16), f[9]));
            } catch (IllegalArgumentException e) {
                // skip, as above
            }
        }
        return out;
    }

    private static InetAddress ipv4(String littleEndianHex) {
        int v = Integer.reverseBytes((int) Long.parseLong(littleEndianHex, 16));
        return address(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }

    private static InetAddress ipv6(String hex) {
        if (hex.length() != 32) {
            throw new IllegalArgumentException("IPv6 address needs 32 hex digits: " + hex);
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) Integer.parseInt(hex, 2 * i, 2 * i + 2, 16);
        }
        return address(b);
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kernel routing table from " + file, e);
        }
    }
}
