package io.flyover.provider.stats;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

/**
 * {@code flyover-stat}: the Flyover processes running on this host and their counters, read from their
 * statistics files (as {@code xlio_stats} and {@code onload_stackdump} do for theirs).
 *
 * <pre>
 * flyover-stat [options]            list the running Flyover processes (stale files are removed)
 * flyover-stat [options] PID        one process, refreshed every interval (Ctrl-C to stop)
 *   -1, --once                      print once and exit
 *   -i, --interval SECONDS          refresh period (default 1; fractions allowed)
 *   -n, --count N                   stop after N refreshes
 *       --json                      JSON: one object (live: one object per line, with rates per second)
 *   -d, --dir DIR                   statistics directory (default: flyover.stats.dir / FLYOVER_STATS_DIR, else /dev/shm/flyover)
 *       --stale-after SECONDS       a heartbeat older than this marks a file stale (default 30)
 *       --keep-stale                report stale files without removing them
 * </pre>
 *
 * Exit status: 0, 1 when the process has no (live) statistics file, 2 on a usage error. Prints nothing
 * through a logging framework (the shaded jar carries no SLF4J binding).
 */
public final class FlyoverStat {
    private final PrintStream out;
    private final PrintStream err;
    private final EpochClock clock;
    private Path dir;
    private long pid = -1;
    private boolean once;
    private boolean json;
    private boolean keepStale;
    private long intervalMillis = 1_000;
    private long count = Long.MAX_VALUE;
    private long staleAfterMillis = StatsDirectory.DEFAULT_STALE_AFTER_MILLIS;

    FlyoverStat(PrintStream out, PrintStream err, EpochClock clock) {
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; answers its exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        FlyoverStat cmd = new FlyoverStat(out, err, SystemEpochClock.INSTANCE);
        String problem = cmd.parse(args);
        if (problem != null) {
            if (problem.isEmpty()) {
                out.println(usage()); // asked for
                return 0;
            }
            err.println("flyover-stat: " + problem);
            err.println(usage());
            return 2;
        }
        try {
            return cmd.pid < 0 ? cmd.list() : cmd.show();
        } catch (IOException e) {
            err.println("flyover-stat: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    static String usage() {
        return """
                usage: flyover-stat [options] [PID]
                  without PID: list the running Flyover processes (stale statistics files are removed)
                  with PID:    show that process's counters, refreshed every interval (Ctrl-C to stop)
                  -1, --once                print once and exit
                  -i, --interval SECONDS    refresh period (default 1)
                  -n, --count N             stop after N refreshes
                      --json                JSON output (live: one object per line, with rates per second)
                  -d, --dir DIR             statistics directory (default: flyover.stats.dir, FLYOVER_STATS_DIR, /dev/shm/flyover)
                      --stale-after SECONDS heartbeat age that marks a file stale (default 30)
                      --keep-stale          report stale files without removing them
                  -h, --help""";
    }

    /** Null when the arguments are good; "" for help; otherwise what is wrong. */
    private String parse(String[] args) {
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> { return ""; }
                    case "-1", "--once" -> once = true;
                    case "--json" -> json = true;
                    case "--keep-stale" -> keepStale = true;
                    case "-i", "--interval" -> intervalMillis = Math.max(1, (long) (Double.parseDouble(next(args, ++i, a)) * 1000));
                    case "-n", "--count" -> count = Long.parseLong(next(args, ++i, a));
                    case "-d", "--dir" -> dir = Path.of(next(args, ++i, a));
                    case "--stale-after" -> staleAfterMillis = (long) (Double.parseDouble(next(args, ++i, a)) * 1000);
                    default -> {
                        if (a.startsWith("-") || pid >= 0) {
                            return "unexpected argument '" + a + "'";
                        }
                        pid = Long.parseLong(a);
                    }
                }
            }
        } catch (NumberFormatException e) {
            return "not a number: " + e.getMessage();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (count < 1) {
            return "--count must be at least 1";
        }
        if (dir == null) {
            dir = StatsOptions.fromSystem().directory();
        }
        return null;
    }

    private static String next(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private StatsDirectory directory() {
        return new StatsDirectory(dir, staleAfterMillis, clock, StatsDirectory.ProcessProbe.SYSTEM);
    }

    private int list() throws IOException {
        StatsDirectory d = directory();
        List<StatsDirectory.Entry> entries = d.scan();
        List<StatsDirectory.Entry> removed = keepStale ? List.of() : d.removeStale(entries);
        out.println(json ? StatsReport.listJson(d, entries, removed) : StatsReport.listText(entries, removed, clock.time()).stripTrailing());
        out.flush();
        return 0;
    }

    private int show() throws IOException, InterruptedException {
        StatsDirectory d = directory();
        StatsDirectory.Entry e = d.find(pid);
        if (e == null) {
            err.println("flyover-stat: no statistics file for process " + pid + " in " + dir);
            return 1;
        }
        if (e.liveness() != StatsDirectory.Liveness.LIVE) {
            boolean removed = !keepStale && !d.removeStale(List.of(e)).isEmpty();
            err.println("flyover-stat: " + (removed ? "removed stale " : "stale ") + e.path() + " (" + e.reason() + ")");
            return 1;
        }
        StatsFileReader reader = e.reader();
        boolean terminal = !json && !once && System.console() != null && System.console().isTerminal();
        StatsSnapshot before = null;
        for (long n = 0; n < (once ? 1 : count); n++) {
            if (n > 0) {
                Thread.sleep(intervalMillis);
                String stale = java.nio.file.Files.exists(e.path()) ? d.staleReason(reader) : "its statistics file was removed";
                if (stale != null) {
                    err.println("flyover-stat: process " + pid + " ended (" + stale + ")");
                    return 0;
                }
            }
            StatsSnapshot now = reader.snapshot(System.nanoTime());
            if (json) {
                out.println(StatsReport.processJson(now, before));
            } else {
                if (terminal) {
                    out.print("\033[H\033[2J"); // home, clear screen: a refreshing view like xlio_stats
                } else if (n > 0) {
                    out.println();
                }
                out.print(StatsReport.processText(now, before, clock.time()));
            }
            out.flush();
            before = now;
        }
        return 0;
    }
}
