package io.flyover.stack.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as two longs: IPv6 in network order (high, low), IPv4 as the IPv4-mapped
 * IPv6 address {@code ::ffff:a.b.c.d} (RFC 4291 section 2.5.5.2). On the data path the stack passes the
 * two longs themselves, so no object is created per packet; this record is the API form.
 */
public record IpAddress(long hi, long lo) {
    public static final long V4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;
    public static final IpAddress ANY_V4 = ofV4(0);
    public static final IpAddress ANY_V6 = new IpAddress(0, 0);
    public static final IpAddress LOOPBACK_V4 = ofV4(0x7F00_0001);
    public static final IpAddress LOOPBACK_V6 = new IpAddress(0, 1);

    public static IpAddress ofV4(int address) {
        return new IpAddress(0, v4Lo(address));
    }

    /** Parses a literal ("198.18.0.1", "fd00::1"); never does a name lookup. */
    public static IpAddress parse(String literal) {
        InetAddress a = InetAddress.ofLiteral(literal);
        return of(a);
    }

    public static IpAddress of(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return ofV4(((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF));
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xFF);
            lo = (lo << 8) | (b[i + 8] & 0xFF);
        }
        return new IpAddress(hi, lo);
    }

    public InetAddress toInetAddress() {
        try {
            if (isV4()) {
                int v = v4();
                return Inet4Address.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[i + 8] = (byte) (lo >>> (56 - 8 * i));
            }
            return Inet6Address.getByAddress(null, b, null);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public boolean isV4() { return isV4(hi, lo); }
    public int v4() { return (int) lo; }
    public boolean isMulticast() { return isMulticast(hi, lo); }
    public boolean isUnspecified() { return isUnspecified(hi, lo); }
    public boolean isLoopback() { return isLoopback(hi, lo); }

    @Override
    public String toString() {
        return toInetAddress().getHostAddress();
    }

    // --- allocation-free helpers on the two-long form ---

    public static long v4Lo(int address) { return V4_MAPPED_PREFIX | (address & 0xFFFF_FFFFL); }
    public static boolean isV4(long hi, long lo) { return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == V4_MAPPED_PREFIX; }
    public static boolean isMulticast(long hi, long lo) {
        return isV4(hi, lo) ? (((int) lo) >>> 28) == 0xE : (hi >>> 56) == 0xFF;
    }
    public static boolean isUnspecified(long hi, long lo) {
        return (hi == 0 && lo == 0) || (hi == 0 && lo == V4_MAPPED_PREFIX);
    }
    /** 127.0.0.0/8 (RFC 1122 section 3.2.1.3 (g)) or ::1 (RFC 4291 section 2.5.3). */
    public static boolean isLoopback(long hi, long lo) {
        return isV4(hi, lo) ? isLoopbackV4((int) lo) : isLoopbackV6(hi, lo);
    }
    public static boolean isLoopbackV4(int address) { return (address >>> 24) == 127; }
    public static boolean isLoopbackV6(long hi, long lo) { return hi == 0 && lo == 1; }
    public static boolean isLinkLocalV6(long hi) { return (hi & 0xFFC0_0000_0000_0000L) == 0xFE80_0000_0000_0000L; }

    /** True when the first {@code prefixLength} bits (of the IPv6 or the mapped form) agree. */
    public static boolean samePrefix(long aHi, long aLo, long bHi, long bLo, int prefixLength128) {
        if (prefixLength128 <= 0) {
            return true;
        }
        if (prefixLength128 <= 64) {
            long mask = prefixLength128 == 64 ? -1L : ~(-1L >>> prefixLength128);
            return ((aHi ^ bHi) & mask) == 0;
        }
        if (aHi != bHi) {
            return false;
        }
        int n = prefixLength128 - 64;
        long mask = n >= 64 ? -1L : ~(-1L >>> n);
        return ((aLo ^ bLo) & mask) == 0;
    }
}
