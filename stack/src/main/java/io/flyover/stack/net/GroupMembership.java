package io.flyover.stack.net;

/**
 * The multicast groups this interface listens to, with a count of sockets per group so that the first
 * join and the last leave are the ones reported (RFC 3376 section 5.1, RFC 3810 section 6.1).
 */
public final class GroupMembership {
    private final long[] hi;
    private final long[] lo;
    private final int[] refs;
    private int count;

    public GroupMembership(int capacity) {
        hi = new long[capacity];
        lo = new long[capacity];
        refs = new int[capacity];
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

    private int indexOf(long groupHi, long groupLo) {
        for (int i = 0; i < count; i++) {
            if (hi[i] == groupHi && lo[i] == groupLo) {
                return i;
            }
        }
        return -1;
    }
}
