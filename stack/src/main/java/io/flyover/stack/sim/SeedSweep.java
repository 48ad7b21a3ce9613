package io.flyover.stack.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one simulation for many seeds and, when some fail, fails naming every failing seed (up to a
 * limit) so each can be pinned as a regression test.
 */
public final class SeedSweep {
    /** Stops after this many failing seeds. */
    public static final int MAX_FAILURES = 10;

    /** One seeded run; throws to fail. */
    @FunctionalInterface
    public interface SeededRun {
        void run(long seed) throws Exception;
    }

    private SeedSweep() {}

    /** Runs {@code body} for seeds {@code firstSeed, firstSeed + 1, ...}, {@code count} of them. */
    public static void run(long firstSeed, int count, SeededRun body) {
        List<Long> failed = new ArrayList<>();
        Throwable first = null;
        for (int i = 0; i < count && failed.size() < MAX_FAILURES; i++) {
            long seed = firstSeed + i;
            try {
                body.run(seed);
            } catch (Exception | AssertionError e) {
                failed.add(seed);
                if (first == null) {
                    first = e;
                }
            }
        }
        if (!failed.isEmpty()) {
            StringBuilder seeds = new StringBuilder();
            for (long s : failed) {
                seeds.append(seeds.isEmpty() ? "" : ", ").append(s).append('L');
            }
            throw new AssertionError(failed.size() + " seed(s) failed"
                    + (failed.size() == MAX_FAILURES ? " (stopped at " + MAX_FAILURES + ")" : "")
                    + "; pin them: " + seeds + "\nfirst failure: " + first.getMessage(), first);
        }
    }
}
