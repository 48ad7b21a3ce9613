package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The comparison table: values, ratios and goals, from given figures (no benchmark run). */
class TcpComparisonTest {

    @Test
    void printsBothPathsTheRatioAndTheGoal() {
        String table = TcpComparison.table(List.of(
                new TcpComparison.Figure("IPv4, 2 threads", "round trip p50 (us)", 1.2, 9.6, "<= 1.5 us: met"),
                new TcpComparison.Figure("IPv4, 2 threads", "bulk (Gbit/s)", 12, 24, ">= kernel: NOT met")));
        String[] lines = table.split("\n");
        assertEquals(4, lines.length, table);
        assertTrue(lines[2].matches("IPv4, 2 threads\\s+round trip p50 \\(us\\)\\s+1\\.20\\s+9\\.60\\s+0\\.13x\\s+<= 1\\.5 us: met"), lines[2]);
        assertTrue(lines[3].matches("IPv4, 2 threads\\s+bulk \\(Gbit/s\\)\\s+12\\.0\\s+24\\.0\\s+0\\.50x\\s+>= kernel: NOT met"), lines[3]);
    }
}
