package io.flyover.stack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.Pollable;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    /** Wakes every {@code period}, recording when it was polled. */
    private static final class Ticker implements Pollable {
        final long period;
        final List<Long> polls = new ArrayList<>();

        Ticker(long period) { this.period = period; }

        @Override
        public long poll(long nowNanos) {
            polls.add(nowNanos);
            return (nowNanos / period + 1) * period;
        }
    }

    @Test
    void timeJumpsFromDeadlineToDeadline() {
        Simulator sim = new Simulator(1);
        Ticker ticker = new Ticker(1_000_000);
        sim.add("ticker", ticker);
        sim.runFor(1_000_000_000L);
        assertEquals(1001, ticker.polls.size(), "one poll per millisecond from 0 to 1 s inclusive, none between");
        assertEquals(999_000_000L, ticker.polls.get(999));
        assertEquals(1_000_000_000L, sim.nowNanos());
    }

    @Test
    void idleSimulationJumpsToTheDeadlineInOneStep() {
        Simulator sim = new Simulator(1);
        sim.add("idle", now -> Long.MAX_VALUE);
        assertFalse(sim.runUntil(() -> false, 5_000_000_000L));
        assertEquals(1, sim.steps());
        assertEquals(5_000_000_000L, sim.nowNanos());
    }

    @Test
    void aConditionStopsTheRunAtTheStepThatMetIt() {
        Simulator sim = new Simulator(1);
        Ticker ticker = new Ticker(1_000);
        sim.add("ticker", ticker);
        assertTrue(sim.runUntil(() -> ticker.polls.size() >= 10, Long.MAX_VALUE));
        assertEquals(9_000, sim.nowNanos());
        assertTrue(sim.runUntil(() -> true, 0), "already met: no step");
        assertEquals(10, ticker.polls.size());
    }

    @Test
    void allParticipantsArePolledInOrderAtTheEarliestDeadline() {
        Simulator sim = new Simulator(1);
        List<String> log = new ArrayList<>();
        sim.add("slow", now -> { log.add("slow@" + now); return now + 300; });
        sim.add("fast", now -> { log.add("fast@" + now); return now + 100; });
        sim.runFor(200);
        assertEquals(List.of("slow@0", "fast@0", "slow@100", "fast@100", "slow@200", "fast@200"), log);
    }

    @Test
    void pendingWorkRunsAnotherStepAtTheSameInstant() {
        Simulator sim = new Simulator(1);
        int[] work = {3};
        List<Long> polls = new ArrayList<>();
        sim.add("worker", now -> {
            polls.add(now);
            return work[0]-- > 0 ? now - 5 : Long.MAX_VALUE; // a stale deadline means "due now"
        });
        sim.runFor(1_000);
        assertEquals(List.of(0L, 0L, 0L, 0L), polls);
    }

    @Test
    void aDeviceEventWakesTheSimulation() {
        Simulator sim = new Simulator(1);
        WakingDevice device = new WakingDevice(7_000);
        List<Long> polls = new ArrayList<>();
        sim.addDevice(device);
        sim.add("host", now -> {
            polls.add(now);
            if (now >= device.at) {
                device.at = Long.MAX_VALUE;
            }
            return Long.MAX_VALUE;
        });
        sim.runFor(1_000_000);
        assertEquals(List.of(0L, 7_000L), polls);
    }

    @Test
    void aLivelockFailsWithTheSeedAndTrace() {
        Simulator sim = new Simulator(77, 1_000_000, 1_000, 8);
        sim.add("spinner", now -> now);
        sim.addReport(() -> "custom counters here");
        SimulationFailure failure = assertThrows(SimulationFailure.class, () -> sim.runFor(1_000));
        assertEquals(77, failure.seed());
        String message = failure.getMessage();
        assertTrue(message.contains("livelock"), message);
        assertTrue(message.contains("seed 77L"), message);
        assertTrue(message.contains("custom counters here"), message);
        assertTrue(message.contains("(spinner)"), message);
    }

    @Test
    void theStepLimitHolds() {
        Simulator sim = new Simulator(5, 100, 1_000, 8);
        sim.add("ticker", new Ticker(1));
        SimulationFailure failure = assertThrows(SimulationFailure.class, () -> sim.runFor(1_000_000));
        assertTrue(failure.getMessage().contains("more than 100 steps"));
    }

    @Test
    void anExceptionFromAParticipantFailsWithItsCause() {
        Simulator sim = new Simulator(9);
        sim.add("bad", now -> { throw new IllegalStateException("boom"); });
        SimulationFailure failure = assertThrows(SimulationFailure.class, () -> sim.runFor(10));
        assertInstanceOf(IllegalStateException.class, failure.getCause());
        assertTrue(failure.getMessage().contains("seed 9L"));
    }

    @Test
    void anUnmetExpectationFailsWithAReport() {
        Simulator sim = new Simulator(3);
        sim.add("idle", now -> Long.MAX_VALUE);
        SimulationFailure failure = assertThrows(SimulationFailure.class,
                () -> sim.runUntilOrFail("the answer", () -> false, 1_000));
        assertTrue(failure.getMessage().contains("not reached by t=1000: the answer"), failure.getMessage());
    }

    @Test
    void randomSourcesDependOnlyOnTheSeedAndCallOrder() {
        Simulator a = new Simulator(11);
        Simulator b = new Simulator(11);
        Simulator c = new Simulator(12);
        long a1 = a.newRandom().nextLong();
        long a2 = a.newRandom().nextLong();
        assertEquals(a1, b.newRandom().nextLong());
        assertEquals(a2, b.newRandom().nextLong());
        assertTrue(a1 != a2);
        assertTrue(c.newRandom().nextLong() != a1);
    }

    @Test
    void steppingAllocatesNothing() {
        final class Counter implements Pollable {
            long polls;
            @Override public long poll(long nowNanos) {
                polls++;
                return nowNanos + 1_000;
            }
        }
        Simulator sim = new Simulator(1);
        Counter a = new Counter();
        Counter b = new Counter();
        sim.add("a", a).add("b", b).addDevice(new WakingDevice(Long.MAX_VALUE));
        sim.runFor(100_000_000); // warm up
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        sim.runFor(100_000_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(200_002, a.polls);
        assertTrue(allocated < 1_024, "100,000 steps allocated " + allocated + " bytes");
    }

    /** A device that has something to deliver at {@code at}. */
    private static final class WakingDevice implements NetDevice {
        long at;

        WakingDevice(long at) { this.at = at; }

        @Override public String name() { return "waking"; }
        @Override public DeviceCapabilities capabilities() { return new DeviceCapabilities(2, 1500, 1, 1, Set.of()); }
        @Override public FramePool pool() { throw new UnsupportedOperationException(); }
        @Override public int receive(int queue, FrameBurst into, long nowNanos) { return 0; }
        @Override public int transmit(int queue, FrameBurst frames, long nowNanos) { return 0; }
        @Override public long nextEventNanos() { return at; }
        @Override public void close() {}
    }
}
