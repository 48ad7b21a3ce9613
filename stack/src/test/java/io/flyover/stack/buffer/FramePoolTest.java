package io.flyover.stack.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Test;

class FramePoolTest {

    @Test
    void everyFrameCanBeTakenOnceThenThePoolIsExhausted() {
        try (FramePool pool = FramePool.allocate(64)) {
            FrameCache cache = pool.newCache(8);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 64; i++) {
                int f = cache.acquire();
                assertNotEquals(FramePool.NO_FRAME, f);
                assertTrue(seen.add(f), "frame handed out twice: " + f);
            }
            assertEquals(FramePool.NO_FRAME, cache.acquire());
            assertEquals(64, pool.inUse());
            for (int f : seen) {
                cache.release(f);
            }
            cache.close();
            pool.checkAllReturned();
        }
    }

    @Test
    void acquiredFrameStartsEmptyAtTheHeadroom() {
        try (FramePool pool = FramePool.allocate(4, 2048, 128)) {
            FrameCache cache = pool.newCache(2);
            int f = cache.acquire();
            pool.setData(f, 10, 100);
            pool.setFlags(f, FrameFlags.TX_L4_CHECKSUM);
            cache.release(f);
            int g = cache.acquire();
            assertEquals(f, g, "last released is first reused (cache is a stack)");
            assertEquals(128, pool.dataOffset(g));
            assertEquals(0, pool.dataLength(g));
            assertEquals(0, pool.flags(g));
            assertEquals((long) g * 2048 + 128, pool.dataAddress(g));
            cache.release(g);
            cache.close();
        }
    }

    @Test
    void framesDoNotOverlapInTheRegion() {
        try (FramePool pool = FramePool.allocate(16, 256, 0)) {
            FrameCache cache = pool.newCache(16);
            int a = cache.acquire();
            int b = cache.acquire();
            MemorySegment region = pool.region();
            region.asSlice(pool.frameBase(a), 256).fill((byte) 0xAA);
            region.asSlice(pool.frameBase(b), 256).fill((byte) 0x55);
            assertEquals((byte) 0xAA, region.get(ValueLayout.JAVA_BYTE, pool.frameBase(a) + 255));
            assertEquals(a, pool.frameAt(pool.frameBase(a) + 17));
            assertEquals(FramePool.NO_FRAME, pool.frameAt(16L * 256));
            cache.release(a);
            cache.release(b);
            cache.close();
        }
    }

    @Test
    void doubleReleaseAndForeignIndicesAreRejected() {
        try (FramePool pool = FramePool.allocate(8)) {
            FrameCache cache = pool.newCache(4);
            int f = cache.acquire();
            cache.release(f);
            assertThrows(IllegalStateException.class, () -> cache.release(f));
            assertThrows(IllegalArgumentException.class, () -> cache.release(8));
            assertThrows(IllegalArgumentException.class, () -> cache.release(-1));
            cache.close();
        }
    }

    @Test
    void leakCheckNamesTheLeakedFrames() {
        try (FramePool pool = FramePool.allocate(8)) {
            FrameCache cache = pool.newCache(4);
            int kept = cache.acquire();
            IllegalStateException e = assertThrows(IllegalStateException.class, pool::checkAllReturned);
            assertTrue(e.getMessage().contains("1 of 8"), e.getMessage());
            assertTrue(e.getMessage().contains("[" + kept + "]"), e.getMessage());
            cache.release(kept);
            cache.close();
            pool.checkAllReturned();
        }
    }

    @Test
    void lowWatermarkTurnsOnAndOffWithUse() {
        try (FramePool pool = FramePool.allocate(64)) { // watermark 64 / 8 = 8
            FrameCache cache = pool.newCache(8);
            int[] taken = new int[56];
            for (int i = 0; i < 55; i++) {
                taken[i] = cache.acquire();
            }
            assertFalse(pool.belowLowWatermark());
            taken[55] = cache.acquire();
            assertTrue(pool.belowLowWatermark());
            cache.release(taken[55]);
            assertFalse(pool.belowLowWatermark());
            for (int i = 0; i < 55; i++) {
                cache.release(taken[i]);
            }
            cache.close();
            pool.checkAllReturned();
        }
    }

    @Test
    void framesHandedBetweenThreadsByIndexComeBackToThePool() throws Exception {
        try (FramePool pool = FramePool.allocate(256)) {
            BlockingQueue<Integer> handoff = new ArrayBlockingQueue<>(256);
            int rounds = 20_000;
            Thread consumer = Thread.ofPlatform().start(() -> {
                FrameCache mine = pool.newCache(32);
                try {
                    for (int i = 0; i < rounds; i++) {
                        int f = handoff.take();
                        assertEquals(f, pool.region().get(ValueLayout.JAVA_INT, pool.dataAddress(f)));
                        mine.release(f);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    mine.close();
                }
            });
            FrameCache producer = pool.newCache(32);
            for (int i = 0; i < rounds; ) {
                int f = producer.acquire();
                if (f == FramePool.NO_FRAME) {
                    Thread.onSpinWait();
                    continue;
                }
                pool.region().set(ValueLayout.JAVA_INT, pool.dataAddress(f), f);
                handoff.put(f);
                i++;
            }
            consumer.join();
            producer.close();
            pool.checkAllReturned();
        }
    }

    @Test
    void wrapsMemoryItDoesNotOwn() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(4 * 4096, 4096);
            FramePool pool = FramePool.wrap(memory, 4096, 256, 1);
            assertEquals(4, pool.frameCount());
            pool.close(); // must not free the caller's memory
            memory.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        }
    }

    @Test
    void rejectsSizesDevicesCannotUse() {
        assertThrows(IllegalArgumentException.class, () -> FramePool.allocate(4, 1000, 0));
        assertThrows(IllegalArgumentException.class, () -> FramePool.allocate(4, 2048, 2048));
    }
}
