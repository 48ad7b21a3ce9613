package io.flyover.stack.device.soft;

import io.flyover.stack.Pollable;
import io.flyover.stack.RandomSource;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.NetDevice;

/**
 * A decorator that impairs the traffic of any {@link NetDevice}, seeded and reproducible: loss,
 * duplication, reordering, bit corruption, fixed and jittered delay, and a rate limit, each
 * configured per direction ({@link Impairment}) and counted ({@link ImpairmentStage}).
 *
 * <p>Frames held by a delay wait in preallocated slots; they move on when the device is next called
 * ({@link #receive}, {@link #transmit} or {@link #poll}) at or after their release time, which
 * {@link #nextEventNanos()} reports so a simulator can jump straight to it. Transmit-side frames due
 * are handed to the inner device; a frame the inner device refuses then is dropped and counted
 * ({@link #innerRefused()}), so a full ring downstream never stalls virtual time.
 */
public final class ImpairedDevice implements NetDevice, Pollable {
    private static final int SCRATCH = 64;
    private static final int CACHE_SIZE = 16;

    private final NetDevice inner;
    private final String name;
    private final FrameCache cache;
    private final ImpairmentStage onTransmit;
    private final ImpairmentStage onReceive;
    private boolean transmitImpaired;
    private boolean receiveImpaired;
    private final FrameBurst scratch = new FrameBurst(SCRATCH);
    private long innerRefused;
    private boolean closed;

    /**
     * @param onTransmit applied to frames the stack transmits, before the inner device sees them
     * @param onReceive applied to frames the inner device received, before the stack sees them
     * @param random the only source of randomness; give each device its own split of the run's seed
     */
    public ImpairedDevice(NetDevice inner, Impairment onTransmit, Impairment onReceive, RandomSource random) {
        this.inner = inner;
        this.name = "impaired:" + inner.name();
        FramePool pool = inner.pool();
        this.cache = pool.newCache(CACHE_SIZE);
        DeviceCapabilities caps = inner.capabilities();
        this.onTransmit = new ImpairmentStage(onTransmit, random, pool, cache, caps.txQueues());
        this.onReceive = new ImpairmentStage(onReceive, random, pool, cache, caps.rxQueues());
        this.transmitImpaired = !onTransmit.isNone();
        this.receiveImpaired = !onReceive.isNone();
    }

    /** Impairs only what the stack transmits. */
    public static ImpairedDevice onTransmit(NetDevice inner, Impairment impairment, RandomSource random) {
        return new ImpairedDevice(inner, impairment, Impairment.NONE, random);
    }

    /** Impairs only what the stack receives. */
    public static ImpairedDevice onReceive(NetDevice inner, Impairment impairment, RandomSource random) {
        return new ImpairedDevice(inner, Impairment.NONE, impairment, random);
    }

    public NetDevice inner() { return inner; }
    /** What was done to transmitted frames. */
    public ImpairmentStage transmitStage() { return onTransmit; }
    /** What was done to received frames. */
    public ImpairmentStage receiveStage() { return onReceive; }
    /**
     * Changes what happens to frames transmitted from now on (a link going down for a while, a rate
     * change); frames already held keep their release times. The queue limit cannot grow.
     */
    public void setTransmitImpairment(Impairment impairment) {
        onTransmit.configure(impairment);
        transmitImpaired = !impairment.isNone();
    }

    /** Changes what happens to frames received from now on; see {@link #setTransmitImpairment}. */
    public void setReceiveImpairment(Impairment impairment) {
        onReceive.configure(impairment);
        receiveImpaired = !impairment.isNone();
    }

    /** Due transmit frames the inner device did not accept, dropped. */
    public long innerRefused() { return innerRefused; }

    @Override public String name() { return name; }
    @Override public DeviceCapabilities capabilities() { return inner.capabilities(); }
    @Override public FramePool pool() { return inner.pool(); }
    @Override public boolean isLoopback() { return inner.isLoopback(); }
    @Override public void addFlowRule(FlowRule rule) { inner.addFlowRule(rule); }
    @Override public void removeFlowRule(FlowRule rule) { inner.removeFlowRule(rule); }

    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        flushTransmit(nowNanos);
        if (!receiveImpaired && onReceive.held() == 0) {
            return inner.receive(queue, into, nowNanos);
        }
        int pulled;
        do {
            scratch.clear();
            pulled = inner.receive(queue, scratch, nowNanos);
            for (int i = 0; i < pulled; i++) {
                onReceive.admit(scratch.get(i), queue, nowNanos);
            }
        } while (pulled == SCRATCH);
        scratch.clear();
        return onReceive.releaseDue(queue, nowNanos, into);
    }

    @Override
    public int transmit(int queue, FrameBurst frames, long nowNanos) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        flushTransmit(nowNanos);
        if (!transmitImpaired && onTransmit.held() == 0) {
            return inner.transmit(queue, frames, nowNanos);
        }
        if (queue < 0 || queue >= inner.capabilities().txQueues()) {
            throw new IndexOutOfBoundsException("queue " + queue + " of " + inner.capabilities().txQueues());
        }
        int n = frames.count();
        for (int i = 0; i < n; i++) {
            onTransmit.admit(frames.get(i), queue, nowNanos);
        }
        flushTransmit(nowNanos);
        return n;
    }

    /** Hands due transmit frames to the inner device. */
    private void flushTransmit(long nowNanos) {
        if (onTransmit.earliest() > nowNanos) {
            return;
        }
        int queues = inner.capabilities().txQueues();
        for (int q = 0; q < queues; q++) {
            int due;
            do {
                scratch.clear();
                due = onTransmit.releaseDue(q, nowNanos, scratch);
                if (due > 0) {
                    int accepted = inner.transmit(q, scratch, nowNanos);
                    for (int i = accepted; i < due; i++) {
                        cache.release(scratch.get(i));
                        innerRefused++;
                    }
                }
            } while (due == SCRATCH);
        }
        scratch.clear();
    }

    /** Moves due transmit frames on; returns {@link #nextEventNanos()}. */
    @Override
    public long poll(long nowNanos) {
        if (!closed) {
            flushTransmit(nowNanos);
        }
        return nextEventNanos();
    }

    @Override
    public long nextEventNanos() {
        if (closed) {
            return Long.MAX_VALUE;
        }
        return Math.min(inner.nextEventNanos(), Math.min(onTransmit.earliest(), onReceive.earliest()));
    }

    /** Returns every held frame to the pool and closes the inner device. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        onTransmit.releaseAll();
        onReceive.releaseAll();
        cache.close();
        inner.close();
    }

    @Override
    public String toString() {
        return name + " tx{" + onTransmit + "} rx{" + onReceive + "}";
    }
}
