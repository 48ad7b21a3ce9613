package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairedPingPongTest {
    @Test
    void aRoundMeetsTheGoalOnlyWhenBothRatiosDo() {
        assertTrue(new PairedPingPong.Pair(1, "read", 111, 1_300, 3_000, 12_000, 1_400, 2_200, 9_000, 52_000).meetsGoal());
        assertFalse(new PairedPingPong.Pair(1, "read", 111, 1_300, 3_000, 12_000, 2_000, 2_200, 9_000, 52_000).meetsGoal(), "p50 4.5x");
        assertFalse(new PairedPingPong.Pair(1, "read", 111, 1_300, 3_000, 12_000, 1_400, 6_000, 9_000, 52_000).meetsGoal(), "p99 8.7x");
    }

    @Test
    void theSummaryGivesMedianRatiosAndCountsTheRoundsThatMetTheGoal() {
        List<PairedPingPong.Pair> pairs = List.of(
                new PairedPingPong.Pair(1, "read", 111, 1_300, 3_000, 12_000, 1_000, 2_000, 6_000, 40_000),   // 6x, 20x: met
                new PairedPingPong.Pair(2, "read", 450, 1_300, 3_000, 12_000, 6_000, 45_000, 12_000, 54_000), // 2x, 1.2x
                new PairedPingPong.Pair(3, "read", 440, 1_300, 3_000, 12_000, 3_000, 10_000, 12_000, 60_000)); // 4x, 6x
        assertEquals("read: median ratio p50 4.00 (2.00-6.00), p99 6.00 (1.20-20.00); goal met in 1 of 3 rounds",
                PairedPingPong.summary("read", pairs));
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, PairedPingPong.median(new double[] {4, 1, 3, 2}));
        assertEquals(3, PairedPingPong.median(new double[] {5, 3, 1}));
    }
}
