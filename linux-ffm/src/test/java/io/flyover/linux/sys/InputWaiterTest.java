package io.flyover.linux.sys;

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
        waiter.wake(); // two wakes before a wait end one wait: the counter is read whole
        assertTrue(second.get(30, TimeUnit.SECONDS));

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
}
