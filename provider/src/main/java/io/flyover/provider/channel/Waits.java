package io.flyover.provider.channel;

import io.flyover.provider.runtime.FlyoverNetwork;
import io.flyover.provider.runtime.StackRuntime;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.concurrent.locks.LockSupport;

/**
 * How a thread blocked in a Flyover channel operation waits: first it polls the stack itself (run to
 * completion) until {@code spinEnd}, then it parks until its socket's readiness unparks it, the deadline
 * passes, or it is interrupted. Never inside a native call, never holding a monitor.
 */
final class Waits {
    private Waits() {}

    /**
     * One step of waiting: spin-poll, or park.
     *
     * @param deadline absolute {@code System.nanoTime()} deadline, or 0 for none
     * @return false when the deadline has passed
     */
    static boolean pause(Object blocker, FlyoverNetwork network, StackRuntime runtime, long spinEnd, long deadline) {
        long now = System.nanoTime();
        if (deadline != 0 && now - deadline >= 0) {
            return false;
        }
        if (now - spinEnd < 0) {
            if (runtime != null && runtime.inputMayBePending()) {
                runtime.tryPoll();
            }
            Thread.onSpinWait();
            return true;
        }
        network.beforeApplicationPark();
        if (deadline == 0) {
            LockSupport.park(blocker);
        } else {
            LockSupport.parkNanos(blocker, deadline - now);
        }
        return true;
    }

    /**
     * Wakes the thread {@code parked} in {@link #pause} (if any) after a stack event, and the kernel
     * wait selector it may be blocked in instead ({@code inKernel}).
     */
    static void wake(Thread parked, boolean inKernel, java.nio.channels.Selector kernelWait) {
        if (parked != null) {
            LockSupport.unpark(parked);
            if (inKernel && kernelWait != null) {
                kernelWait.wakeup();
            }
        }
    }

    /** When spinning ends for an operation starting now. */
    static long spinEnd(long spinNanos) {
        return System.nanoTime() + spinNanos;
    }

    /** Whether the kernel has {@code address} on one of its interfaces (so a kernel socket can bind it). */
    static boolean kernelHasAddress(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (IOException e) {
            return false;
        }
    }
}
