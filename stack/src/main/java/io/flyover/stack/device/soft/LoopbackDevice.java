package io.flyover.stack.device.soft;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FrameFlags;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.util.Set;

/**
 * A loopback interface, as Linux's {@code lo}: what the stack transmits comes back as its own receive.
 * Frames move by index through a bounded ring and are never copied; a full ring refuses the rest of a
 * burst (the stack counts them as {@code TX_RING_FULL}), as {@code lo} drops past its backlog.
 *
 * <p>The MTU is what one pool frame holds after its headroom, an Ethernet header and a VLAN tag
 * ({@link #mtuFor}): 1774 bytes with the default 2048-byte frames, capped at 65,535. A bigger frame
 * size gives a bigger MTU and so fewer, larger TCP segments on the loopback. The MAC address is zero,
 * as on {@code lo}. Frames never leave memory, so the device "offloads" the L4 checksum: the stack only
 * seeds the pseudo-header on transmit, and every received frame is marked as verified.
 *
 * <p>Single-threaded: transmit and receive are called by the thread that polls the stack.
 */
public final class LoopbackDevice implements NetDevice {
    /** Linux's {@code lo} has the all-zero MAC address. */
    public static final long MAC = 0;
    /** Ring size of {@link #LoopbackDevice(FramePool)}: a full TCP window of default-size segments and more. */
    public static final int DEFAULT_RING_SIZE = 1024;

    private static final int RECEIVED_FLAGS = FrameFlags.RX_IP_CHECKSUM_GOOD | FrameFlags.RX_L4_CHECKSUM_GOOD;

    private final String name;
    private final FramePool pool;
    private final DeviceCapabilities capabilities;
    private final int[] ring;
    private final int mask;
    private long head;
    private long tail;
    /** When the oldest queued frame was sent: it has been deliverable since then. */
    private long pendingSince;
    private long refused;
    private boolean closed;

    /** A loopback named {@code "lo"} with a ring of {@link #DEFAULT_RING_SIZE} frames. */
    public LoopbackDevice(FramePool pool) {
        this("lo", pool, DEFAULT_RING_SIZE);
    }

    /** @param ringSize frames the ring holds between a transmit and the next receive, a power of two */
    public LoopbackDevice(String name, FramePool pool, int ringSize) {
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two >= 2: " + ringSize);
        }
        this.name = name;
        this.pool = pool;
        this.capabilities = new DeviceCapabilities(MAC, mtuFor(pool), 1, 1, Set.of(
                DeviceCapabilities.Offload.TX_L4_CHECKSUM,
                DeviceCapabilities.Offload.RX_L4_CHECKSUM,
                DeviceCapabilities.Offload.RX_IPV4_CHECKSUM));
        this.ring = new int[ringSize];
        this.mask = ringSize - 1;
    }

    /**
     * The largest IP packet whose Ethernet frame (with a VLAN tag) fits one frame of {@code pool} after
     * the headroom, capped at 65,535.
     *
     * @throws IllegalArgumentException when that is below the IPv4 minimum of 576
     */
    public static int mtuFor(FramePool pool) {
        int mtu = Math.min(65_535, pool.frameSize() - pool.headroom() - 18);
        if (mtu < 576) {
            throw new IllegalArgumentException("frames of " + pool.frameSize() + " bytes with headroom "
                    + pool.headroom() + " hold no 576-byte packet");
        }
        return mtu;
    }

    @Override public String name() { return name; }
    @Override public DeviceCapabilities capabilities() { return capabilities; }
    @Override public FramePool pool() { return pool; }
    @Override public boolean isLoopback() { return true; }

    /** Frames queued for the next receive. */
    public int queued() { return (int) (tail - head); }

    /** Frames refused because the ring was full (or the device closed). */
    public long refused() { return refused; }

    /**
     * Queues one frame to come back at the next {@link #receive}; the device owns it on true. False
     * when the ring is full or the device closed: the frame stays the caller's.
     */
    public boolean offer(int frame, long nowNanos) {
        if (closed || tail - head == ring.length) {
            refused++;
            return false;
        }
        if (tail == head) {
            pendingSince = nowNanos;
        }
        ring[(int) tail & mask] = frame;
        tail++;
        return true;
    }

    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        int n = 0;
        while (head != tail && !into.isFull()) {
            int frame = ring[(int) head & mask];
            head++;
            pool.setFlags(frame, RECEIVED_FLAGS);
            into.add(frame);
            n++;
        }
        return n;
    }

    @Override
    public int transmit(int queue, FrameBurst frames, long nowNanos) {
        int n = 0;
        while (n < frames.count() && offer(frames.get(n), nowNanos)) {
            n++;
        }
        return n;
    }

    /** Queued frames are deliverable since they were sent: the stack should poll again at once. */
    @Override
    public long nextEventNanos() {
        return head == tail ? Long.MAX_VALUE : pendingSince;
    }

    /** Returns the queued frames to the pool. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (head != tail) {
            try (FrameCache cache = pool.newCache(2)) {
                while (head != tail) {
                    cache.release(ring[(int) head & mask]);
                    head++;
                }
            }
        }
    }

    @Override
    public String toString() {
        return name + " (loopback, mtu " + capabilities.mtu() + ", " + queued() + " queued)";
    }
}
