package io.flyover.linux.packet;

import io.flyover.linux.sys.ArmableInput;
import io.flyover.linux.sys.InputWaiter;
import io.flyover.linux.sys.KernelGroupJoins;
import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.ForwardingNetDevice;
import io.flyover.stack.device.NetDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * A device that shares its NIC with the kernel by flow rules (an ibverbs RAW_PACKET queue steered per
 * port), given ears for ARP, IPv6 neighbour discovery and the ICMP errors about its flows: those frames
 * match no rule and go to the kernel, so the stack would never resolve a neighbour nor learn a path MTU.
 * {@link NeighbourTaps} on the interface hear them too, and {@link #receive} adds them to queue 0; the kernel
 * keeps answering for the address (the stack's MAC is the interface's, so both answers agree). Everything
 * else is the inner device's.
 *
 * <p>IGMP and MLD stay the kernel's too, so the kernel joins each multicast group a flow rule names
 * ({@link KernelGroupJoins}) while a rule names it: it then answers queries for the group (or a snooping
 * switch would prune it) and opens the NIC's multicast MAC filter, as XLIO's OS socket does.
 *
 * <p>Interrupt mode: when the inner device can be armed ({@link ArmableInput}, the verbs device's completion
 * channel), {@link #awaitInput} sleeps in ppoll(2) on the taps and the inner device's event descriptor at
 * once, so a frame from either ends the wait; otherwise the device cannot wait and the caller parks.
 */
public final class NeighbourTapDevice extends ForwardingNetDevice {
    private final NeighbourTaps taps;
    /** Frames for the taps' copies; only the thread that receives queue 0 uses it. */
    private final FrameCache cache;
    /** The taps' descriptors and the inner device's event descriptor; null when the inner device cannot be armed. */
    private final InputWaiter waiter;
    /** The kernel's memberships of the groups {@link #groupRules} name. */
    private final KernelGroupJoins kernelGroups;
    /** The group rules the inner device holds, each once (as the verbs device holds a rule added twice once). */
    private final Set<FlowRule> groupRules = new HashSet<>();

    private NeighbourTapDevice(NetDevice inner, NeighbourTaps taps, int ifindex) {
        super(inner);
        this.taps = taps;
        this.kernelGroups = new KernelGroupJoins(ifindex);
        this.cache = inner.pool().newCache(64);
        this.waiter = inner instanceof ArmableInput armable && armable.inputEventFd() >= 0
                ? new InputWaiter(armable, taps.fds())
                : null;
    }

    /** Wraps {@code inner}, which drives {@code interfaceName}; on failure closes nothing of {@code inner}. */
    public static NeighbourTapDevice wrap(NetDevice inner, String interfaceName) throws IOException {
        int ifindex = NetInterface.lookup(interfaceName).index();
        return new NeighbourTapDevice(inner, NeighbourTaps.open(interfaceName, ifindex, inner.pool()), ifindex);
    }

    /**
     * Forwards the rule; one naming a multicast group makes the kernel join the group on the interface first,
     * and nothing stays joined when the kernel or the inner device refuses.
     */
    @Override
    public void addFlowRule(FlowRule rule) {
        if (!rule.localIsMulticast()) {
            inner.addFlowRule(rule);
            return;
        }
        synchronized (groupRules) {
            if (groupRules.contains(rule)) {
                inner.addFlowRule(rule);
                return;
            }
            try {
                kernelGroups.add(rule, () -> inner.addFlowRule(rule));
            } catch (IOException e) {
                throw new UncheckedIOException(inner.name() + ": the kernel cannot join the group of " + rule + ": "
                        + e.getMessage(), e);
            }
            groupRules.add(rule);
        }
    }

    /** Forwards the removal; after the last rule naming a group the kernel leaves it, even if the inner device failed. */
    @Override
    public void removeFlowRule(FlowRule rule) {
        if (!rule.localIsMulticast()) {
            inner.removeFlowRule(rule);
            return;
        }
        synchronized (groupRules) {
            if (!groupRules.remove(rule)) {
                inner.removeFlowRule(rule);
                return;
            }
            try {
                kernelGroups.remove(rule, () -> inner.removeFlowRule(rule));
            } catch (IOException e) {
                throw new UncheckedIOException(e); // not thrown: the inner device throws no checked exception
            }
        }
    }

    /** The multicast groups the kernel holds for the flow rules now. */
    public int kernelGroups() {
        return kernelGroups.groups();
    }

    /** On queue 0, what the taps heard (when it is time to look), then the inner device's frames. */
    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        int n = queue == 0 ? taps.receive(into, cache) : 0;
        return n + inner.receive(queue, into, nowNanos);
    }

    /** Sleeps until the inner device announces input, a tap has a frame, {@link #wakeInput}, or the timeout. */
    @Override
    public boolean awaitInput(long timeoutNanos) {
        if (waiter == null) {
            return false;
        }
        boolean waited = waiter.await(timeoutNanos);
        taps.afterWait();
        return waited;
    }

    @Override
    public void wakeInput() {
        if (waiter != null) {
            waiter.wake();
        }
    }

    /** ARP, neighbour discovery and ICMP error frames heard so far. */
    public long tapReceivedFrames() {
        return taps.receivedFrames();
    }

    @Override
    public void close() {
        if (waiter != null) {
            waiter.close(); // a wait in progress ends, its events taken, before the descriptors close
        }
        kernelGroups.close();
        taps.close();
        cache.close();
        inner.close();
    }
}
