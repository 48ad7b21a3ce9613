package io.flyover.stack.sim;

/**
 * The last steps of a simulation, kept in a preallocated ring for failure reports: at which virtual
 * time each step ran, the next deadline it found and which participant set that deadline.
 */
final class SimulationTrace {
    private final long[] step;
    private final long[] now;
    private final long[] next;
    private final int[] source;
    private long count;

    SimulationTrace(int capacity) {
        int c = Math.max(1, capacity);
        step = new long[c];
        now = new long[c];
        next = new long[c];
        source = new int[c];
    }

    void record(long stepNumber, long nowNanos, long nextNanos, int sourceIndex) {
        int i = (int) (count++ % step.length);
        step[i] = stepNumber;
        now[i] = nowNanos;
        next[i] = nextNanos;
        source[i] = sourceIndex;
    }

    void appendTo(StringBuilder out, String[] sourceNames) {
        long first = Math.max(0, count - step.length);
        for (long k = first; k < count; k++) {
            int i = (int) (k % step.length);
            out.append("  step ").append(step[i]).append(" t=").append(now[i]).append(" -> next ");
            if (next[i] == Long.MAX_VALUE) {
                out.append("idle");
            } else {
                out.append(next[i]).append(" (").append(source[i] >= 0 && source[i] < sourceNames.length
                        ? sourceNames[source[i]] : "?").append(')');
            }
            out.append('\n');
        }
    }
}
