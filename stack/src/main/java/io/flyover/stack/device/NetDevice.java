package io.flyover.stack.device;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FramePool;

/**
 * A network interface as a stack sees it: bursts of Ethernet frames in and out of numbered queues,
 * all living in the stack's {@link FramePool}.
 *
 * <p>Implementations: software devices in this module (veth pair, bridge, impairment, pcap tap),
 * and over FFM in {@code linux-ffm} (AF_XDP, TAP, AF_PACKET) and {@code verbs-ffm} (RAW_PACKET QP).
 * A device is driven by the one thread that polls its stack; none of its methods block.
 *
 * <p>Frame ownership: {@link #receive} hands frames to the caller; {@link #transmit} takes them.
 * A device returns every frame it still holds to the pool on {@link #close()}.
 */
public interface NetDevice extends AutoCloseable {

    /** A short name for logs and counters, such as {@code "veth0"} or {@code "xdp:eth1/q0"}. */
    String name();

    DeviceCapabilities capabilities();

    /** The pool all of this device's frames come from and return to. */
    FramePool pool();

    /**
     * Appends up to {@code into.remaining()} received frames of queue {@code queue} to {@code into},
     * each with its data offset and length set in the pool. The caller now owns them.
     *
     * @param nowNanos the stack's notion of now; software devices that delay frames use it
     * @return how many frames were appended
     */
    int receive(int queue, FrameBurst into, long nowNanos);

    /**
     * Queues the burst's frames for transmission on {@code queue}, from the first on. The device takes
     * ownership of the first {@code n} (returned) and the caller removes them from the burst; the rest
     * stay the caller's (ring full: retry later or drop and release).
     */
    int transmit(int queue, FrameBurst frames, long nowNanos);

    /**
     * The earliest time at which this device will have something to deliver without new input
     * (a delayed frame, a rate limit lifting), or {@link Long#MAX_VALUE}.
     */
    default long nextEventNanos() {
        return Long.MAX_VALUE;
    }

    /**
     * Blocks the calling thread until the device may have input, {@link #wakeInput} is called, or about
     * {@code timeoutNanos} passed, without spinning: what a stack thread does when nobody polls and no
     * timer is due soon (Onload's and XLIO's interrupt mode). Answers false when the device cannot wait
     * this way, and the caller parks instead. Called without the stack's lock by one thread at a time,
     * while others may receive and transmit.
     */
    default boolean awaitInput(long timeoutNanos) {
        return false;
    }

    /**
     * Ends a wait in {@link #awaitInput} now, or the next one if none is in progress (any thread): an
     * application thread armed a timer nearer than the one the stack thread sleeps towards. A system
     * call where the device can wait; nothing where it cannot.
     */
    default void wakeInput() {
    }

    /**
     * Whether everything transmitted comes back as received, as on Linux's {@code lo}: the stack then
     * treats received frames as its own (loopback addresses allowed, no wire checks) and sends nothing
     * that is not addressed to itself (no ARP, ND or membership reports). Decorators answer for their inner device.
     */
    default boolean isLoopback() {
        return false;
    }

    /** Asks the device to steer matching received traffic to this stack (hardware flow rules). */
    default void addFlowRule(FlowRule rule) {
        // Devices that see all the interface's traffic need no steering.
    }

    default void removeFlowRule(FlowRule rule) {
    }

    /** Returns all frames the device holds to the pool and releases its resources. Idempotent. */
    @Override
    void close();
}
