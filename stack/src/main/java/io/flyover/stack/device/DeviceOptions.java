package io.flyover.stack.device;

/**
 * How to open a device.
 *
 * @param queues how many queue pairs to use (1 unless the stack runs one thread per queue)
 * @param ringSize descriptors per ring, a power of two
 * @param zeroCopy whether to ask for zero-copy where the driver offers it (AF_XDP)
 */
public record DeviceOptions(int queues, int ringSize, boolean zeroCopy) {

    public static final DeviceOptions DEFAULTS = new DeviceOptions(1, 2048, true);

    public DeviceOptions {
        if (queues < 1) {
            throw new IllegalArgumentException("queues must be positive: " + queues);
        }
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two >= 2: " + ringSize);
        }
    }
}
