package io.flyover.stack.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One off-heap region carved into fixed-size frames, the only packet memory a stack uses.
 *
 * <p>The region is registered once with the NIC (the AF_XDP UMEM, an {@code ibv_reg_mr}), so frames
 * move between device, protocol and socket by index, never by copy. Frame {@code i} occupies bytes
 * {@code [i * frameSize, (i + 1) * frameSize)} of {@link #region()}; its packet data starts at
 * {@link #dataOffset(int)} within the frame and is {@link #dataLength(int)} bytes long.
 *
 * <p>Ownership: a frame is either free (in the shared free stack or in one {@link FrameCache}) or
 * owned by exactly one party that got it from {@link FrameCache#acquire()}. Threads take frames
 * through their own {@link FrameCache}, which refills and drains in batches, so the shared stack's
 * lock is taken once per batch, not per frame. {@link #checkAllReturned()} is the accounting check
 * tests call at the end to prove that no frame leaked.
 */
public final class FramePool implements AutoCloseable {
    /** What {@link FrameCache#acquire()} answers when the pool is exhausted. */
    public static final int NO_FRAME = -1;
    /** Fits an Ethernet frame of MTU 1500 after the headroom; a chunk size AF_XDP accepts. */
    public static final int DEFAULT_FRAME_SIZE = 2048;
    /** Room in front of received data, so headers can be prepended without a copy. */
    public static final int DEFAULT_HEADROOM = 256;

    private static final byte FREE = 0;
    private static final byte OWNED = 1;

    private final Arena arena;
    private final MemorySegment region;
    private final int frameSize;
    private final int frameCount;
    private final int headroom;
    private final int lowWatermark;

    private final int[] dataOffset;
    private final int[] dataLength;
    private final int[] flags;
    private final byte[] state;

    private final int[] freeStack;
    private int freeTop;
    private final List<FrameCache> caches = new ArrayList<>();
    /** {@link #caches} as an array, replaced (never changed) under the lock, for {@link #availableEstimate()}. */
    private volatile FrameCache[] cacheSnapshot = new FrameCache[0];

    private FramePool(Arena arena, MemorySegment region, int frameSize, int headroom, int lowWatermark) {
        if (frameSize < 256 || Integer.bitCount(frameSize) != 1) {
            throw new IllegalArgumentException("frame size must be a power of two >= 256: " + frameSize);
        }
        if (headroom < 0 || headroom >= frameSize) {
            throw new IllegalArgumentException("headroom must be in [0, frameSize): " + headroom);
        }
        long count = region.byteSize() / frameSize;
        if (count < 1 || count > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("region of " + region.byteSize() + " bytes holds no usable frame count");
        }
        this.arena = arena;
        this.region = region;
        this.frameSize = frameSize;
        this.frameCount = (int) count;
        this.headroom = headroom;
        this.lowWatermark = Math.clamp(lowWatermark, 0, frameCount);
        this.dataOffset = new int[frameCount];
        this.dataLength = new int[frameCount];
        this.flags = new int[frameCount];
        this.state = new byte[frameCount];
        this.freeStack = new int[frameCount];
        for (int i = 0; i < frameCount; i++) {
            freeStack[i] = frameCount - 1 - i; // frame 0 comes out first
        }
        this.freeTop = frameCount;
    }

    /** A pool over freshly allocated, page-aligned off-heap memory that the pool owns. */
    public static FramePool allocate(int frameCount, int frameSize, int headroom) {
        Arena arena = Arena.ofShared();
        MemorySegment region = arena.allocate((long) frameCount * frameSize, 4096);
        return new FramePool(arena, region, frameSize, headroom, frameCount / 8);
    }

    /** A pool with the defaults: {@link #DEFAULT_FRAME_SIZE}, {@link #DEFAULT_HEADROOM}. */
    public static FramePool allocate(int frameCount) {
        return allocate(frameCount, DEFAULT_FRAME_SIZE, DEFAULT_HEADROOM);
    }

    /** A pool over memory someone else owns and frees, such as hugepages mapped by a device module. */
    public static FramePool wrap(MemorySegment region, int frameSize, int headroom, int lowWatermark) {
        return new FramePool(null, region, frameSize, headroom, lowWatermark);
    }

    public MemorySegment region() { return region; }
    public int frameSize() { return frameSize; }
    public int frameCount() { return frameCount; }
    public int headroom() { return headroom; }
    public int lowWatermark() { return lowWatermark; }

    /** Byte offset of frame {@code index} in {@link #region()}. */
    public long frameBase(int index) { return (long) index * frameSize; }

    /** Byte offset in {@link #region()} where the frame's packet data starts. */
    public long dataAddress(int index) { return (long) index * frameSize + dataOffset[index]; }

    /** Offset of the packet data within the frame. */
    public int dataOffset(int index) { return dataOffset[index]; }

    /** Length of the packet data. */
    public int dataLength(int index) { return dataLength[index]; }

    /** Bytes from the data start to the end of the frame: the most {@link #setData} may cover. */
    public int capacityFrom(int offset) { return frameSize - offset; }

    /** Sets where the packet data lies within the frame. */
    public void setData(int index, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > frameSize) {
            throw new IndexOutOfBoundsException("data [" + offset + ", +" + length + ") outside frame of " + frameSize);
        }
        dataOffset[index] = offset;
        dataLength[index] = length;
    }

    /** Per-frame flags ({@link FrameFlags}): offload requests and results carried with the frame. */
    public int flags(int index) { return flags[index]; }

    public void setFlags(int index, int value) { flags[index] = value; }

    /** Index of the frame containing byte {@code offsetInRegion}, for devices that get addresses back. */
    public int frameAt(long offsetInRegion) {
        if (offsetInRegion < 0 || offsetInRegion >= (long) frameCount * frameSize) {
            return NO_FRAME;
        }
        return (int) (offsetInRegion / frameSize);
    }

    /** A cache for the calling thread; the thread keeps it and uses no other. */
    public FrameCache newCache(int capacity) {
        FrameCache cache = new FrameCache(this, capacity);
        synchronized (this) {
            caches.add(cache);
            cacheSnapshot = caches.toArray(new FrameCache[0]);
        }
        return cache;
    }

    /**
     * Free frames, shared and cached. Exact when no thread is acquiring or releasing; an estimate
     * otherwise, which is all back-pressure needs.
     */
    public int available() {
        int total;
        synchronized (this) {
            total = freeTop;
            for (int i = 0; i < caches.size(); i++) { // indexed: an iterator would allocate per call (UDP send asks per datagram)
                total += caches.get(i).cached();
            }
        }
        return total;
    }

    /**
     * Free frames, shared and cached, read without the lock (for statistics published from a stack
     * thread that must not block): a recent value, possibly off by a batch in flight between a cache and
     * the shared stack. Allocates nothing.
     */
    public int availableEstimate() {
        FrameCache[] snapshot = cacheSnapshot;
        int total = freeTop;
        for (FrameCache c : snapshot) {
            total += c.cached();
        }
        return Math.clamp(total, 0, frameCount);
    }

    /** True when free frames have fallen to the low watermark: senders should back off, not fail. */
    public boolean belowLowWatermark() {
        return availableEstimate() <= lowWatermark; // asked per datagram sent: no lock

    }

    /** Frames currently owned by someone, that is, not free. */
    public int inUse() {
        return frameCount - available();
    }

    /**
     * The end-of-test accounting check: every frame is back. Throws {@link IllegalStateException}
     * naming the first leaked frames otherwise.
     */
    public void checkAllReturned() {
        int leaked = inUse();
        if (leaked != 0) {
            StringBuilder which = new StringBuilder();
            int shown = 0;
            for (int i = 0; i < frameCount && shown < 16; i++) {
                if (state[i] == OWNED) {
                    which.append(shown++ == 0 ? "" : ", ").append(i);
                }
            }
            throw new IllegalStateException(leaked + " of " + frameCount + " frames not returned; first: [" + which + "]");
        }
    }

    // --- used by FrameCache -------------------------------------------------------------------

    /** Moves up to {@code max} frames from the shared stack into {@code into}; returns how many. */
    synchronized int takeBatch(int[] into, int at, int max) {
        int n = Math.min(max, freeTop);
        System.arraycopy(freeStack, freeTop - n, into, at, n);
        freeTop -= n;
        return n;
    }

    /** Returns {@code n} frames from {@code from[at..]} to the shared stack. */
    synchronized void giveBatch(int[] from, int at, int n) {
        System.arraycopy(from, at, freeStack, freeTop, n);
        freeTop += n;
    }

    synchronized void forget(FrameCache cache) {
        caches.remove(cache);
        cacheSnapshot = caches.toArray(new FrameCache[0]);
    }

    void markOwned(int index) {
        state[index] = OWNED;
        dataOffset[index] = headroom;
        dataLength[index] = 0;
        flags[index] = 0;
    }

    void markFree(int index) {
        if (index < 0 || index >= frameCount) {
            throw new IllegalArgumentException("no frame " + index + " in a pool of " + frameCount);
        }
        if (state[index] != OWNED) {
            throw new IllegalStateException("frame " + index + " released twice");
        }
        state[index] = FREE;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
