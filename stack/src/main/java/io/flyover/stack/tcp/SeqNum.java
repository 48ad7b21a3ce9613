package io.flyover.stack.tcp;

/**
 * Modulo-2^32 sequence-number arithmetic (RFC 9293 §3.4, serial-number comparison of RFC 1982 §3.2).
 * Sequence numbers travel as {@code int}; {@code a} is "less than" {@code b} when {@code b - a},
 * computed modulo 2^32 and read as signed, is positive. The comparison is only meaningful for numbers
 * less than 2^31 apart, which windows (at most 2^30, RFC 7323 §2.3) guarantee.
 */
public final class SeqNum {
    private SeqNum() {}

    public static boolean lt(int a, int b) { return a - b < 0; }
    public static boolean le(int a, int b) { return a - b <= 0; }
    public static boolean gt(int a, int b) { return a - b > 0; }
    public static boolean ge(int a, int b) { return a - b >= 0; }

    /** {@code b - a} as a signed distance. */
    public static int diff(int b, int a) { return b - a; }

    /** {@code lo <= x < hi}, modulo 2^32. */
    public static boolean inRange(int x, int lo, int hi) { return x - lo >= 0 && x - hi < 0; }

    /** {@code lo <= x <= hi}, modulo 2^32. */
    public static boolean inClosedRange(int x, int lo, int hi) { return x - lo >= 0 && x - hi <= 0; }

    public static int max(int a, int b) { return gt(a, b) ? a : b; }
    public static int min(int a, int b) { return lt(a, b) ? a : b; }
}
