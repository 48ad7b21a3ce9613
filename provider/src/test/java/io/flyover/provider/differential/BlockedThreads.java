package io.flyover.provider.differential;

import java.util.concurrent.TimeUnit;

/**
 * Waits until another thread is inside a blocking call of a given class, so that a test closes or interrupts
 * it while blocked (and not before it got there). Only the call site is awaited; no elapsed time is asserted.
 */
final class BlockedThreads {
    private static final long SETTLE_MILLIS = 50;
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(10);

    private BlockedThreads() {}

    /** Returns once {@code thread}'s stack holds {@code owner.method}, plus a short settle for it to park. */
    static void awaitInside(Thread thread, Class<?> owner, String method) throws InterruptedException {
        long start = System.nanoTime();
        while (!inside(thread, owner, method)) {
            if (!thread.isAlive()) {
                throw new AssertionError(thread.getName() + " ended before calling " + owner.getName() + "." + method);
            }
            if (System.nanoTime() - start > GIVE_UP_NANOS) {
                throw new AssertionError(thread.getName() + " never called " + owner.getName() + "." + method);
            }
            Thread.sleep(1);
        }
        Thread.sleep(SETTLE_MILLIS);
    }

    private static boolean inside(Thread thread, Class<?> owner, String method) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getMethodName().equals(method) && isSameOrSuper(frame.getClassName(), owner)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSameOrSuper(String frameClass, Class<?> owner) {
        for (Class<?> c = owner; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(frameClass)) {
                return true;
            }
        }
        return false;
    }
}
