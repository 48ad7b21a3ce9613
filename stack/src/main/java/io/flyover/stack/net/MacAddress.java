package io.flyover.stack.net;

/** MAC addresses as the low 48 bits of a long, and the multicast mappings of RFC 1112 and RFC 2464. */
public final class MacAddress {
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private MacAddress() {}

    /** RFC 1112 section 6.4: 01:00:5e plus the low 23 bits of the group. */
    public static long ofIpv4Multicast(int group) {
        return 0x0100_5E00_0000L | (group & 0x7F_FFFFL);
    }

    /** RFC 2464 section 7: 33:33 plus the low 32 bits of the group. */
    public static long ofIpv6Multicast(long groupLo) {
        return 0x3333_0000_0000L | (groupLo & 0xFFFF_FFFFL);
    }

    public static long parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        long mac = 0;
        for (String p : parts) {
            mac = (mac << 8) | Integer.parseInt(p, 16);
        }
        return mac;
    }

    public static String format(long mac) {
        StringBuilder b = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            int octet = (int) (mac >>> (8 * i)) & 0xFF;
            b.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (i > 0) {
                b.append(':');
            }
        }
        return b.toString();
    }

    /** The modified EUI-64 interface identifier (RFC 4291 appendix A) for a link-local address. */
    public static long interfaceId(long mac) {
        long upper = (mac >>> 24) & 0xFF_FFFFL;
        long lower = mac & 0xFF_FFFFL;
        return ((upper << 40) | (0xFFFEL << 24) | lower) ^ 0x0200_0000_0000_0000L;
    }
}
