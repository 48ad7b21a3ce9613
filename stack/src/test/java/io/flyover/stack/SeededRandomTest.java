package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeededRandomTest {
    @Test
    void sameSeedSameSequenceOtherSeedOtherSequence() {
        long[] a = draw(new SeededRandom(42), 100);
        assertArrayEquals(a, draw(new SeededRandom(42), 100));
        assertNotEquals(a[0], draw(new SeededRandom(43), 1)[0]);
    }

    @Test
    void boundedDrawsStayInRangeAndCoverIt() {
        RandomSource r = new SeededRandom(7);
        int[] hits = new int[10];
        for (int i = 0; i < 100_000; i++) {
            hits[r.nextInt(10)]++;
        }
        for (int h : hits) {
            assertTrue(h > 9_000 && h < 11_000, "skewed: " + h);
        }
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
    }

    private static long[] draw(RandomSource r, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextLong();
        }
        return out;
    }
}
