package io.flyover.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One entry of JMH's JSON results: a benchmark method with one parameter combination.
 *
 * @param benchmark the method's full name
 * @param params the {@code @Param} values
 * @param percentiles for SampleTime runs: percentile (0-100) to value in {@code unit}; else empty
 * @param bytesPerOp {@code gc.alloc.rate.norm} when run with {@code -prof gc}; NaN otherwise
 */
record JmhResult(String benchmark, String mode, Map<String, String> params, double score, String unit,
                 TreeMap<Double, Double> percentiles, double bytesPerOp) {

    /** The parameter naming the network path ("flyover" or "kernel"), if the benchmark has one. */
    static final List<String> PATH_PARAMS = List.of("path", "provider");

    /** {@code -prof gc}'s bytes allocated per operation. */
    static final String ALLOCATION = "gc.alloc.rate.norm";

    /** All results of a JMH {@code -rf json} file. */
    static List<JmhResult> parseAll(String json) {
        List<JmhResult> out = new ArrayList<>();
        if (!(Json.parse(json) instanceof List<?> entries)) {
            throw new IllegalArgumentException("JMH JSON results are an array");
        }
        for (Object e : entries) {
            Map<String, Object> o = Json.object(e);
            Map<String, String> params = new TreeMap<>();
            Json.object(o.get("params")).forEach((k, v) -> params.put(k, String.valueOf(v)));
            Map<String, Object> primary = Json.object(o.get("primaryMetric"));
            TreeMap<Double, Double> percentiles = new TreeMap<>();
            if ("sample".equals(o.get("mode"))) {
                Json.object(primary.get("scorePercentiles"))
                        .forEach((p, v) -> percentiles.put(Double.parseDouble(p), Json.number(v)));
            }
            Map<String, Object> secondary = Json.object(o.get("secondaryMetrics"));
            Object norm = secondary.containsKey(ALLOCATION) ? secondary.get(ALLOCATION) : secondary.get("·" + ALLOCATION); // JMH < 1.36 wrote "·gc..."
            double alloc = Json.number(Json.object(norm).get("score"));
            out.add(new JmhResult(String.valueOf(o.get("benchmark")), String.valueOf(o.get("mode")), params,
                    Json.number(primary.get("score")), String.valueOf(primary.get("scoreUnit")), percentiles, alloc));
        }
        return out;
    }

    /** "flyover", "kernel", or null when the benchmark does not compare paths. */
    String path() {
        for (String p : PATH_PARAMS) {
            String v = params.get(p);
            if (v != null) {
                String l = v.toLowerCase(java.util.Locale.ROOT);
                if (l.contains("flyover")) {
                    return "flyover";
                }
                if (l.contains("kernel") || l.contains("jdk")) {
                    return "kernel";
                }
            }
        }
        return null;
    }

    /** The method name without the package, plus the parameters other than the path. */
    String setup() {
        String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        StringBuilder b = new StringBuilder(name);
        params.forEach((k, v) -> {
            if (!PATH_PARAMS.contains(k)) {
                b.append(' ').append(k).append('=').append(v);
            }
        });
        return b.toString();
    }

    double percentile(double p) {
        Double v = percentiles.get(p);
        return v == null ? Double.NaN : v;
    }
}
