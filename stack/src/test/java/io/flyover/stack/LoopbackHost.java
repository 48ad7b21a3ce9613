package io.flyover.stack;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.LoopbackDevice;
import io.flyover.stack.wire.Bytes;
import java.util.ArrayList;
import java.util.List;

/**
 * One loopback stack (127.0.0.0/8 and ::1 over a {@link LoopbackDevice}) on virtual time, with every
 * frame the stack hands its device recorded as (destination MAC, EtherType). {@link #close()} checks
 * that no frame leaked.
 */
public final class LoopbackHost implements AutoCloseable {
    public final FramePool pool;
    public final LoopbackDevice lo;
    public final Recording device;
    public final Stack stack;
    public long now = 1_000_000_000L;

    public LoopbackHost() {
        this(StackConfig.builder());
    }

    public LoopbackHost(StackConfig.Builder config) {
        pool = FramePool.allocate(2048);
        lo = new LoopbackDevice(pool);
        device = new Recording(lo);
        stack = new Stack(config.loopback().build(), device, new SeededRandom(5));
    }

    /**
     * Polls at the current time until the stack has nothing left to do now (bounded), then moves time
     * on in {@code step}s until {@code nanos} have passed, doing the same at each.
     */
    public void advance(long nanos, long step) {
        settle();
        long end = now + nanos;
        while (now < end) {
            now = Math.min(end, now + step);
            settle();
        }
    }

    /** Polls until the next deadline lies in the future (at most 1,000 polls). */
    public void settle() {
        for (int i = 0; i < 1_000; i++) {
            if (stack.poll(now) > now) {
                return;
            }
        }
    }

    @Override
    public void close() {
        stack.close();
        device.close();
        try {
            pool.checkAllReturned();
        } finally {
            pool.close();
        }
    }

    /** A pass-through device that notes what is transmitted on it. */
    public static final class Recording implements NetDevice {
        private final NetDevice inner;
        /** Destination MAC and EtherType of every frame transmitted, in order. */
        public final List<long[]> sent = new ArrayList<>();
        /** Off for tests that measure allocation (recording allocates). */
        public boolean recording = true;

        Recording(NetDevice inner) {
            this.inner = inner;
        }

        @Override public String name() { return "rec:" + inner.name(); }
        @Override public DeviceCapabilities capabilities() { return inner.capabilities(); }
        @Override public FramePool pool() { return inner.pool(); }
        @Override public boolean isLoopback() { return inner.isLoopback(); }
        @Override public long nextEventNanos() { return inner.nextEventNanos(); }
        @Override public int receive(int queue, FrameBurst into, long nowNanos) { return inner.receive(queue, into, nowNanos); }

        @Override
        public int transmit(int queue, FrameBurst frames, long nowNanos) {
            FramePool p = inner.pool();
            for (int i = 0; recording && i < frames.count(); i++) {
                long at = p.dataAddress(frames.get(i));
                long mac = (Bytes.u16(p.region(), at) & 0xFFFFL) << 32 | (Bytes.i32(p.region(), at + 2) & 0xFFFF_FFFFL);
                sent.add(new long[] {mac, Bytes.u16(p.region(), at + 12)});
            }
            return inner.transmit(queue, frames, nowNanos);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
