package io.flyover.stack.sim;

import io.flyover.stack.Pollable;
import io.flyover.stack.RandomSource;
import io.flyover.stack.SeededRandom;
import io.flyover.stack.device.NetDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Virtual time driving several {@link Pollable}s (stacks, test hosts) and software devices,
 * reproducible from one seed.
 *
 * <p>Event-driven: each step polls every participant, in the order they were added (devices that are
 * {@link Pollable} first), at the current virtual time; the next step runs at the earliest of the
 * deadlines the polls returned and the devices' {@link NetDevice#nextEventNanos()}. A deadline at or
 * before now (work still pending) runs another step at the same instant; when nothing is pending
 * anywhere, time jumps straight to the run's deadline. Nothing steps while idle.
 *
 * <p>Guards: a run fails with a {@link SimulationFailure} after {@code maxSteps} steps, or after
 * {@code maxStepsPerInstant} steps without time moving (a livelock); an exception thrown by a
 * participant fails it too. The failure names the seed, time and last steps, so the seed can be
 * pinned as a regression test.
 */
public final class Simulator {
    public static final long DEFAULT_MAX_STEPS = 50_000_000L;
    public static final long DEFAULT_MAX_STEPS_PER_INSTANT = 100_000L;
    public static final int DEFAULT_TRACE_STEPS = 32;

    private final long seed;
    private final SeededRandom random;
    private final long maxSteps;
    private final long maxStepsPerInstant;
    private final SimulationTrace trace;

    private final List<String> names = new ArrayList<>();
    private final List<Pollable> pollables = new ArrayList<>();
    private final List<NetDevice> devices = new ArrayList<>();
    private final List<Supplier<String>> reports = new ArrayList<>();
    private Pollable[] polled = new Pollable[0];
    private NetDevice[] watched = new NetDevice[0];
    private int[] watchedSource = new int[0];
    private String[] sourceNames = new String[0];

    private long nowNanos;
    private long steps;

    public Simulator(long seed) {
        this(seed, DEFAULT_MAX_STEPS, DEFAULT_MAX_STEPS_PER_INSTANT, DEFAULT_TRACE_STEPS);
    }

    /**
     * @param maxSteps the most steps one run ({@link #runUntil}) may take
     * @param maxStepsPerInstant the most consecutive steps at one virtual instant
     * @param traceSteps how many recent steps a failure report shows
     */
    public Simulator(long seed, long maxSteps, long maxStepsPerInstant, int traceSteps) {
        if (maxSteps < 1 || maxStepsPerInstant < 1) {
            throw new IllegalArgumentException("step limits must be positive");
        }
        this.seed = seed;
        this.random = new SeededRandom(seed);
        this.maxSteps = maxSteps;
        this.maxStepsPerInstant = maxStepsPerInstant;
        this.trace = new SimulationTrace(traceSteps);
    }

    public long seed() { return seed; }

    /** Virtual time, in nanoseconds since the start of the simulation. */
    public long nowNanos() { return nowNanos; }

    /** Steps taken so far, over all runs. */
    public long steps() { return steps; }

    /** An independent random source for one participant, derived from the seed in call order. */
    public RandomSource newRandom() {
        return random.split();
    }

    /** Adds a participant polled at every step. */
    public Simulator add(String name, Pollable pollable) {
        names.add(name);
        pollables.add(pollable);
        rebuild();
        return this;
    }

    /** Adds a device whose {@link NetDevice#nextEventNanos()} wakes the simulation; polled too if it is {@link Pollable}. */
    public Simulator addDevice(NetDevice device) {
        devices.add(device);
        rebuild();
        return this;
    }

    /** Adds text to every failure report (counters, digests), computed when a report is written. */
    public Simulator addReport(Supplier<String> report) {
        reports.add(report);
        return this;
    }

