package io.flyover.stack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeedSweepTest {

    @Test
    void everySeedRunsWhenAllPass() {
        List<Long> seen = new ArrayList<>();
        SeedSweep.run(100, 5, seen::add);
        assertEquals(List.of(100L, 101L, 102L, 103L, 104L), seen);
    }

    @Test
    void failingSeedsAreNamedForPinning() {
        AssertionError error = assertThrows(AssertionError.class, () -> SeedSweep.run(0, 20, seed -> {
            if (seed % 7 == 0) {
                throw new IllegalStateException("bad seed " + seed);
            }
        }));
        assertTrue(error.getMessage().startsWith("3 seed(s) failed; pin them: 0L, 7L, 14L"), error.getMessage());
        assertTrue(error.getMessage().contains("bad seed 0"));
    }

    @Test
    void theSweepStopsAfterTenFailures() {
        int[] runs = {0};
        AssertionError error = assertThrows(AssertionError.class, () -> SeedSweep.run(0, 1000, seed -> {
            runs[0]++;
            throw new AssertionError("always");
        }));
        assertEquals(SeedSweep.MAX_FAILURES, runs[0]);
        assertTrue(error.getMessage().contains("(stopped at 10)"));
    }
}
