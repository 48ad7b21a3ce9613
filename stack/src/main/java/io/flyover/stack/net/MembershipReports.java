package io.flyover.stack.net;

import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.IgmpMessage;
import io.flyover.stack.wire.IpProtocol;
import io.flyover.stack.wire.MldMessage;

/**
 * The host side of IGMPv3 (RFC 3376) and MLDv2 (RFC 3810): keeps the interface's {@link GroupMembership}
 * and tells routers about it.
 *
 * <ul>
 *   <li>A change of a group's state sends a state-change report at once (section 5.1 of both RFCs): a
 *       filter-mode change as TO_EX(new list) or TO_IN(new list) (joining any-source is TO_EX({}),
 *       leaving is TO_IN({})), a source-list change as ALLOW(new sources) and/or BLOCK(old sources), each
 *       record in its own report. It is repeated once (robustness variable 2) within the unsolicited
 *       report interval of 1 s, as a filter-mode-change record carrying the whole state then current;
 *       a leave is not repeated.</li>
 *   <li>Queries are answered with current-state records, IS_EX(list) or IS_IN(list), at a random moment
 *       within the maximum response time (section 5.2). Group-and-source-specific queries are answered
 *       like group-specific ones, with the whole state (a superset of what section 5.2 asks).</li>
 *   <li>After an IGMPv1/v2 query the IPv4 side speaks IGMPv2 for the older-version querier timeout
 *       (RFC 3376 section 7.2.1), where source lists cannot be said: a group's first state is a v2
 *       report, its end a v2 leave, and source changes in between send nothing. MLDv1 is not spoken.</li>
 * </ul>
 * Reports go to 224.0.0.22 / ff02::16 with TTL 1 and the router alert option; IPv4 reports need our
 * IPv4 address, IPv6 ones come from our link-local address. A loopback device sends none.
 */
final class MembershipReports {
    static final int UNSOLICITED_REPORT_INTERVAL = 1_000_000_000;
    /** RFC 3376 section 8.12: Older Version Querier Present Timeout with default values (2 * 125 s + 10 s). */
    static final long OLDER_QUERIER_TIMEOUT = 260_000_000_000L;
    /** Kinds of scheduled report: a state change being repeated, or an answer to a query. */
    static final int STATE_CHANGE = 0;
    static final int CURRENT_STATE = 1;

    private final NetInterface nif;
    final GroupMembership groups;
    /** Until when an IGMPv1/v2 querier was heard; IPv4 reports are v2 before then. */
    private long igmpV2QuerierUntil = Long.MIN_VALUE;
    private final long[] oldHi = new long[GroupMembership.MAX_SOURCES];
    private final long[] oldLo = new long[GroupMembership.MAX_SOURCES];
    private final long[] curHi = new long[GroupMembership.MAX_SOURCES];
    private final long[] curLo = new long[GroupMembership.MAX_SOURCES];
    private final long[] diffHi = new long[GroupMembership.MAX_SOURCES];
    private final long[] diffLo = new long[GroupMembership.MAX_SOURCES];

    MembershipReports(NetInterface nif, int capacity) {
        this.nif = nif;
        this.groups = new GroupMembership(capacity);
    }

