package io.flyover.linux.mem;

import io.flyover.linux.sys.Libc;
import io.flyover.stack.buffer.FramePool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Anonymous memory for a stack's frame region: 2 MiB hugepages ({@code MAP_HUGETLB | MAP_HUGE_2MB})
 * when the host has them reserved ({@code vm.nr_hugepages}), otherwise ordinary pages with
 * transparent hugepages requested ({@code madvise(MADV_HUGEPAGE)}). Either way page-aligned,
 * populated up front (no page faults on the data path) and suitable as AF_XDP UMEM or an
 * {@code ibv_reg_mr} region. Unmapped on {@link #close()}, after the pool over it is done.
 */
@SuppressWarnings("restricted") // sizing the mapping mmap returned
public final class HugePageRegion implements AutoCloseable {
    public static final long HUGE_PAGE_SIZE = 2L << 20;
    private static final long PAGE_SIZE = 4096;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_POPULATE = 0x8000;
    private static final int MAP_HUGETLB = 0x40000;
    private static final int MAP_HUGE_2MB = 21 << 26;
    private static final int MADV_HUGEPAGE = 14;

    private final MemorySegment segment;
    private final boolean hugePages;
    private boolean closed;

    private HugePageRegion(MemorySegment segment, boolean hugePages) {
        this.segment = segment;
        this.hugePages = hugePages;
    }

    /** Maps at least {@code bytes}, rounded up to whole 2 MiB (hugepages) or 4 KiB pages (fallback). */
    public static HugePageRegion map(long bytes) throws IOException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("region size must be positive: " + bytes);
        }
        long hugeLength = roundUp(bytes, HUGE_PAGE_SIZE);
        long address = Libc.mmapRaw(hugeLength, PROT_READ_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB | MAP_POPULATE, -1, 0);
        if (address > 0) {
            return new HugePageRegion(MemorySegment.ofAddress(address).reinterpret(hugeLength), true);
        }
        long length = roundUp(bytes, PAGE_SIZE);
        MemorySegment plain = Libc.mmap("anonymous region of " + length + " bytes", length, PROT_READ_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        Libc.madvise(plain, length, MADV_HUGEPAGE); // best effort: THP may be disabled
        return new HugePageRegion(plain, false);
    }

    private static long roundUp(long value, long unit) {
        return Math.ceilDiv(value, unit) * unit;
    }

    /** Maps a region for {@code frameCount} frames of {@code frameSize} and wraps a pool over it. */
    public static HugePageRegion forFrames(int frameCount, int frameSize) throws IOException {
        return map((long) frameCount * frameSize);
    }

    /** A pool over exactly {@code frameCount} frames of this region; this region must outlive it. */
    public FramePool newFramePool(int frameCount, int frameSize, int headroom, int lowWatermark) {
        long bytes = (long) frameCount * frameSize;
        if (bytes > segment.byteSize()) {
            throw new IllegalArgumentException(frameCount + " frames of " + frameSize + " exceed the region");
        }
        return FramePool.wrap(segment.asSlice(0, bytes), frameSize, headroom, lowWatermark);
    }

    public MemorySegment segment() { return segment; }

    /** True when backed by 2 MiB hugepages, false when the fallback to ordinary pages was taken. */
    public boolean isHugePages() { return hugePages; }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.munmap(segment, segment.byteSize());
        }
    }
}
