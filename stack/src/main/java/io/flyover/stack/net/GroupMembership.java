package io.flyover.stack.net;

/**
 * The multicast groups this interface listens to, with a count of sockets per group so that the first
 * join and the last leave are the ones reported (RFC 3376 section 5.1, RFC 3810 section 6.1).
 */
public final class GroupMembership {
    private final long[] hi;
    private final long[] lo;
    private final int[] refs;
    /** A pending report per group (RFC 3376 section 5, RFC 3810 section 6): type, due time, how many left. */
    private final int[] reportType;
    private final long[] reportAt;
    private final int[] reportsLeft;
    private int count;

    public GroupMembership(int capacity) {
        hi = new long[capacity];
        lo = new long[capacity];
        refs = new int[capacity];
        reportType = new int[capacity];
        reportAt = new long[capacity];
        reportsLeft = new int[capacity];
    }

    /** Adds a reference; true when this is the first (a report must go out). */
    public boolean join(long groupHi, long groupLo) {
        int i = indexOf(groupHi, groupLo);
        if (i >= 0) {
            refs[i]++;
            return false;
        }
        if (count == hi.length) {
            throw new IllegalStateException("too many multicast groups: " + count);
        }
        hi[count] = groupHi;
        lo[count] = groupLo;
        refs[count] = 1;
        reportsLeft[count] = 0;
        count++;
        return true;
    }

    /** Drops a reference; true when it was the last (a leave must go out). */
    public boolean leave(long groupHi, long groupLo) {
        int i = indexOf(groupHi, groupLo);
        if (i < 0) {
            return false;
        }
        if (--refs[i] > 0) {
            return false;
        }
        count--;
        hi[i] = hi[count];
        lo[i] = lo[count];
        refs[i] = refs[count];
        reportType[i] = reportType[count];
        reportAt[i] = reportAt[count];
        reportsLeft[i] = reportsLeft[count];
        return true;
    }

    public boolean contains(long groupHi, long groupLo) { return indexOf(groupHi, groupLo) >= 0; }

    /** Whether a multicast MAC maps from a joined group. */
    public boolean acceptsMac(long mac) {
        for (int i = 0; i < count; i++) {
            long m = IpAddress.isV4(hi[i], lo[i]) ? MacAddress.ofIpv4Multicast((int) lo[i]) : MacAddress.ofIpv6Multicast(lo[i]);
            if (m == mac) {
                return true;
            }
        }
        return false;
    }

    public int size() { return count; }
    public long groupHi(int i) { return hi[i]; }
    public long groupLo(int i) { return lo[i]; }

    /**
     * Schedules a report of {@code type} for group {@code i} at {@code at}, unless one is already due
     * sooner (RFC 3376 section 5.2 rule 3, RFC 3810 section 6.2).
     */
    public void schedule(int i, int type, long at, int count) {
        if (reportsLeft[i] > 0 && reportAt[i] - at <= 0) {
            return;
        }
        reportType[i] = type;
        reportAt[i] = at;
        reportsLeft[i] = count;
    }

    public int reportsLeft(int i) { return reportsLeft[i]; }
    public long reportAt(int i) { return reportAt[i]; }
    public int reportType(int i) { return reportType[i]; }

    /** Marks one scheduled report of group {@code i} sent; the next (if any) is due at {@code next}. */
    public void reported(int i, long next) {
        reportsLeft[i]--;
        reportAt[i] = next;
    }

    private int indexOf(long groupHi, long groupLo) {
        for (int i = 0; i < count; i++) {
            if (hi[i] == groupHi && lo[i] == groupLo) {
                return i;
            }
        }
        return -1;
    }
}