    /**
     * Sets a group's interface state and reports the change. INCLUDE with no sources ends the membership.
     *
     * @throws IllegalStateException when a new group does not fit
     */
    void setState(long gHi, long gLo, boolean exclude, long[] srcHi, long[] srcLo, int n) {
        int i = groups.indexOf(gHi, gLo);
        boolean ends = !exclude && n == 0;
        boolean oldExclude = false;
        int oldN = 0;
        if (i < 0) {
            if (ends) {
                return;
            }
            i = groups.add(gHi, gLo);
        } else {
            oldExclude = groups.isExclude(i);
            oldN = groups.copySources(i, oldHi, oldLo);
        }
        boolean begins = !oldExclude && oldN == 0;
        groups.setState(i, exclude, srcHi, srcLo, n);
        boolean changed;
        if (IpAddress.isV4(gHi, gLo) && igmpV2Mode()) {
            changed = begins || ends;
            if (changed) {
                sendV2(gLo, !ends);
            }
        } else if (oldExclude != exclude) {
            changed = true;
            send(gHi, gLo, exclude ? IgmpMessage.CHANGE_TO_EXCLUDE : IgmpMessage.CHANGE_TO_INCLUDE, srcHi, srcLo, n);
        } else {
            // RFC 3376 section 5.1 table: INCLUDE(A) -> INCLUDE(B) is ALLOW(B-A), BLOCK(A-B); EXCLUDE(A) ->
            // EXCLUDE(B) is ALLOW(A-B), BLOCK(B-A).
            int allow = exclude ? minus(oldHi, oldLo, oldN, srcHi, srcLo, n) : minus(srcHi, srcLo, n, oldHi, oldLo, oldN);
            if (allow > 0) {
                send(gHi, gLo, IgmpMessage.ALLOW_NEW_SOURCES, diffHi, diffLo, allow);
            }
            int block = exclude ? minus(srcHi, srcLo, n, oldHi, oldLo, oldN) : minus(oldHi, oldLo, oldN, srcHi, srcLo, n);
            if (block > 0) {
                send(gHi, gLo, IgmpMessage.BLOCK_OLD_SOURCES, diffHi, diffLo, block);
            }
            changed = allow > 0 || block > 0;
        }
        if (ends) {
            groups.remove(i);
        } else if (changed) {
            groups.schedule(i, STATE_CHANGE, nif.now + 1 + nif.random.nextInt(UNSOLICITED_REPORT_INTERVAL), 1);
        }
        nif.flush();
    }

    /** Writes {@code a - b} into the diff arrays; returns its size. */
    private int minus(long[] aHi, long[] aLo, int na, long[] bHi, long[] bLo, int nb) {
        int n = 0;
        outer:
        for (int x = 0; x < na; x++) {
            for (int y = 0; y < nb; y++) {
                if (aHi[x] == bHi[y] && aLo[x] == bLo[y]) {
                    continue outer;
                }
            }
            diffHi[n] = aHi[x];
            diffLo[n] = aLo[x];
            n++;
        }
        return n;
    }

    void heardIgmpV2Querier() {
        igmpV2QuerierUntil = nif.now + OLDER_QUERIER_TIMEOUT;
    }

    private boolean igmpV2Mode() {
        return igmpV2QuerierUntil != Long.MIN_VALUE && nif.now - igmpV2QuerierUntil < 0;
    }

    /**
     * Answers a general (group 0) or group-specific query for one family with current-state records, each
     * at a random time within the query's maximum response time (RFC 3376 section 5.2, RFC 3810 section 6.2).
     */
    void answerQuery(boolean v4, long groupHi, long groupLo, long maxResponseNanos) {
        for (int i = 0; i < groups.size(); i++) {
            long hi = groups.groupHi(i);
            long lo = groups.groupLo(i);
            if (IpAddress.isV4(hi, lo) != v4) {
                continue;
            }
            boolean general = v4 ? (int) groupLo == 0 : groupHi == 0 && groupLo == 0;
            if (general || (hi == groupHi && lo == groupLo)) {
                long delay = maxResponseNanos <= 0 ? 0 : (nif.random.nextLong() >>> 1) % maxResponseNanos;
                groups.schedule(i, CURRENT_STATE, nif.now + delay, 1);
            }
        }
    }

