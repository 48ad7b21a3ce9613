package io.flyover.linux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link InputWaiter} over a descriptor that never becomes readable (an eventfd nobody writes), so only
 * a wake, a close or the timeout ends a wait. Each wait that must not end by itself is given two
 * minutes; the JUnit timeout fails the test if a wake does not end it.
 */
@Timeout(60)
class InputWaiterTest {
    private static final long FOREVER = 120_000_000_000L;

    private int idleFd;
    private InputWaiter waiter;

    @BeforeEach
    void open() throws Exception {
        idleFd = Libc.eventfd(0, 0x80000 /* EFD_CLOEXEC */);
        waiter = new InputWaiter(idleFd);
    }

    @AfterEach
    void close() {
        waiter.close();
        Libc.close(idleFd);
    }

    private CompletableFuture<Boolean> waitInBackground() {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> done.complete(waiter.await(FOREVER)));
        return done;
    }

    @Test
    void aWaitWithNothingToReadEndsAtItsTimeout() {
        assertTrue(waiter.await(200_000), "a 200 µs wait returns, having waited");
    }

    @Test
    void aWakeBeforeTheFirstWaitIsNotLost() throws Exception {
        waiter.wake(); // the eventfd does not exist yet: the first wait makes it already signalled
        assertTrue(waitInBackground().get(30, TimeUnit.SECONDS));
    }

    @Test
    void aWakeEndsAWaitInProgressAndIsUsedUpByIt() throws Exception {
        assertTrue(waiter.await(1_000), "the first wait makes the eventfd");
        CompletableFuture<Boolean> first = waitInBackground();
        Thread.sleep(100);
        assertFalse(first.isDone(), "nothing to read, no wake: the wait goes on");
        waiter.wake();
        assertTrue(first.get(30, TimeUnit.SECONDS));

        CompletableFuture<Boolean> second = waitInBackground();
        Thread.sleep(100);
        assertFalse(second.isDone(), "the wake was drained by the wait it ended");
        waiter.wake();
        assertTrue(second.get(30, TimeUnit.SECONDS));

        // Two wakes before a wait end one wait: the counter is read whole. (Both are written before the
        // wait starts: written during one, the second could land after the waiter drained the first.)
        waiter.wake();
        waiter.wake();
        assertTrue(waitInBackground().get(30, TimeUnit.SECONDS));

        CompletableFuture<Boolean> third = waitInBackground();
        Thread.sleep(100);
        assertFalse(third.isDone(), "both wakes were drained together");
        waiter.wake();
        assertTrue(third.get(30, TimeUnit.SECONDS));
    }

    @Test
    void closeEndsAWaitInProgressAndLaterWaitsAnswerFalse() throws Exception {
        assertTrue(waiter.await(1_000));
        CompletableFuture<Boolean> waiting = waitInBackground();
        Thread.sleep(100);
        assertFalse(waiting.isDone());
        waiter.close();
        waiting.get(30, TimeUnit.SECONDS);
        assertFalse(waiter.await(FOREVER), "closed: no wait");
        waiter.wake(); // after close: nothing happens, nothing is written to a descriptor number reused since
    }

    /** A source whose descriptor is an eventfd the test writes, as a completion channel the NIC signals. */
    private static final class Source implements ArmableInput {
        final int fd;
        ArmableInput.Arming answer = Arming.ARMED;
        int armings, taken;
        private final java.lang.foreign.MemorySegment counter = java.lang.foreign.Arena.ofAuto().allocate(8, 8);

        Source() throws Exception {
            fd = Libc.eventfd(0, 0x800 | 0x80000 /* EFD_NONBLOCK | EFD_CLOEXEC */);
        }

        void signal() {
            counter.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1);
            Libc.write(fd, counter.address(), 8);
        }

        @Override public int inputEventFd() { return fd; }
        @Override public Arming armInput() { armings++; return answer; }
        @Override public void takeInputEvents() {
            while (Libc.read(fd, counter.address(), 8) == 8) {
                taken++;
            }
        }
    }

    @Test
    void anArmableSourceIsArmedBeforeEachWaitAndItsEventsTakenAfter() throws Exception {
        Source source = new Source();
        try (InputWaiter armed = new InputWaiter(source, idleFd)) {
            assertTrue(armed.await(200_000), "nothing announced: the wait times out");
            assertEquals(1, source.armings);
            assertEquals(0, source.taken, "the source's descriptor was not readable: nothing to take");
            source.signal();
            assertTrue(armed.await(FOREVER), "the source's event ends the wait");
            assertEquals(2, source.armings);
            assertEquals(1, source.taken);
            source.answer = ArmableInput.Arming.INPUT_WAITING;
            source.signal();
            assertTrue(armed.await(FOREVER), "input before the arming: no sleep");
            assertEquals(1, source.taken, "not slept, so not taken: the next wait will");
            source.answer = ArmableInput.Arming.REFUSED;
            assertFalse(armed.await(FOREVER), "a source that cannot be armed: the caller waits some other way");
        } finally {
            Libc.close(source.fd);
        }
    }
}
