package io.flyover.stack.net;

import java.lang.foreign.MemorySegment;

/**
 * IPv4 (RFC 791 section 3.2, RFC 815) and IPv6 (RFC 8200 section 4.5) fragment reassembly into a fixed
 * number of preallocated 64 KiB buffers: bounded memory, a timeout per datagram, and partially
 * overlapping fragments discarding the whole datagram (RFC 5722, applied to IPv4 as well); a fragment
 * that only repeats bytes already held (a duplicated packet) is ignored.
 *
 * <p>Coverage is tracked in 8-byte blocks, so completion is a counter comparison.
 */
public final class Reassembler {
    /** {@link #add} answers: the fragment was stored and the datagram is still incomplete. */
    public static final int STORED = 0;
    /** The datagram is complete: {@link #completedSegment()} / {@link #completedLength()} hold it. */
    public static final int COMPLETE = 1;
    public static final int MALFORMED = 2;
    public static final int OVERFLOW = 3;

    private static final int MAX = 65_535;

    private final int slots;
    private final MemorySegment[] buffers;
    private final long[][] coverage;
    private final boolean[] busy;
    private final int[] version;
    private final long[] srcHi, srcLo, dstHi, dstLo;
    private final int[] id;
    private final int[] protocol;
    private final int[] total;
    private final int[] blocksHave;
    private final long[] deadline;
    private final long timeoutNanos;
    private int completed = -1;
    private int timeouts;

    public Reassembler(int slots, long timeoutNanos) {
        this.slots = slots;
        this.timeoutNanos = timeoutNanos;
        buffers = new MemorySegment[slots];
        coverage = new long[slots][];
        for (int i = 0; i < slots; i++) {
            buffers[i] = MemorySegment.ofArray(new byte[MAX + 8]);
            coverage[i] = new long[(MAX / 8 + 64) / 64];
        }
        busy = new boolean[slots];
        version = new int[slots];
        srcHi = new long[slots];
        srcLo = new long[slots];
        dstHi = new long[slots];
        dstLo = new long[slots];
        id = new int[slots];
        protocol = new int[slots];
        total = new int[slots];
        blocksHave = new int[slots];
        deadline = new long[slots];
    }

    /**
     * Adds a fragment. {@code offset} is the fragment offset in bytes, {@code data/at/length} its
     * payload, {@code more} the MF / M flag.
     */
    public int add(int ipVersion, long sHi, long sLo, long dHi, long dLo, int ident, int proto,
            int offset, boolean more, MemorySegment data, long at, int length, long now) {
        release();
        if (length == 0 && more || (more && (length & 7) != 0) || offset + length > MAX) {
            return MALFORMED;
        }
        int s = -1;
        int free = -1;
        for (int i = 0; i < slots; i++) {
            if (busy[i]) {
                if (version[i] == ipVersion && id[i] == ident && protocol[i] == proto && srcHi[i] == sHi
                        && srcLo[i] == sLo && dstHi[i] == dHi && dstLo[i] == dLo) {
                    s = i;
                    break;
                }
            } else if (free < 0) {
                free = i;
            }
        }
        if (s < 0) {
            if (free < 0) {
                return OVERFLOW;
            }
            s = free;
            busy[s] = true;
            version[s] = ipVersion;
            srcHi[s] = sHi;
            srcLo[s] = sLo;
            dstHi[s] = dHi;
            dstLo[s] = dLo;
            id[s] = ident;
            protocol[s] = proto;
            total[s] = -1;
            blocksHave[s] = 0;
            deadline[s] = now + timeoutNanos;
            java.util.Arrays.fill(coverage[s], 0);
        }
        if (!more) {
            int end = offset + length;
            if (total[s] >= 0 && total[s] != end) {
                busy[s] = false;
                return MALFORMED; // two different last fragments
            }
            total[s] = end;
        } else if (total[s] >= 0 && offset + length > total[s]) {
            busy[s] = false;
            return MALFORMED;
        }
        int first = offset >>> 3;
        int last = (offset + length + 7) >>> 3; // exclusive
        long[] cov = coverage[s];
        int already = 0;
        for (int b = first; b < last; b++) {
            if ((cov[b >>> 6] & (1L << (b & 63))) != 0) {
                already++;
            }
        }
        if (already == last - first && last > first) {
            return STORED; // a duplicate (a link that duplicates packets): nothing new, nothing lost
        }
        if (already != 0) {
            busy[s] = false;
            return MALFORMED; // RFC 5722: a partial overlap discards the datagram
        }
        for (int b = first; b < last; b++) {
            cov[b >>> 6] |= 1L << (b & 63);
        }
        blocksHave[s] += last - first;
        MemorySegment.copy(data, at, buffers[s], offset, length);
        if (total[s] >= 0 && blocksHave[s] == (total[s] + 7) >>> 3) {
            completed = s;
            return COMPLETE;
        }
        return STORED;
    }

    public MemorySegment completedSegment() { return buffers[completed]; }
    public int completedLength() { return total[completed]; }
    public int completedProtocol() { return protocol[completed]; }

    /** Frees the slot of the datagram last completed (done before the next add or poll). */
    private void release() {
        if (completed >= 0) {
            busy[completed] = false;
            completed = -1;
        }
    }

    /** Expires datagrams past their timeout; returns the next deadline. {@link #takeTimeouts()} counts them. */
    public long poll(long now) {
        release();
        long next = Long.MAX_VALUE;
        for (int i = 0; i < slots; i++) {
            if (busy[i]) {
                if (now - deadline[i] >= 0) {
                    busy[i] = false;
                    timeouts++;
                } else {
                    next = Math.min(next, deadline[i]);
                }
            }
        }
        return next;
    }

    public int takeTimeouts() {
        int t = timeouts;
        timeouts = 0;
        return t;
    }

    public int inProgress() {
        int n = 0;
        for (int i = 0; i < slots; i++) {
            if (busy[i] && i != completed) {
                n++;
            }
        }
        return n;
    }
}
