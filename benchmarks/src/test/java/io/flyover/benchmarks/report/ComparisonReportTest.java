package io.flyover.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table and the chart from canned JMH JSON (two paired benchmarks, two single-path ones). */
class ComparisonReportTest {
    @TempDir Path dir;

    private static List<JmhResult> canned() throws IOException {
        try (InputStream in = ComparisonReportTest.class.getResourceAsStream("canned-jmh.json")) {
            return JmhResult.parseAll(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void parsesEveryEntryWithItsPathPercentilesAndAllocation() throws IOException {
        List<JmhResult> r = canned();
        assertEquals(7, r.size());
        assertEquals("flyover", r.get(0).path());
        assertEquals("kernel", r.get(1).path());
        assertEquals(3000.0, r.get(0).percentile(99));
        assertEquals(0.004, r.get(0).bytesPerOp());
        assertTrue(Double.isNaN(r.get(2).bytesPerOp()), "no -prof gc figure");
        assertTrue(r.get(2).percentiles().isEmpty(), "throughput runs have no latency percentiles");
        assertEquals(null, r.get(4).path());
        assertEquals("TcpPingPongBenchmark.roundTrip ipVersion=4 threads=1", r.get(0).setup());
    }

    @Test
    void tablePutsEachGoalBesideItsResultInTheSameUnit() throws IOException {
        String md = ComparisonReport.markdown(canned());
        // Flyover 2.0 us (ns/op) against kernel 14 us (us/op): 7x lower, goal 5x met.
        assertTrue(row(md, "round trip p50").matches(".*\\| 2\\.000 \\| 14\\.0 \\| 7\\.00x \\| >= 5x lower \\| yes \\|.*"), md);
        // p99: 3.0 against 40 us is 13.3x, goal 10x met; p99.9: 9 against 90 us, no goal.
        assertTrue(row(md, "round trip p99 ").contains("13.33x | >= 10x lower | yes"), md);
        assertTrue(row(md, "round trip p99.9").contains("10.00x | (none)"), md);
        // Bulk: 80k against 100k ops/s misses ">= kernel".
        assertTrue(row(md, "TcpBulkBenchmark.send").contains("0.80x | >= kernel | **no**"), md);
        // Allocation: 0 B/op met, 24 B/op not, the kernel arm's own 48 B/op not judged, no -prof gc said so.
        assertTrue(row(md, "BufferPoolBenchmark.acquireRelease").endsWith("| 0 B/op | yes |"), md);
        assertTrue(row(md, "WireParsingBenchmark.parseTcpIpv4").endsWith("| 0 B/op | **no** |"), md);
        assertTrue(row(md, "roundTrip ipVersion=4 threads=1 [Flyover]").contains("| 0.004 | 0 B/op | yes |"), md);
        assertTrue(!md.contains("48.0"), md);
        assertTrue(row(md, "TcpBulkBenchmark.send ipVersion=4 threads=1 [Flyover]").contains("not measured"), md);
        // Connection setup allocates by design: its figure is shown, with no zero goal to miss.
        assertTrue(row(md, "ConnectionSetupBenchmark").endsWith("| 1,069,327 | (reported) |  |"), md);
    }

    @Test
    void chartIsWellFormedSvgWithOneCurvePerPathAndPercentileAxis() throws Exception {
        ComparisonReport.write(dir, canned());
        Path svg = dir.resolve("latency.svg");
        assertTrue(Files.exists(dir.resolve("results.md")));
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertEquals("svg", doc.getDocumentElement().getNodeName());
        var lines = doc.getElementsByTagName("polyline");
        assertEquals(2, lines.getLength(), "Flyover and kernel for the one round-trip benchmark");
        String text = Files.readString(svg);
        assertTrue(text.contains("99.99%") && text.contains("90%"), "percentile axis labels");
        String flyover = lines.item(0).getAttributes().getNamedItem("points").getNodeValue();
        String kernel = lines.item(1).getAttributes().getNamedItem("points").getNodeValue();
        assertEquals(9, flyover.split(" ").length, "every percentile but 100%");
        // SVG y grows downwards: Flyover's lower median is drawn below the kernel's.
        assertTrue(firstY(flyover) > firstY(kernel), flyover + " / " + kernel);
    }

    @Test
    void malformedJsonIsRefusedWithItsOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JmhResult.parseAll("[{\"a\": }]"));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JmhResult.parseAll("{}"));
    }

    @Test
    void percentileAxisIsNinesOfOneOverOneMinusP() {
        assertEquals(0, LatencyChart.nines(0), 1e-9);
        assertEquals(2, LatencyChart.nines(99), 1e-9);
        assertEquals(3, LatencyChart.nines(99.9), 1e-9);
    }

    private static String row(String md, String contains) {
        return md.lines().filter(l -> l.contains(contains)).findFirst().orElse("(no row with '" + contains + "')");
    }

    private static double firstY(String points) {
        Matcher m = Pattern.compile("[0-9.]+,([0-9.]+)").matcher(points);
        assertTrue(m.find());
        return Double.parseDouble(m.group(1));
    }
}
