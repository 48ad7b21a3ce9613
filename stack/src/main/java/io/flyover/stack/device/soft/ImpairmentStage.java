package io.flyover.stack.device.soft;

import io.flyover.stack.RandomSource;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One direction of an {@link ImpairedDevice}: applies an {@link Impairment} to each frame admitted,
 * holds it (per queue) until its release time, and counts what it did. Random decisions are drawn
 * from the injected source only for the effects that are enabled, in a fixed order, so a seed
 * replays exactly.
 */
public final class ImpairmentStage {
    private static final double TWO_POW_53 = 0x1.0p53;

    private Impairment impairment;
    private final RandomSource random;
    private final FramePool pool;
    private final FrameCache cache;
    private final HoldingQueue[] queues;
    private long lossThreshold;
    private long duplicateThreshold;
    private long reorderThreshold;
    private long corruptThreshold;
    private long linkBusyUntil = Long.MIN_VALUE;

    private long admitted;
    private long released;
    private long lost;
    private long duplicated;
    private long reordered;
    private long corrupted;
    private long delayed;
    private long overflowed;

    ImpairmentStage(Impairment impairment, RandomSource random, FramePool pool, FrameCache cache, int queueCount) {
        this.impairment = impairment;
        this.random = random;
        this.pool = pool;
        this.cache = cache;
        this.queues = new HoldingQueue[queueCount];
        for (int q = 0; q < queueCount; q++) {
            queues[q] = new HoldingQueue(impairment.queueLimit());
        }
        configure(impairment);
    }

    /**
     * Applies {@code next} to frames admitted from now on; frames already held keep their release
     * times. The queue limit cannot grow beyond the one the stage was created with.
     */
    void configure(Impairment next) {
        if (next.queueLimit() > queues[0].capacity()) {
            throw new IllegalArgumentException("queue limit " + next.queueLimit() + " exceeds the "
                    + queues[0].capacity() + " slots preallocated");
        }
        this.impairment = next;
        this.lossThreshold = threshold(next.loss());
        this.duplicateThreshold = threshold(next.duplicate());
        this.reorderThreshold = threshold(next.reorder());
        this.corruptThreshold = threshold(next.corrupt());
    }

    private static long threshold(double p) {
        return (long) (p * TWO_POW_53);
    }

    /** True with probability threshold / 2^53; draws only when the effect is enabled. */
    private boolean chance(long threshold) {
        return threshold != 0 && (random.nextLong() >>> 11) < threshold;
    }

    public Impairment impairment() { return impairment; }

    /** Takes ownership of {@code frame} (on queue {@code queue}): drops, alters, holds or duplicates it. */
    void admit(int frame, int queue, long nowNanos) {
        admitted++;
        HoldingQueue holding = queues[queue];
        if (chance(lossThreshold)) {
            lost++;
            cache.release(frame);
            return;
        }
        if (holding.size() >= impairment.queueLimit()) {
            overflowed++;
            cache.release(frame);
            return;
        }
        int length = pool.dataLength(frame);
        if (chance(corruptThreshold) && length > 0) {
            long bit = random.nextLong() >>> 1;
            long at = pool.dataAddress(frame) + (bit >>> 3) % length;
            MemorySegment region = pool.region();
            region.set(ValueLayout.JAVA_BYTE, at, (byte) (region.get(ValueLayout.JAVA_BYTE, at) ^ (1 << (bit & 7))));
            corrupted++;
        }
        long releaseAt = nowNanos;
        if (impairment.rateBitsPerSecond() != 0) {
            long start = Math.max(nowNanos, linkBusyUntil);
            long serialization = ((long) length * 8 * 1_000_000_000L + impairment.rateBitsPerSecond() - 1)
                    / impairment.rateBitsPerSecond();
            linkBusyUntil = start + serialization;
            releaseAt = linkBusyUntil;
        }
        releaseAt += impairment.delayNanos();
        if (impairment.jitterNanos() != 0) {
            releaseAt += Math.floorMod(random.nextLong(), impairment.jitterNanos() + 1);
        }
        if (chance(reorderThreshold)) {
            releaseAt += impairment.reorderDelayNanos();
            reordered++;
        }
        if (releaseAt > nowNanos) {
            delayed++;
        }
        holding.add(frame, releaseAt);
        if (chance(duplicateThreshold)) {
            if (holding.size() >= impairment.queueLimit()) {
                overflowed++;
                return;
            }
            int copy = cache.acquire();
            if (copy == FramePool.NO_FRAME) {
                overflowed++;
                return;
            }
            pool.setData(copy, pool.dataOffset(frame), length);
            pool.setFlags(copy, pool.flags(frame));
            MemorySegment.copy(pool.region(), pool.dataAddress(frame), pool.region(), pool.dataAddress(copy), length);
            holding.add(copy, releaseAt);
            duplicated++;
        }
    }

    /** Moves frames of {@code queue} due by {@code nowNanos} into {@code out}, oldest due first; returns how many. */
    int releaseDue(int queue, long nowNanos, FrameBurst out) {
        HoldingQueue holding = queues[queue];
        int n = 0;
        while (!out.isFull() && holding.earliest() <= nowNanos) {
            out.add(holding.poll());
            n++;
        }
        released += n;
        return n;
    }

    /** The earliest release time over all queues, or {@link Long#MAX_VALUE}. */
    long earliest() {
        long earliest = Long.MAX_VALUE;
        for (HoldingQueue holding : queues) {
            earliest = Math.min(earliest, holding.earliest());
        }
        return earliest;
    }

    /** Returns every held frame to the pool. */
    void releaseAll() {
        for (HoldingQueue holding : queues) {
            while (!holding.isEmpty()) {
                cache.release(holding.poll());
            }
        }
    }

    /** Frames taken in. */
    public long admitted() { return admitted; }
    /** Frames let out (duplicates included). */
    public long released() { return released; }
    public long lost() { return lost; }
    public long duplicated() { return duplicated; }
    public long reordered() { return reordered; }
    public long corrupted() { return corrupted; }
    /** Frames held past the moment they were admitted (by delay, jitter, rate or reordering). */
    public long delayed() { return delayed; }
    /** Frames dropped because the queue limit was reached or no frame was free for a duplicate. */
    public long overflowed() { return overflowed; }
    /** Frames held right now. */
    public int held() {
        int n = 0;
        for (HoldingQueue holding : queues) {
            n += holding.size();
        }
        return n;
    }

    @Override
    public String toString() {
        return "admitted=" + admitted + " released=" + released + " lost=" + lost + " duplicated=" + duplicated
                + " reordered=" + reordered + " corrupted=" + corrupted + " delayed=" + delayed
                + " overflowed=" + overflowed + " held=" + held();
    }
}