    /** Sends the reports that are due; returns the next due time. */
    long poll(long nowNanos) {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < groups.size(); i++) {
            if (groups.reportsLeft(i) == 0) {
                continue;
            }
            if (nowNanos - groups.reportAt(i) >= 0) {
                sendState(i, groups.reportKind(i));
                groups.reported(i, nowNanos + 1 + nif.random.nextInt(UNSOLICITED_REPORT_INTERVAL));
                if (groups.reportsLeft(i) == 0) {
                    continue;
                }
            }
            next = Math.min(next, groups.reportAt(i));
        }
        return next;
    }

    /** Reports group {@code i}'s whole state: TO_EX/TO_IN for a repeated change, IS_EX/IS_IN for a query. */
    private void sendState(int i, int kind) {
        long hi = groups.groupHi(i);
        long lo = groups.groupLo(i);
        int n = groups.copySources(i, curHi, curLo);
        if (IpAddress.isV4(hi, lo) && igmpV2Mode()) {
            sendV2(lo, true);
            return;
        }
        boolean exclude = groups.isExclude(i);
        int type = kind == CURRENT_STATE
                ? (exclude ? IgmpMessage.MODE_IS_EXCLUDE : IgmpMessage.MODE_IS_INCLUDE)
                : (exclude ? IgmpMessage.CHANGE_TO_EXCLUDE : IgmpMessage.CHANGE_TO_INCLUDE);
        send(hi, lo, type, curHi, curLo, n);
    }

    /** One IGMPv3 or MLDv2 report with one record (RFC 3376 section 4.2, RFC 3810 section 5.2). */
    private void send(long gHi, long gLo, int recordType, long[] srcHi, long[] srcLo, int n) {
        boolean v4 = IpAddress.isV4(gHi, gLo);
        if (nif.deviceLoops || (v4 && !nif.hasIpv4)) {
            return;
        }
        int frame = nif.acquireFrame();
        if (frame == FramePool.NO_FRAME) {
            return;
        }
        FramePool pool = nif.pool;
        long at = pool.dataAddress(frame);
        if (v4) {
            IgmpMessage.emitV3ReportHeader(nif.memory, at, 1);
            long r = at + IgmpMessage.V3_REPORT_FIRST_RECORD;
            r += IgmpMessage.emitV3RecordHeader(nif.memory, r, recordType, (int) gLo, n);
            for (int k = 0; k < n; k++, r += 4) {
                Bytes.i32(nif.memory, r, (int) srcLo[k]);
            }
            int length = (int) (r - at);
            IgmpMessage.finishV3Report(nif.memory, at, length);
            pool.setData(frame, pool.dataOffset(frame), length);
            nif.output4(frame, IpProtocol.IGMP, nif.ipv4, IgmpMessage.ALL_IGMPV3_ROUTERS, 1, 0xC0, true, true);
        } else {
            MldMessage.emitV2ReportHeader(nif.memory, at, 1);
            long r = at + MldMessage.V2_REPORT_FIRST_RECORD;
            r += MldMessage.emitV2RecordHeader(nif.memory, r, recordType, gHi, gLo, n);
            for (int k = 0; k < n; k++, r += 16) {
                Bytes.i64(nif.memory, r, srcHi[k]);
                Bytes.i64(nif.memory, r + 8, srcLo[k]);
            }
            int length = (int) (r - at);
            pool.setData(frame, pool.dataOffset(frame), length);
            long dHi = MldMessage.ALL_MLDV2_ROUTERS_HI;
            long dLo = MldMessage.ALL_MLDV2_ROUTERS_LO;
            long sHi = nif.ipv6Hi[0];
            long sLo = nif.ipv6Lo[0];
            nif.checksum(IpProtocol.ICMPV6, at, length, false, sHi, sLo, dHi, dLo);
            nif.output6(frame, IpProtocol.ICMPV6, sHi, sLo, dHi, dLo, 1, 0, true, -1);
        }
    }

    /** RFC 2236 section 3: a v2 report to the group, or a leave to all routers. */
    private void sendV2(long gLo, boolean report) {
        if (nif.deviceLoops || !nif.hasIpv4) {
            return;
        }
        int frame = nif.acquireFrame();
        if (frame == FramePool.NO_FRAME) {
            return;
        }
        FramePool pool = nif.pool;
        int n = IgmpMessage.emitV2(nif.memory, pool.dataAddress(frame),
                report ? IgmpMessage.V2_REPORT : IgmpMessage.V2_LEAVE, (int) gLo);
        pool.setData(frame, pool.dataOffset(frame), n);
        nif.output4(frame, IpProtocol.IGMP, nif.ipv4, report ? (int) gLo : IgmpMessage.ALL_ROUTERS, 1, 0xC0, true, true);
    }
}
