package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VmStallsTest {
    @Test
    void onlyGapsOfTheThresholdOrMoreAreStallsAndTheirTimeIsSummed() {
        VmStalls s = new VmStalls();
        long t = 1_000;
        long end = t + 1_000_000_000L;
        s.observe(t);
        s.observe(t += VmStalls.THRESHOLD_NANOS - 1);     // just short of a stall
        s.observe(t += VmStalls.THRESHOLD_NANOS);         // a stall
        s.observe(t += 50_000);                           // another
        while (t < end) {
            s.observe(t = Math.min(end, t + 1_000));      // the rest: working
        }
        assertEquals(2.0, s.perSecond(), 1e-9);
        assertEquals((VmStalls.THRESHOLD_NANOS + 50_000) / 1e9, s.stalledShare(), 1e-12);
    }

    @Test
    void noSpanMeansNoStalls() {
        VmStalls s = new VmStalls();
        assertEquals(0, s.perSecond());
        s.observe(5);
        assertEquals(0, s.stalledShare());
    }
}
