package io.flyover.stack.device;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FramePool;

/**
 * A device that wraps another and passes every call to it: decorators (a pcap tap, neighbour taps,
 * test doubles) override only what they change.
 */
public abstract class ForwardingNetDevice implements NetDevice {
    protected final NetDevice inner;

    protected ForwardingNetDevice(NetDevice inner) {
        this.inner = inner;
    }

    public NetDevice inner() { return inner; }

    @Override public String name() { return inner.name(); }
    @Override public DeviceCapabilities capabilities() { return inner.capabilities(); }
    @Override public FramePool pool() { return inner.pool(); }
    @Override public int receive(int queue, FrameBurst into, long nowNanos) { return inner.receive(queue, into, nowNanos); }
    @Override public int transmit(int queue, FrameBurst frames, long nowNanos) { return inner.transmit(queue, frames, nowNanos); }
    @Override public long nextEventNanos() { return inner.nextEventNanos(); }
    @Override public boolean awaitInput(long timeoutNanos) { return inner.awaitInput(timeoutNanos); }
    @Override public void wakeInput() { inner.wakeInput(); }
    @Override public boolean isLoopback() { return inner.isLoopback(); }
    @Override public void addFlowRule(FlowRule rule) { inner.addFlowRule(rule); }
    @Override public void removeFlowRule(FlowRule rule) { inner.removeFlowRule(rule); }
    @Override public void close() { inner.close(); }
}
