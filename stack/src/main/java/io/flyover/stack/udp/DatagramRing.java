package io.flyover.stack.udp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A socket's receive queue: datagrams with their source copied into one preallocated byte ring, so a
 * datagram delivered to several sockets (multicast) is simply copied into each, and fragments reassembled
 * in a stack buffer need no frame. Records are 8-byte aligned: a 32-byte header (record length, payload
 * length, source port, source address) then the payload; a record length of -1 marks a wrap.
 * Single-threaded (the stack's thread).
 *
 * <p>The ring's size is the socket's SO_RCVBUF, which Linux lets change at any time ({@link #resize}):
 * a larger size than the storage reallocates it and moves the queued datagrams to its start; a smaller
 * one keeps the storage and every queued datagram, and only admits new ones while the queue is below it.
 */
final class DatagramRing {
    private static final int HEADER = 32;
    private static final int WRAP = -1;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private MemorySegment ring;
    /** Length of the storage: positions wrap here. */
    private int capacity;
    /** The receive buffer size: a datagram is queued only while the bytes in use stay within it. */
    private int limit;
    private int readPos;
    private int writePos;
    private int used;
    private int count;

    DatagramRing(int capacity) {
        this.capacity = Math.max(256, capacity & ~7);
        this.limit = this.capacity;
        this.ring = MemorySegment.ofArray(new byte[this.capacity]);
    }

    /** The receive buffer size. */
    int size() { return limit; }

    /**
     * Changes the receive buffer size (SO_RCVBUF); queued datagrams are kept. Growing beyond the storage
     * allocates (a setsockopt, not the data path) and copies the records, oldest first, to its start.
     */
    void resize(int newSize) {
        int size = Math.max(256, newSize & ~7);
        if (size > capacity) {
            MemorySegment grown = MemorySegment.ofArray(new byte[size]);
            int at = 0;
            int from = readPos;
            for (int i = 0; i < count; i++) {
                if (from == capacity || ring.get(INT, from) == WRAP) {
                    from = 0;
                }
                int need = ring.get(INT, from);
                MemorySegment.copy(ring, from, grown, at, need);
                from += need;
                at += need;
            }
            ring = grown;
            capacity = size;
            readPos = 0;
            writePos = at;
            used = at;
        }
        limit = size;
    }

    boolean isEmpty() { return count == 0; }
    int count() { return count; }

    /** Copies a datagram in; false when it does not fit (the caller counts the drop). */
    boolean offer(MemorySegment src, long offset, int length, long srcHi, long srcLo, int srcPort) {
        int need = HEADER + ((length + 7) & ~7);
        if (used + need > limit) {
            return false; // beyond the receive buffer size (reached only below the storage after a shrink)
        }
        if (used == 0) {
            readPos = 0;
            writePos = 0;
        } else if (writePos == readPos) {
            return false; // full to the byte
        }
        if (writePos > readPos || used == 0) {
            // Free space is [writePos, capacity) and then [0, readPos).
            if (capacity - writePos < need) {
                if (readPos < need) {
                    return false;
                }
                if (writePos < capacity) {
                    ring.set(INT, writePos, WRAP);
                }
                used += capacity - writePos;
                writePos = 0;
            }
        } else if (readPos - writePos < need) {
            return false; // free space is [writePos, readPos)
        }
        ring.set(INT, writePos, need);
        ring.set(INT, writePos + 4, length);
        ring.set(INT, writePos + 8, srcPort);
        ring.set(LONG, writePos + 16, srcHi);
        ring.set(LONG, writePos + 24, srcLo);
        MemorySegment.copy(src, offset, ring, writePos + HEADER, length);
        writePos += need;
        used += need;
        count++;
        return true;
    }

    private long lastHi, lastLo;
    private int lastPort;

    /**
     * Copies the oldest datagram into {@code dst} (truncated to {@code max}, the rest discarded, as
     * {@code DatagramChannel.receive} does) and removes it; returns its full length, or -1 when empty.
     */
    int poll(MemorySegment dst, long offset, int max) {
        if (count == 0) {
            return -1;
        }
        if (readPos == capacity || ring.get(INT, readPos) == WRAP) {
            used -= capacity - readPos;
            readPos = 0;
        }
        int need = ring.get(INT, readPos);
        int length = ring.get(INT, readPos + 4);
        lastPort = ring.get(INT, readPos + 8);
        lastHi = ring.get(LONG, readPos + 16);
        lastLo = ring.get(LONG, readPos + 24);
        MemorySegment.copy(ring, readPos + HEADER, dst, offset, Math.min(length, max));
        readPos += need;
        used -= need;
        count--;
        return length;
    }

    long lastSourceHi() { return lastHi; }
    long lastSourceLo() { return lastLo; }
    int lastSourcePort() { return lastPort; }
}
