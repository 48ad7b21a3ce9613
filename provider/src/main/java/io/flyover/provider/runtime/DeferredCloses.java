package io.flyover.provider.runtime;

import java.util.Arrays;

/**
 * What connections leaving a stack's table let go of (the kernel sockets that reserved their ports),
 * collected while the stack lock is held and closed by the thread that releases it: a close is a system
 * call, which neither the stack's deterministic core nor the critical section that every socket of the
 * stack waits on should make. Only the lock holder touches it.
 */
final class DeferredCloses {
    private AutoCloseable[] pending = new AutoCloseable[4];
    private int count;

    /** Collects {@code resource}, to be closed after the unlock. */
    void add(AutoCloseable resource) {
        if (count == pending.length) {
            pending = Arrays.copyOf(pending, count * 2);
        }
        pending[count++] = resource;
    }

    /** Takes what was collected, for the unlocking thread to close once the lock is released; null when nothing (every unlock asks). */
    AutoCloseable[] take() {
        if (count == 0) {
            return null;
        }
        AutoCloseable[] taken = Arrays.copyOf(pending, count);
        Arrays.fill(pending, 0, count, null);
        count = 0;
        return taken;
    }
}
