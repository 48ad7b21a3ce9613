package io.flyover.provider.runtime;

import io.flyover.stack.net.IpAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Flyover listeners (TCP) and bound receivers (UDP) of this process, by stack, address and port:
 * a loopback connection is offloaded only when one of them serves its destination, so that a client
 * reaching a local server that runs on the kernel still works.
 */
public final class ListenerDirectory {
    /** The transport of an entry. */
    public enum Protocol { TCP, UDP }

    private record Entry(StackRuntime runtime, Protocol protocol, IpAddress address, int port) {}

    private final Set<Entry> entries = ConcurrentHashMap.newKeySet();

    /** Records a listener; {@code address} null or unspecified for "any address of this stack". */
    public void add(StackRuntime runtime, Protocol protocol, IpAddress address, int port) {
        entries.add(new Entry(runtime, protocol, normalize(address), port));
    }

    public void remove(StackRuntime runtime, Protocol protocol, IpAddress address, int port) {
        entries.remove(new Entry(runtime, protocol, normalize(address), port));
    }

    /** Whether a listener of {@code runtime} serves {@code address:port}, on that address or on any. */
    public boolean serves(StackRuntime runtime, Protocol protocol, IpAddress address, int port) {
        return entries.contains(new Entry(runtime, protocol, normalize(address), port))
                || entries.contains(new Entry(runtime, protocol, null, port));
    }

    private static IpAddress normalize(IpAddress a) {
        return a == null || a.isUnspecified() ? null : a;
    }
}
