package io.flyover.linux.sys;

import io.flyover.stack.device.FlowRule;
import java.io.IOException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The kernel's memberships ({@link KernelGroupMembership}) of the multicast groups a device's flow rules
 * name, on the one interface the device shares with the kernel (AF_XDP steering by port, an ibverbs queue
 * steered by flow rules): the kernel keeps IGMP/MLD there, so it must have joined what the stack joined,
 * or it would not report the group to a querier (a snooping switch would prune it) nor open the NIC's
 * multicast MAC filter for it. The kernel joins a group while at least one rule names it.
 *
 * <p>{@link #add} joins before the device steers, so a join the kernel refuses leaves nothing steered (the
 * group's datagrams would otherwise be taken from the kernel's own members), and leaves again when the
 * device refuses the rule; {@link #remove} leaves even when the device fails to remove the rule.
 * Thread-safe: rules come from the stack's set-up paths.
 */
public final class KernelGroupJoins implements AutoCloseable {
    /** What the device does to steer (or stop steering) a rule's traffic. */
    @FunctionalInterface
    public interface DeviceChange {
        void run() throws IOException;
    }

    private final int ifindex;
    /** A group (as hex of its 4 or 16 bytes) to the kernel's membership and how many rules name it. */
    private final Map<String, Joined> joined = new HashMap<>();
    private boolean closed;

    private static final class Joined {
        final KernelGroupMembership membership;
        int rules = 1;

        Joined(KernelGroupMembership membership) {
            this.membership = membership;
        }
    }

    /** Memberships on interface {@code ifindex}. */
    public KernelGroupJoins(int ifindex) {
        this.ifindex = ifindex;
    }

    /**
     * Runs {@code steer}, which adds {@code rule} to the device; when the rule names a multicast group the
     * kernel joins it first (the first rule naming it), and leaves again if {@code steer} throws.
     *
     * @throws IOException when the kernel refuses the join ({@code steer} did not run) or {@code steer} throws it
     * @throws IllegalStateException after {@link #close()}, for a group rule
     */
    public void add(FlowRule rule, DeviceChange steer) throws IOException {
        if (!rule.localIsMulticast()) {
            steer.run();
            return;
        }
        byte[] group = rule.localAddress();
        join(group);
        try {
            steer.run();
        } catch (IOException | RuntimeException e) {
            leave(group);
            throw e;
        }
    }

    /**
     * Runs {@code unsteer}, which removes {@code rule} from the device; when the rule names a multicast group
     * the kernel then leaves it (after the last rule naming it), even when {@code unsteer} throws.
     */
    public void remove(FlowRule rule, DeviceChange unsteer) throws IOException {
        try {
            unsteer.run();
        } finally {
            if (rule.localIsMulticast()) {
                leave(rule.localAddress());
            }
        }
    }

    private synchronized void join(byte[] group) throws IOException {
        if (closed) {
            throw new IllegalStateException("the kernel's group memberships on interface " + ifindex + " are closed");
        }
        String g = HexFormat.of().formatHex(group);
        Joined j = joined.get(g);
        if (j != null) {
            j.rules++;
        } else {
            joined.put(g, new Joined(KernelGroupMembership.join(group, ifindex)));
        }
    }

    private synchronized void leave(byte[] group) {
        String g = HexFormat.of().formatHex(group);
        Joined j = joined.get(g);
        if (j != null && --j.rules == 0) {
            joined.remove(g);
            j.membership.close();
        }
    }

    /** How many groups the kernel holds for the rules now. */
    public synchronized int groups() {
        return joined.size();
    }

    /** Leaves every group; later group rules are refused. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        joined.values().forEach(j -> j.membership.close());
        joined.clear();
    }
}