    private void rebuild() {
        List<Pollable> all = new ArrayList<>();
        List<String> allNames = new ArrayList<>();
        for (NetDevice d : devices) {
            if (d instanceof Pollable p) {
                all.add(p);
                allNames.add(d.name());
            }
        }
        all.addAll(pollables);
        allNames.addAll(names);
        int pollCount = all.size();
        for (NetDevice d : devices) {
            allNames.add(d.name() + " (next event)");
        }
        polled = all.toArray(Pollable[]::new);
        watched = devices.toArray(NetDevice[]::new);
        watchedSource = new int[watched.length];
        for (int i = 0; i < watched.length; i++) {
            watchedSource[i] = pollCount + i;
        }
        sourceNames = allNames.toArray(String[]::new);
    }

    /** Runs for {@code durationNanos} of virtual time. */
    public void runFor(long durationNanos) {
        runUntil(() -> false, Math.addExact(nowNanos, durationNanos));
    }

    /**
     * Steps until {@code condition} holds (checked before the first step and after each) or virtual
     * time would pass {@code deadlineNanos}; time is then at the deadline.
     *
     * @return whether the condition held
     * @throws SimulationFailure on a livelock, too many steps, or an exception from a participant
     */
    public boolean runUntil(BooleanSupplier condition, long deadlineNanos) {
        long stepsThisRun = 0;
        long stepsThisInstant = 0;
        while (true) {
            if (check(condition)) {
                return true;
            }
            if (++stepsThisRun > maxSteps) {
                throw failure("more than " + maxSteps + " steps in one run", null);
            }
            if (++stepsThisInstant > maxStepsPerInstant) {
                throw failure("livelock: " + maxStepsPerInstant + " steps without time advancing", null);
            }
            long next = Long.MAX_VALUE;
            int source = -1;
            try {
                for (int i = 0; i < polled.length; i++) {
                    long deadline = polled[i].poll(nowNanos);
                    if (deadline < next) {
                        next = deadline;
                        source = i;
                    }
                }
                for (int i = 0; i < watched.length; i++) {
                    long event = watched[i].nextEventNanos();
                    if (event < next) {
                        next = event;
                        source = watchedSource[i];
                    }
                }
            } catch (RuntimeException | AssertionError e) {
                throw failure("exception at step " + steps, e);
            }
            trace.record(steps++, nowNanos, next, source);
            if (next <= nowNanos) {
                continue;
            }
            if (check(condition)) {
                return true;
            }
            if (next > deadlineNanos) {
                if (deadlineNanos != Long.MAX_VALUE) {
                    nowNanos = Math.max(nowNanos, deadlineNanos);
                }
                return false;
            }
            nowNanos = next;
            stepsThisInstant = 0;
        }
    }

    private boolean check(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (RuntimeException e) {
            throw failure("exception from the run's condition", e);
        }
    }

    /**
     * Like {@link #runUntil} but an unmet condition is a failure: throws a {@link SimulationFailure}
     * saying {@code what} was expected, with the report.
     */
    public void runUntilOrFail(String what, BooleanSupplier condition, long deadlineNanos) {
        if (!runUntil(condition, deadlineNanos)) {
            throw failure("not reached by t=" + nowNanos + ": " + what, null);
        }
    }

    /** A failure carrying the seed, time, trace and registered reports. */
    public SimulationFailure failure(String reason, Throwable cause) {
        return new SimulationFailure(seed, report(reason), cause);
    }

    /** The text of a failure report. */
    public String report(String reason) {
        StringBuilder out = new StringBuilder();
        out.append("simulation failed: ").append(reason).append('\n');
        out.append("  seed ").append(seed).append("L (replay: pin this seed in a regression test)")
                .append(", t=").append(nowNanos).append(" ns, steps=").append(steps).append('\n');
        for (Supplier<String> r : reports) {
            String text;
            try {
                text = r.get();
            } catch (RuntimeException e) {
                text = "(report failed: " + e + ")";
            }
            out.append("  ").append(text).append('\n');
        }
        out.append("  last steps:\n");
        trace.appendTo(out, sourceNames);
        return out.toString();
    }
}
