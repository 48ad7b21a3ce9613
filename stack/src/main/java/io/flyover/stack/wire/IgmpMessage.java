package io.flyover.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight view of IGMP messages: v2 (RFC 2236 section 2) queries, reports and leaves; v3 (RFC 3376
 * section 4) queries and reports with group records; and the v3 report writer.
 */
public final class IgmpMessage {
    public static final int TYPE = 0;
    public static final int MAX_RESPONSE = 1;
    public static final int CHECKSUM = 2;
    public static final int GROUP = 4;
    public static final int V2_LENGTH = 8;
    public static final int V3_QUERY_MIN_LENGTH = 12;
    public static final int V3_QUERY_SOURCES = 10;
    public static final int V3_REPORT_RECORDS = 6;
    public static final int V3_REPORT_FIRST_RECORD = 8;

    public static final int MEMBERSHIP_QUERY = 0x11;
    public static final int V1_REPORT = 0x12;
    public static final int V2_REPORT = 0x16;
    public static final int V2_LEAVE = 0x17;
    public static final int V3_REPORT = 0x22;

    /** Group record types (RFC 3376 section 4.2.12). */
    public static final int MODE_IS_INCLUDE = 1;
    public static final int MODE_IS_EXCLUDE = 2;
    public static final int CHANGE_TO_INCLUDE = 3;
    public static final int CHANGE_TO_EXCLUDE = 4;
    public static final int ALLOW_NEW_SOURCES = 5;
    public static final int BLOCK_OLD_SOURCES = 6;
    /** Bytes of a v3 group record before its sources (RFC 3376 section 4.2.4). */
    public static final int V3_RECORD_HEADER = 8;

    /** 224.0.0.22: where IGMPv3 reports go. */
    public static final int ALL_IGMPV3_ROUTERS = 0xE000_0016;
    public static final int ALL_HOSTS = 0xE000_0001;
    public static final int ALL_ROUTERS = 0xE000_0002;

    private MemorySegment segment;
    private long base;
    private int length;

    /** False when too short for the message its type announces, or when a v3 record list overruns. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        this.length = length;
        if (length < V2_LENGTH) {
            return false;
        }
        int type = Bytes.u8(segment, offset);
        if (type == MEMBERSHIP_QUERY && length >= V3_QUERY_MIN_LENGTH) {
            return V3_QUERY_MIN_LENGTH + 4 * querySourceCount() <= length;
        }
        if (type == V3_REPORT) {
            long at = offset + V3_REPORT_FIRST_RECORD;
            long end = offset + length;
            for (int i = 0; i < recordCount(); i++) {
                if (at + 8 > end) {
                    return false;
                }
                at += 8 + 4L * Bytes.u16(segment, at + 2) + 4L * Bytes.u8(segment, at + 1);
                if (at > end) {
                    return false;
                }
            }
        }
        return true;
    }

    public int type() { return Bytes.u8(segment, base + TYPE); }
    public int length() { return length; }
    /** Max response time in tenths of a second (v3 codes above 127 use the floating-point form). */
    public int maxResponseCode() { return Bytes.u8(segment, base + MAX_RESPONSE); }
    public int group() { return Bytes.i32(segment, base + GROUP); }
    public boolean isV3Query() { return type() == MEMBERSHIP_QUERY && length >= V3_QUERY_MIN_LENGTH; }
    public int querySourceCount() { return Bytes.u16(segment, base + V3_QUERY_SOURCES); }
    public int recordCount() { return Bytes.u16(segment, base + V3_REPORT_RECORDS); }
    public boolean checksumValid() { return Checksum.verifies(Checksum.add(0, segment, base, length)); }

    /** Offset of the i-th group record of a v3 report (records checked by {@link #wrap}). */
    public long record(int i) {
        long at = base + V3_REPORT_FIRST_RECORD;
        for (int k = 0; k < i; k++) {
            at += 8 + 4L * Bytes.u16(segment, at + 2) + 4L * Bytes.u8(segment, at + 1);
        }
        return at;
    }
    public int recordType(long record) { return Bytes.u8(segment, record); }
    public int recordGroup(long record) { return Bytes.i32(segment, record + 4); }
    public int recordSourceCount(long record) { return Bytes.u16(segment, record + 2); }
    public int recordSource(long record, int k) { return Bytes.i32(segment, record + V3_RECORD_HEADER + 4L * k); }

    /** Writes a v2 report or leave (RFC 2236 section 2) for {@code group}; returns 8. */
    public static int emitV2(MemorySegment s, long offset, int type, int group) {
        Bytes.u8(s, offset + TYPE, type);
        Bytes.u8(s, offset + MAX_RESPONSE, 0);
        Bytes.u16(s, offset + CHECKSUM, 0);
        Bytes.i32(s, offset + GROUP, group);
        Bytes.u16(s, offset + CHECKSUM, Checksum.compute(s, offset, V2_LENGTH));
        return V2_LENGTH;
    }

    /** Writes a v3 report with one record of {@code recordType} for {@code group}, no sources; returns 16. */
    public static int emitV3Report(MemorySegment s, long offset, int recordType, int group) {
        emitV3ReportHeader(s, offset, 1);
        emitV3RecordHeader(s, offset + V3_REPORT_FIRST_RECORD, recordType, group, 0);
        finishV3Report(s, offset, 16);
        return 16;
    }

    /** Writes a v3 report's header (RFC 3376 section 4.2) with {@code recordCount} records to follow at +8. */
    public static void emitV3ReportHeader(MemorySegment s, long offset, int recordCount) {
        Bytes.u8(s, offset + TYPE, V3_REPORT);
        Bytes.u8(s, offset + 1, 0);
        Bytes.u16(s, offset + CHECKSUM, 0);
        Bytes.u16(s, offset + 4, 0);
        Bytes.u16(s, offset + V3_REPORT_RECORDS, recordCount);
    }

    /**
     * Writes a group record's header with no auxiliary data (RFC 3376 section 4.2.4); its
     * {@code sourceCount} IPv4 sources follow at +8, 4 bytes each. Returns 8.
     */
    public static int emitV3RecordHeader(MemorySegment s, long at, int recordType, int group, int sourceCount) {
        Bytes.u8(s, at, recordType);
        Bytes.u8(s, at + 1, 0);
        Bytes.u16(s, at + 2, sourceCount);
        Bytes.i32(s, at + 4, group);
        return V3_RECORD_HEADER;
    }

    /** Fills the checksum of a v3 report of {@code length} bytes written at {@code offset}. */
    public static void finishV3Report(MemorySegment s, long offset, int length) {
        Bytes.u16(s, offset + CHECKSUM, 0);
        Bytes.u16(s, offset + CHECKSUM, Checksum.compute(s, offset, length));
    }
}
