package io.flyover.benchmarks.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;

/**
 * A latency-by-percentile chart as standalone SVG, in the style of HdrHistogram's percentile plots: the
 * x axis is {@code 1/(1-percentile)} on a log scale (so 90%, 99%, 99.9% ... are evenly spaced), the y
 * axis is the latency in microseconds on a log scale.
 */
final class LatencyChart {
    /** One curve: percentile (0-100) to microseconds. */
    record Series(String label, String color, String dash, NavigableMap<Double, Double> micros) {}

    private static final int WIDTH = 860;
    private static final int PLOT_BOTTOM = 480; // the legend goes below, one row per curve
    private static final int LEFT = 80;
    private static final int RIGHT = 40;
    private static final int LEGEND_ROW = 20;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final double MAX_NINES = 6; // up to 99.9999%

    private LatencyChart() {}

    static String svg(String title, List<Series> series) {
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Series s : series) {
            for (Map.Entry<Double, Double> e : s.micros().entrySet()) {
                if (plottable(e.getKey(), e.getValue())) {
                    lo = Math.min(lo, e.getValue());
                    hi = Math.max(hi, e.getValue());
                }
            }
        }
        if (hi == 0) {
            lo = 1;
            hi = 10;
        }
        double yMin = Math.pow(10, Math.floor(Math.log10(lo)));
        double yMax = Math.pow(10, Math.ceil(Math.log10(hi)));
        if (yMax <= yMin) {
            yMax = yMin * 10;
        }
        int height = PLOT_BOTTOM + 10 + LEGEND_ROW * series.size();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, height, WIDTH, height));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = PLOT_BOTTOM - TOP - BOTTOM;
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
                LEFT, TOP, plotW, plotH));
        for (int nines = 0; nines <= MAX_NINES; nines++) {
            double x = LEFT + plotW * nines / MAX_NINES;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, TOP, x, TOP + plotH));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, TOP + plotH + 18, percentLabel(nines)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n", LEFT + plotW / 2, PLOT_BOTTOM - 15));
        for (double v = yMin; v <= yMax * 1.0001; v *= 10) {
            double y = yOf(v, yMin, yMax, plotH);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, y, LEFT + plotW, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, y + 4, micros(v)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\" transform=\"rotate(-90 20 %d)\" text-anchor=\"middle\">round trip (µs)</text>%n",
                TOP + plotH / 2, TOP + plotH / 2));
        int legendY = PLOT_BOTTOM + 10;
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            for (Map.Entry<Double, Double> e : s.micros().entrySet()) {
                if (plottable(e.getKey(), e.getValue())) {
                    double x = LEFT + plotW * Math.min(nines(e.getKey()), MAX_NINES) / MAX_NINES;
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, yOf(e.getValue(), yMin, yMax, plotH)));
                }
            }
            b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\" points=\"%s\"/>%n",
                    s.color(), s.dash(), points.toString().trim()));
            int lx = LEFT;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\"/>%n",
                    lx, legendY, lx + 24, legendY, s.color(), s.dash()));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 30, legendY + 4, escape(s.label())));
            legendY += LEGEND_ROW;
        }
        return b.append("</svg>\n").toString();
    }

    /** log10(1 / (1 - p)): 0 at the median's left end, 1 at 90%, 2 at 99%, ... */
    static double nines(double percentile) {
        return Math.log10(100 / (100 - percentile));
    }

    private static boolean plottable(double percentile, double value) {
        return percentile < 100 && value > 0 && !Double.isNaN(value);
    }

    private static double yOf(double v, double yMin, double yMax, int plotH) {
        return TOP + plotH * (1 - (Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)));
    }

    private static String percentLabel(int nines) {
        if (nines == 0) {
            return "0%";
        }
        return switch (nines) {
            case 1 -> "90%";
            case 2 -> "99%";
            default -> "99." + "9".repeat(nines - 2) + "%";
        };
    }

    private static String micros(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
