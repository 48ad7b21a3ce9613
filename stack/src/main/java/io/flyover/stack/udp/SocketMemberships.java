package io.flyover.stack.udp;

/**
 * One socket's multicast memberships with their source filters, the "socket state" of RFC 3376
 * section 3.1 and RFC 3810 section 4.1: per group a filter mode and a source list. An any-source join
 * is EXCLUDE with the blocked sources as its list ({@code MembershipKey.block}); source-specific joins
 * ({@code DatagramChannel.join(group, interface, source)}) make the group INCLUDE with the joined sources.
 * Fixed capacity: {@link #MAX_GROUPS} groups and {@link #MAX_SOURCES} sources in all.
 */
final class SocketMemberships {
    /** Memberships per socket (Linux allows 20 by default: {@code igmp_max_memberships}). */
    static final int MAX_GROUPS = 16;
    /** Source entries per socket, over all its groups. */
    static final int MAX_SOURCES = io.flyover.stack.net.GroupMembership.MAX_SOURCES; // the merged interface state must fit

    private final long[] groupHi = new long[MAX_GROUPS];
    private final long[] groupLo = new long[MAX_GROUPS];
    private final boolean[] exclude = new boolean[MAX_GROUPS];
    private int groups;
    // Source entries: the group they belong to and the source address; created on the first source.
    private long[] srcGroupHi, srcGroupLo, srcHi, srcLo;
    private int sources;

    int groupCount() { return groups; }
    long groupHi(int i) { return groupHi[i]; }
    long groupLo(int i) { return groupLo[i]; }

    boolean isMember(long gHi, long gLo) { return indexOf(gHi, gLo) >= 0; }

    /** Whether the group is joined in EXCLUDE mode (any source but the blocked ones). */
    boolean isAnySource(long gHi, long gLo) {
        int i = indexOf(gHi, gLo);
        return i >= 0 && exclude[i];
    }

    /** Whether a datagram to the group from the source passes this socket's filter. */
    boolean accepts(long gHi, long gLo, long sHi, long sLo) {
        int i = indexOf(gHi, gLo);
        if (i < 0) {
            return false;
        }
        return exclude[i] != hasSource(gHi, gLo, sHi, sLo);
    }

    boolean hasSource(long gHi, long gLo, long sHi, long sLo) {
        for (int k = 0; k < sources; k++) {
            if (srcHi[k] == sHi && srcLo[k] == sLo && srcGroupHi[k] == gHi && srcGroupLo[k] == gLo) {
                return true;
            }
        }
        return false;
    }

    boolean hasRoomForGroup() { return groups < MAX_GROUPS; }
    boolean hasRoomForSource() { return sources < MAX_SOURCES; }

    /** Adds a group in the given mode with no sources (the caller checked room and absence). */
    void addGroup(long gHi, long gLo, boolean excludeMode) {
        groupHi[groups] = gHi;
        groupLo[groups] = gLo;
        exclude[groups] = excludeMode;
        groups++;
    }

    /** Adds a source to a group's list (the caller checked room and absence). */
    void addSource(long gHi, long gLo, long sHi, long sLo) {
        if (srcHi == null) {
            srcGroupHi = new long[MAX_SOURCES];
            srcGroupLo = new long[MAX_SOURCES];
            srcHi = new long[MAX_SOURCES];
            srcLo = new long[MAX_SOURCES];
        }
        srcGroupHi[sources] = gHi;
        srcGroupLo[sources] = gLo;
        srcHi[sources] = sHi;
        srcLo[sources] = sLo;
        sources++;
    }

    /** Removes one source of a group; false when it was not there. */
    boolean removeSource(long gHi, long gLo, long sHi, long sLo) {
        for (int k = 0; k < sources; k++) {
            if (srcHi[k] == sHi && srcLo[k] == sLo && srcGroupHi[k] == gHi && srcGroupLo[k] == gLo) {
                removeSourceAt(k);
                return true;
            }
        }
        return false;
    }

    /** Whether a group has any source entry. */
    boolean hasSources(long gHi, long gLo) {
        for (int k = 0; k < sources; k++) {
            if (srcGroupHi[k] == gHi && srcGroupLo[k] == gLo) {
                return true;
            }
        }
        return false;
    }

    /** Removes a group with all its sources; false when it was not joined. */
    boolean removeGroup(long gHi, long gLo) {
        int i = indexOf(gHi, gLo);
        if (i < 0) {
            return false;
        }
        groups--;
        groupHi[i] = groupHi[groups];
        groupLo[i] = groupLo[groups];
        exclude[i] = exclude[groups];
        for (int k = sources - 1; k >= 0; k--) {
            if (srcGroupHi[k] == gHi && srcGroupLo[k] == gLo) {
                removeSourceAt(k);
            }
        }
        return true;
    }

    // --- iteration over one group's sources, for merging the interface state ---

    int sourceCount() { return sources; }
    boolean sourceOf(int k, long gHi, long gLo) { return srcGroupHi[k] == gHi && srcGroupLo[k] == gLo; }
    long sourceHi(int k) { return srcHi[k]; }
    long sourceLo(int k) { return srcLo[k]; }

    private void removeSourceAt(int k) {
        sources--;
        srcGroupHi[k] = srcGroupHi[sources];
        srcGroupLo[k] = srcGroupLo[sources];
        srcHi[k] = srcHi[sources];
        srcLo[k] = srcLo[sources];
    }

    private int indexOf(long gHi, long gLo) {
        for (int i = 0; i < groups; i++) {
            if (groupHi[i] == gHi && groupLo[i] == gLo) {
                return i;
            }
        }
        return -1;
    }
}
