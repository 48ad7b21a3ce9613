package io.flyover.linux.testing;

import io.flyover.linux.sys.FdPoller;
import io.flyover.stack.Stack;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.concurrent.locks.LockSupport;

/**
 * Owns the one thread that drives a {@link Stack} on real time ({@link System#nanoTime()}), as a
 * production stack thread would: poll, run the tasks other threads submitted and the repeating jobs
 * (servers, transfers written on the stack's sockets), flush, and when nothing happened spin a little,
 * then sleep in poll(2) on the device's descriptor until a frame arrives or the next deadline (at most
 * a millisecond, so submitted tasks are never kept waiting long).
 *
 * <p>The stack is single-threaded: everything that touches it or its sockets goes through
 * {@link #call}, {@link #run}, {@link #await} or a job. A failure on the stack thread stops the loop
 * and is rethrown to the test by the next call and by {@link #close()}.
 */
public final class StackRunner implements AutoCloseable {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long an idle loop spins before sleeping: short, the machine has two cores for everyone. */
    private static final long SPIN_NANOS = 20_000;
    /** Polls in a row while the device keeps delivering full bursts. */
    private static final int MAX_POLLS_IN_A_ROW = 16;

    /** A repeating piece of work on the stack thread; answers whether it made progress. */
    public interface Job {
        boolean step(long nowNanos);
    }

    private final Stack stack;
    private final int wakeFd;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Job> jobs = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile long loops;
    private volatile long sleeps;
    private volatile long sleptNanos;

    /**
     * @param wakeFd the device's descriptor that becomes readable when frames arrive, or -1 to sleep
     *               by the clock only (software devices)
     */
    public StackRunner(Stack stack, int wakeFd, String name) {
        this.stack = stack;
        this.wakeFd = wakeFd;
        this.thread = new Thread(this::loop, "stack-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public Stack stack() { return stack; }

    private void loop() {
        try (FdPoller poller = wakeFd >= 0 ? new FdPoller(1) : null) {
            if (poller != null) {
                poller.add(wakeFd);
            }
            long idleSince = -1;
            while (running) {
                long now = System.nanoTime();
                long rxBefore = stack.counters().rxFrames();
                long deadline = stack.poll(now);
                // A full burst means more input is waiting: take it before the jobs' (possibly long) turn.
                for (int i = 0; i < MAX_POLLS_IN_A_ROW && deadline <= now; i++) {
                    now = System.nanoTime();
                    deadline = stack.poll(now);
                }
                boolean busy = stack.counters().rxFrames() != rxBefore || deadline <= now;
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                    busy = true;
                }
                for (Job job : jobs) {
                    busy |= job.step(now);
                }
                stack.flush();
                loops++;
                if (busy) {
                    idleSince = -1;
                    continue;
                }
                now = System.nanoTime();
                if (idleSince < 0) {
                    idleSince = now;
                }
                if (now - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                idle(poller, deadline, now);
            }
        } catch (Throwable t) {
            failure = t;
            running = false;
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run(); // each fails its future through the failure check below
            }
        }
    }

    private void idle(FdPoller poller, long deadline, long now) throws IOException {
        long wait = Math.min(deadline - now, 1_000_000L);
        if (wait <= 0) {
            return;
        }
        long before = System.nanoTime();
        if (poller != null && wait >= 1_000_000L) {
            poller.await((int) (wait / 1_000_000L));
        } else {
            LockSupport.parkNanos(wait); // a deadline closer than poll(2)'s millisecond, or no descriptor
        }
        sleeps++;
        sleptNanos += System.nanoTime() - before;
    }

    /** Runs {@code task} on the stack thread and answers its result; fails after a bounded wait. */
    public <T> T call(Callable<T> task) {
        checkAlive();
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(WAIT_NANOS, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            checkAlive();
            throw new AssertionError("stack thread did not run a task within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** Runs {@code task} on the stack thread and waits for it. */
    public void run(ThrowingRunnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    /** A {@link Runnable} that may throw (socket calls declare IOException). */
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Adds a job run after every poll until {@link #remove} (or the runner closes). */
    public Job add(Job job) {
        jobs.add(job);
        return job;
    }

    public void remove(Job job) {
        jobs.remove(job);
    }

    /**
     * Waits until {@code condition}, evaluated on the stack thread after each poll, holds; answers
     * whether it did within {@code timeoutNanos}.
     */
    public boolean await(BooleanSupplier condition, long timeoutNanos) {
        return awaitUntil(now -> condition.getAsBoolean(), timeoutNanos);
    }

    /** As {@link #await}, the condition also told the stack thread's now. */
    public boolean awaitUntil(LongPredicate condition, long timeoutNanos) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        Job watcher = now -> {
            if (!done.isDone() && condition.test(now)) {
                done.complete(true);
            }
            return false;
        };
        add(watcher);
        try {
            long deadline = System.nanoTime() + timeoutNanos;
            while (System.nanoTime() < deadline) {
                checkAlive();
                try {
                    return done.get(Math.min(100_000_000L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // look at the thread's health, then wait on
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        } finally {
            remove(watcher);
        }
    }

    /** Loop iterations, sleeps and time asleep so far, for reports. */
    public String activity() {
        return "loops " + loops + ", sleeps " + sleeps + " (" + sleptNanos / 1_000_000 + " ms asleep)";
    }

    private void checkAlive() {
        Throwable t = failure;
        if (t != null) {
            throw new AssertionError("the stack thread failed", t);
        }
        if (!running) {
            throw new IllegalStateException("runner closed");
        }
    }

    /**
     * Stops the thread and waits for it; the stack then belongs to the caller again (to close). Rethrows
     * a failure of the stack thread.
     */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new AssertionError("stack thread did not stop");
        }
        Throwable t = failure;
        if (t != null) {
            throw new AssertionError("the stack thread failed", t);
        }
    }
}
