package io.flyover.linux.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HugePageRegionTest {

    private static long freeHugePages() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("HugePages_Free:")) {
                return Long.parseLong(line.split("\\s+")[1]);
            }
        }
        return 0;
    }

    @Test
    void mapsHugePagesWhenReservedAndOrdinaryPagesOtherwise() throws Exception {
        long free = freeHugePages();
        try (HugePageRegion region = HugePageRegion.map(3 << 20)) {
            System.out.println("HugePages_Free before: " + free + ", region of " + region.segment().byteSize()
                    + " bytes on hugepages: " + region.isHugePages());
            if (free >= 2) {
                assertTrue(region.isHugePages(), "hugepages were reserved and free");
                assertEquals(4 << 20, region.segment().byteSize(), "rounded up to whole 2 MiB pages");
                assertEquals(0, region.segment().address() % HugePageRegion.HUGE_PAGE_SIZE);
            } else {
                assertEquals(false, region.isHugePages(), "no hugepages reserved: the fallback must be taken");
                assertEquals(3 << 20, region.segment().byteSize());
            }
            assertEquals(0, region.segment().address() % 4096, "page-aligned, as UMEM needs");
        }
    }

    @Test
    void aPoolOverTheRegionCarvesFramesAndReturnsThem() throws Exception {
        try (HugePageRegion region = HugePageRegion.forFrames(1024, 2048)) {
            FramePool pool = region.newFramePool(1024, 2048, 256, 64);
            assertEquals(1024, pool.frameCount());
            try (FrameCache cache = pool.newCache(64)) {
                int[] frames = new int[1024];
                for (int i = 0; i < frames.length; i++) {
                    frames[i] = cache.acquire();
                    pool.region().set(ValueLayout.JAVA_INT, pool.dataAddress(frames[i]), i);
                }
                for (int i = 0; i < frames.length; i++) {
                    assertEquals(i, pool.region().get(ValueLayout.JAVA_INT, pool.dataAddress(frames[i])));
                    cache.release(frames[i]);
                }
            }
            pool.checkAllReturned();
            assertThrows(IllegalArgumentException.class, () -> region.newFramePool(4096, 2048, 256, 0));
        }
    }
}
