package io.flyover.provider.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.ForwardingNetDevice;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.VethPair;
import io.flyover.stack.tcp.TcpSettings;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stack thread's turn on a device stack, driven by hand with an injected clock: it leaves the stack
 * to application threads while they poll it, but not once they park (their earlier polls do not count),
 * and when nobody polls and no timer is near it sleeps in the device instead of parking blind, until
 * input comes or an application thread arms a nearer timer.
 */
@Timeout(30)
class StackThreadTurnTest {
    private final FramePool poolA = FramePool.allocate(256);
    private final FramePool poolB = FramePool.allocate(256);
    private final VethPair veth = VethPair.create(poolA, 0x0200_0000_000AL, poolB, 0x0200_0000_000BL, 64);
    private final WaitCountingDevice device = new WaitCountingDevice(veth.a());
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final StackRuntime runtime = new StackRuntime("veth-a",
            new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).build(), device, new SeededRandom(5)),
            false, clock::get, null);

    @AfterEach
    void close() {
        runtime.close();
        veth.b().close();
    }

    private void applicationPoll() {
        runtime.lock();
        try {
            runtime.pollLocked();
        } finally {
            runtime.unlock();
        }
    }

    @Test
    void anApplicationThreadThatParkedNoLongerCountsAsDrivingTheStack() {
        applicationPoll();
        clock.addAndGet(10_000);
        long polls = runtime.stackThreadPolls();
        runtime.agentTurn(); // 10 µs after an application poll: the application drives, the stack thread rests
        assertEquals(polls, runtime.stackThreadPolls(), "resting while the application polls");
        runtime.wakeAgent(); // the application thread is about to park
        clock.addAndGet(10_000);
        runtime.agentTurn();
        assertEquals(polls + 1, runtime.stackThreadPolls(), "with the application parked, the stack thread polls at once");
    }

    @Test
    void anIdleStackThreadSleepsInTheDeviceAfterAShortSpin() {
        runtime.sleepInDeviceWhenIdle(true); // what the default backoff idle strategy chooses
        clock.addAndGet(1_000_000_000L); // nobody polled for a second
        for (int i = 0; i < 200; i++) {
            runtime.agentTurn();
        }
        assertTrue(device.waits > 0, "the stack thread waited in the device");
        assertTrue(device.waits < 200, "only after a spin of empty polls: " + device.waits);
    }

    @Test
    void aStackThreadToldToSpinNeverSleepsInTheDevice() {
        runtime.sleepInDeviceWhenIdle(false); // busy-spin or yield
        clock.addAndGet(1_000_000_000L);
        for (int i = 0; i < 200; i++) {
            runtime.agentTurn();
        }
        assertEquals(0, device.waits);
    }

    /**
     * An application thread that arms a TCP timer nearer than the end of the stack thread's sleep in the
     * device wakes it; one that arms a later timer does not. The device's wait here ends only when woken,
     * so nothing but the wake can end it.
     */
    @Test
    void aTimerArmedNearerThanTheStackThreadsSleepWakesIt() throws Exception {
        device.blockUntilWoken = true;
        runtime.sleepInDeviceWhenIdle(true);
        clock.addAndGet(1_000_000_000L); // nobody polled for a second
        Thread agent = Thread.ofPlatform().daemon().start(() -> {
            while (device.waits == 0) {
                runtime.agentTurn();
            }
        });
        device.waiting.acquire(); // the stack thread sleeps in the device, towards a 10 ms deadline

        connect(1_000_000_000L); // a SYN whose retransmission is due in 1 s: after the sleep ends anyway
        Thread.sleep(100);
        assertEquals(0, device.wakes, "a timer beyond the sleep wakes nobody");
        assertTrue(agent.isAlive());

        connect(2_000_000L); // due in 2 ms, before the sleep's 10 ms
        agent.join(20_000);
        assertEquals(1, device.wakes, "the nearer timer woke the stack thread");
        assertTrue(!agent.isAlive(), "and its wait ended");
    }

    /** An application thread connects under the lock, its SYN retransmission due after {@code rtoNanos}. */
    private void connect(long rtoNanos) {
        TcpSettings settings = new TcpSettings();
        settings.initialRtoNanos = rtoNanos;
        runtime.lock();
        try {
            runtime.stack().tcp().connect(0, 0x0000_FFFF_C612_0001L, 0, 0, 0x0000_FFFF_C612_0002L, 80,
                    settings, runtime.now());
            runtime.flushLocked();
        } finally {
            runtime.unlock();
        }
    }

    /**
     * Passes everything to a veth end and counts the stack thread's waits (which return at once, or with
     * {@link #blockUntilWoken} only at {@link #wakeInput}).
     */
    private static final class WaitCountingDevice extends ForwardingNetDevice {
        volatile int waits;
        volatile int wakes;
        volatile boolean blockUntilWoken;
        final java.util.concurrent.Semaphore waiting = new java.util.concurrent.Semaphore(0);
        private final java.util.concurrent.Semaphore woken = new java.util.concurrent.Semaphore(0);

        WaitCountingDevice(NetDevice inner) {
            super(inner);
        }
        @Override
        public void close() {
            blockUntilWoken = false;
            woken.release(1_000); // a stack thread left waiting by a failed test
            inner.close();
        }

        @Override
        public boolean awaitInput(long timeoutNanos) {
            waits++;
            if (blockUntilWoken) {
                waiting.release();
                woken.acquireUninterruptibly();
            }
            return true;
        }

        @Override
        public void wakeInput() {
            wakes++;
            woken.release();
        }
    }
}
