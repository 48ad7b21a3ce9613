package io.flyover.stack.net;

import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.NetDevice;
import java.util.HashMap;
import java.util.Map;

/**
 * The local ports this stack's transports hold, as flow rules for its device: a device that shares its
 * interface with the kernel (ibverbs flow steering, an AF_XDP program steering by port) sends the stack
 * only what these rules match, as XLIO installs a 3-tuple rule per listening or bound socket and per
 * connected one. Holders are counted per (protocol, local address, port): the device hears of a rule
 * when the first holder takes it and when the last one lets it go. A wildcard address (both halves 0)
 * becomes a rule with no address, matching every address of the stack.
 *
 * <p>Set-up path only (bind, listen, connect, close): a holder allocates a small key.
 */
public final class PortSteering {
    private record Key(int protocol, long hi, long lo, int port) {}

    private final NetDevice device;
    private final Map<Key, Integer> holders = new HashMap<>();

    PortSteering(NetDevice device) {
        this.device = device;
    }

    /**
     * One more holder of {@code protocol}/{@code port} on a local address; the first one asks the device
     * to steer it.
     *
     * @throws SteeringRefusedException when the device refuses the rule; the holder is not counted
     */
    public void hold(int protocol, long localHi, long localLo, int port) {
        Key k = key(protocol, localHi, localLo, port);
        int n = holders.getOrDefault(k, 0);
        if (n == 0) {
            FlowRule rule = rule(k);
            try {
                device.addFlowRule(rule);
            } catch (RuntimeException e) {
                throw new SteeringRefusedException(device.name() + " refused to steer " + rule + ": " + e.getMessage(), e);
            }
        }
        holders.put(k, n + 1);
    }

    /**
     * One holder fewer; the last one asks the device to stop steering it. Releasing what is not held does
     * nothing; a device that fails to remove the rule is counted ({@link #removalFailures}), not thrown.
     */
    public void release(int protocol, long localHi, long localLo, int port) {
        Key k = key(protocol, localHi, localLo, port);
        Integer n = holders.get(k);
        if (n == null) {
            return;
        }
        if (n > 1) {
            holders.put(k, n - 1);
            return;
        }
        holders.remove(k);
        try {
            device.removeFlowRule(rule(k));
        } catch (RuntimeException e) {
            removalFailures++; // from segment input or a timer: never out of the stack's poll
        }
    }

    /** Rules the device failed to remove (the rule may still steer its traffic here, where it is dropped). */
    public long removalFailures() {
        return removalFailures;
    }

    private long removalFailures;

    /** How many distinct rules the device holds for this stack now. */
    public int rules() {
        return holders.size();
    }

    /** 0.0.0.0 and :: are one wildcard: both become a rule with no address. */
    private static Key key(int protocol, long hi, long lo, int port) {
        return IpAddress.isUnspecified(hi, lo) ? new Key(protocol, 0, 0, port) : new Key(protocol, hi, lo, port);
    }

    private static FlowRule rule(Key k) {
        return new FlowRule(k.protocol(), addressBytes(k.hi(), k.lo()), k.port(), null, 0);
    }

    /** 4 bytes for an IPv4-mapped address, 16 for IPv6, null for the wildcard. */
    static byte[] addressBytes(long hi, long lo) {
        return IpAddress.isUnspecified(hi, lo) ? null : new IpAddress(hi, lo).toInetAddress().getAddress();
    }
}
