package io.flyover.stack.device;

/**
 * How to open a device.
 *
 * @param queues how many queue pairs to use (1 unless the stack runs one thread per queue)
 * @param ringSize descriptors per ring, a power of two
 * @param zeroCopy whether to ask for zero-copy where the driver offers it (AF_XDP)
 * @param steering what a device that shares its interface with the kernel takes for the stack (AF_XDP)
 */
public record DeviceOptions(int queues, int ringSize, boolean zeroCopy, Steering steering) {

    public static final DeviceOptions DEFAULTS = new DeviceOptions(1, 2048, true);

    /** Which frames of the interface the stack gets; the kernel keeps the rest. */
    public enum Steering {
        /** Every frame of the device's queues. */
        QUEUE,
        /** Only the frames the stack's {@link FlowRule}s match (its bound and connected ports). */
        PORTS
    }

    /** With {@link Steering#QUEUE}. */
    public DeviceOptions(int queues, int ringSize, boolean zeroCopy) {
        this(queues, ringSize, zeroCopy, Steering.QUEUE);
    }

    /** These options with {@code steering}. */
    public DeviceOptions withSteering(Steering steering) {
        return new DeviceOptions(queues, ringSize, zeroCopy, steering);
    }

    public DeviceOptions {
        java.util.Objects.requireNonNull(steering, "steering");
        if (queues < 1) {
            throw new IllegalArgumentException("queues must be positive: " + queues);
        }
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two >= 2: " + ringSize);
        }
    }
}
