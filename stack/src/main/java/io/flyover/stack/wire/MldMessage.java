package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight view of MLD messages carried in ICMPv6: queries (v1 24 bytes, v2 28+ bytes, RFC 3810
 * section 5.1), v2 reports with multicast address records (section 5.2); and the v2 report writer.
 */
public final class MldMessage {
    public static final int TYPE = 0;
    public static final int MAX_RESPONSE = 4;
    public static final int QUERY_ADDRESS = 8;
    public static final int V1_LENGTH = 24;
    public static final int V2_QUERY_SOURCES = 26;
    public static final int V2_QUERY_MIN_LENGTH = 28;
    public static final int V2_REPORT_RECORDS = 6;
    public static final int V2_REPORT_FIRST_RECORD = 8;
    public static final int RECORD_HEADER = 20;

    /** ff02::16, all MLDv2-capable routers. */
    public static final long ALL_MLDV2_ROUTERS_HI = 0xFF02_0000_0000_0000L;
    public static final long ALL_MLDV2_ROUTERS_LO = 0x16L;

    private MemorySegment segment;
    private long base;
    private int length;

    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        this.length = length;
        int type = length >= 1 ? Bytes.u8(segment, offset) : -1;
        if (type == Icmpv6Message.MLD_QUERY) {
            if (length < V1_LENGTH) {
                return false;
            }
            return length < V2_QUERY_MIN_LENGTH || V2_QUERY_MIN_LENGTH + 16L * querySourceCount() <= length;
        }
        if (type == Icmpv6Message.MLD_V2_REPORT) {
            if (length < V2_REPORT_FIRST_RECORD) {
                return false;
            }
            long at = offset + V2_REPORT_FIRST_RECORD;
            long end = offset + length;
            for (int i = 0; i < recordCount(); i++) {
                if (at + RECORD_HEADER > end) {
                    return false;
                }
                at += RECORD_HEADER + 16L * Bytes.u16(segment, at + 2) + 4L * Bytes.u8(segment, at + 1);
                if (at > end) {
                    return false;
                }
            }
            return true;
        }
        return length >= V1_LENGTH;
    }

    public int type() { return Bytes.u8(segment, base + TYPE); }
    public int maxResponseCode() { return Bytes.u16(segment, base + MAX_RESPONSE); }
    public long addressHi() { return Bytes.i64(segment, base + QUERY_ADDRESS); }
    public long addressLo() { return Bytes.i64(segment, base + QUERY_ADDRESS + 8); }
    public boolean isV2Query() { return type() == Icmpv6Message.MLD_QUERY && length >= V2_QUERY_MIN_LENGTH; }
    public int querySourceCount() { return Bytes.u16(segment, base + V2_QUERY_SOURCES); }
    public int recordCount() { return Bytes.u16(segment, base + V2_REPORT_RECORDS); }

    public long record(int i) {
        long at = base + V2_REPORT_FIRST_RECORD;
        for (int k = 0; k < i; k++) {
            at += RECORD_HEADER + 16L * Bytes.u16(segment, at + 2) + 4L * Bytes.u8(segment, at + 1);
        }
        return at;
    }
    public int recordType(long record) { return Bytes.u8(segment, record); }
    public long recordGroupHi(long record) { return Bytes.i64(segment, record + 4); }
    public long recordGroupLo(long record) { return Bytes.i64(segment, record + 12); }
    public int recordSourceCount(long record) { return Bytes.u16(segment, record + 2); }
    public long recordSourceHi(long record, int k) { return Bytes.i64(segment, record + RECORD_HEADER + 16L * k); }
    public long recordSourceLo(long record, int k) { return Bytes.i64(segment, record + RECORD_HEADER + 16L * k + 8); }

    /** Writes an MLDv2 report with one record, no sources, checksum zero (IP layer fills it); returns 28. */
    public static int emitV2Report(MemorySegment s, long offset, int recordType, long groupHi, long groupLo) {
        emitV2ReportHeader(s, offset, 1);
        return V2_REPORT_FIRST_RECORD + emitV2RecordHeader(s, offset + V2_REPORT_FIRST_RECORD, recordType, groupHi, groupLo, 0);
    }

    /** Writes an MLDv2 report's header (RFC 3810 section 5.2), checksum zero, {@code recordCount} records to follow at +8. */
    public static void emitV2ReportHeader(MemorySegment s, long offset, int recordCount) {
        Bytes.u8(s, offset, Icmpv6Message.MLD_V2_REPORT);
        Bytes.u8(s, offset + 1, 0);
        Bytes.u16(s, offset + 2, 0);
        Bytes.u16(s, offset + 4, 0);
        Bytes.u16(s, offset + V2_REPORT_RECORDS, recordCount);
    }

    /**
     * Writes a multicast address record's header with no auxiliary data (RFC 3810 section 5.2.4); its
     * {@code sourceCount} sources follow at +20, 16 bytes each. Returns 20.
     */
    public static int emitV2RecordHeader(MemorySegment s, long at, int recordType, long groupHi, long groupLo,
            int sourceCount) {
        Bytes.u8(s, at, recordType);
        Bytes.u8(s, at + 1, 0);
        Bytes.u16(s, at + 2, sourceCount);
        Bytes.i64(s, at + 4, groupHi);
        Bytes.i64(s, at + 12, groupLo);
        return RECORD_HEADER;
    }
}
