package io.flyover.linux.sys;

/**
 * A device that tells of new input on a file descriptor only once asked to (armed), one event per arming:
 * an ibverbs completion queue and its completion channel ({@code ibv_req_notify_cq(3)},
 * {@code ibv_get_cq_event(3)}). {@link InputWaiter} arms it, re-checks, sleeps on its descriptor with any
 * others, and takes the events after; a decorator that waits on more descriptors (the neighbour taps) uses
 * the same source. Input that came before the arming raises no event, so {@link #armInput} reports it.
 */
public interface ArmableInput {

    /** What {@link #armInput} found. */
    enum Arming {
        /** An event will come at the next input: sleep. */
        ARMED,
        /** Input came before or while arming (no event will announce it): do not sleep. */
        INPUT_WAITING,
        /** The device cannot arm now (closed, refused): the caller waits some other way. */
        REFUSED
    }

    /**
     * The descriptor that becomes readable when input arrives after {@link #armInput}; non-blocking. -1 when
     * the device has none (a queue made without a completion channel): it cannot be armed.
     */
    int inputEventFd();

    /** Asks for an event at the next input, then looks once more for input that came before it. */
    Arming armInput();

    /**
     * Takes and acknowledges every event the descriptor holds, without blocking: after a wait in which it
     * polled readable, and before the device is destroyed.
     */
    void takeInputEvents();
}
