package io.flyover.stack.net;

/**
 * The multicast reception state of the interface (RFC 3376 section 3.2, RFC 3810 section 4.2): per
 * group a filter mode (INCLUDE or EXCLUDE) and a source list, merged by the transport from its sockets'
 * states; a group in INCLUDE mode with no sources is no group at all. Also the report pending per group
 * (RFC 3376 section 5, RFC 3810 section 6). Fixed capacity: groups given at construction,
 * {@link #MAX_SOURCES} sources per group.
 */
public final class GroupMembership {
    /** Sources per group in the interface state; a merged INCLUDE list that would exceed it becomes EXCLUDE {}. */
    public static final int MAX_SOURCES = 64;

    private final long[] hi;
    private final long[] lo;
    private final boolean[] exclude;
    private final int[] sourceCount;
    private final long[] sourceHi;   // group i's sources at [i * MAX_SOURCES, + sourceCount[i])
    private final long[] sourceLo;
    /** A pending report per group: kind (a state change or the current state), due time, how many left. */
    private final int[] reportKind;
    private final long[] reportAt;
    private final int[] reportsLeft;
    private int count;

    public GroupMembership(int capacity) {
        hi = new long[capacity];
        lo = new long[capacity];
        exclude = new boolean[capacity];
        sourceCount = new int[capacity];
        sourceHi = new long[capacity * MAX_SOURCES];
        sourceLo = new long[capacity * MAX_SOURCES];
        reportKind = new int[capacity];
        reportAt = new long[capacity];
        reportsLeft = new int[capacity];
    }

    public boolean contains(long groupHi, long groupLo) { return indexOf(groupHi, groupLo) >= 0; }

    /** Whether a new group would fit (a group already in the table always does). */
    public boolean hasRoomFor(long groupHi, long groupLo) {
        return count < hi.length || contains(groupHi, groupLo);
    }

    /** Whether the group is in the table and its filter rejects the source (RFC 3376 section 3.2). */
    public boolean filtersOut(long groupHi, long groupLo, long srcHi, long srcLo) {
        int i = indexOf(groupHi, groupLo);
        return i >= 0 && exclude[i] == hasSource(i, srcHi, srcLo);
    }

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
    public boolean isExclude(int i) { return exclude[i]; }
    public int sourceCount(int i) { return sourceCount[i]; }
    public long sourceHi(int i, int k) { return sourceHi[i * MAX_SOURCES + k]; }
    public long sourceLo(int i, int k) { return sourceLo[i * MAX_SOURCES + k]; }

    public int indexOf(long groupHi, long groupLo) {
        for (int i = 0; i < count; i++) {
            if (hi[i] == groupHi && lo[i] == groupLo) {
                return i;
            }
        }
        return -1;
    }

    public boolean hasSource(int i, long srcHi, long srcLo) {
        int base = i * MAX_SOURCES;
        for (int k = 0; k < sourceCount[i]; k++) {
            if (sourceHi[base + k] == srcHi && sourceLo[base + k] == srcLo) {
                return true;
            }
        }
        return false;
    }

    /** Adds a group in INCLUDE {} (no reception yet); returns its index. */
    public int add(long groupHi, long groupLo) {
        if (count == hi.length) {
            throw new IllegalStateException("too many multicast groups: " + count);
        }
        int i = count++;
        hi[i] = groupHi;
        lo[i] = groupLo;
        exclude[i] = false;
        sourceCount[i] = 0;
        reportsLeft[i] = 0;
        return i;
    }

    /** Sets group {@code i}'s filter mode and source list (at most {@link #MAX_SOURCES}). */
    public void setState(int i, boolean excludeMode, long[] srcHi, long[] srcLo, int n) {
        if (n > MAX_SOURCES) {
            throw new IllegalArgumentException("more than " + MAX_SOURCES + " sources: " + n);
        }
        exclude[i] = excludeMode;
        sourceCount[i] = n;
        System.arraycopy(srcHi, 0, sourceHi, i * MAX_SOURCES, n);
        System.arraycopy(srcLo, 0, sourceLo, i * MAX_SOURCES, n);
    }

    /** Copies group {@code i}'s sources into the arrays; returns how many. */
    public int copySources(int i, long[] intoHi, long[] intoLo) {
        int n = sourceCount[i];
        System.arraycopy(sourceHi, i * MAX_SOURCES, intoHi, 0, n);
        System.arraycopy(sourceLo, i * MAX_SOURCES, intoLo, 0, n);
        return n;
    }

    /** Removes group {@code i}; the last group takes its index. */
    public void remove(int i) {
        int last = --count;
        if (i != last) {
            hi[i] = hi[last];
            lo[i] = lo[last];
            exclude[i] = exclude[last];
            sourceCount[i] = sourceCount[last];
            System.arraycopy(sourceHi, last * MAX_SOURCES, sourceHi, i * MAX_SOURCES, sourceCount[last]);
            System.arraycopy(sourceLo, last * MAX_SOURCES, sourceLo, i * MAX_SOURCES, sourceCount[last]);
            reportKind[i] = reportKind[last];
            reportAt[i] = reportAt[last];
            reportsLeft[i] = reportsLeft[last];
        }
    }

    /**
     * Schedules {@code count} reports of {@code kind} for group {@code i}, the first at {@code at},
     * unless one is already due sooner (RFC 3376 section 5.2 rule 3, RFC 3810 section 6.2).
     */
    public void schedule(int i, int kind, long at, int count) {
        if (reportsLeft[i] > 0 && reportAt[i] - at <= 0) {
            return;
        }
        reportKind[i] = kind;
        reportAt[i] = at;
        reportsLeft[i] = count;
    }

    public int reportsLeft(int i) { return reportsLeft[i]; }
    public long reportAt(int i) { return reportAt[i]; }
    public int reportKind(int i) { return reportKind[i]; }

    /** Marks one scheduled report of group {@code i} sent; the next (if any) is due at {@code next}. */
    public void reported(int i, long next) {
        reportsLeft[i]--;
        reportAt[i] = next;
    }
}
