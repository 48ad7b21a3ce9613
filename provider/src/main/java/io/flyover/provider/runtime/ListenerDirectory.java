package io.flyover.provider.runtime;

import io.flyover.stack.net.IpAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Flyover listeners (TCP) and bound receivers (UDP) of this process, by stack, address and port:
 * a loopback connection is offloaded only when one of them serves its destination, so that a client
 * reaching a local server that runs on the kernel still works. Entries are counted: sockets sharing an
 * address and port under SO_REUSEPORT each add one, and the entry lasts until the last is removed.
 */
public final class ListenerDirectory {
    /** The transport of an entry. */
    public enum Protocol { TCP, UDP }

    private record Entry(StackRuntime runtime, Protocol protocol, IpAddress address, int port) {}

    private final ConcurrentHashMap<Entry, Integer> entries = new ConcurrentHashMap<>();

    /** Records a listener; {@code address} null or unspecified for "any address of this stack". */
    public void add(StackRuntime runtime, Protocol protocol, IpAddress address, int port) {
        entries.merge(new Entry(runtime, protocol, normalize(address), port), 1, Integer::sum);
    }

    public void remove(StackRuntime runtime, Protocol protocol, IpAddress address, int port) {
        entries.computeIfPresent(new Entry(runtime, protocol, normalize(address), port), (e, n) -> n == 1 ? null : n - 1);
    }

    /** Whether a listener of {@code runtime} serves {@code address:port}, on that address or on any. */
    public boolean serves(StackRuntime runtime, Protocol protocol, IpAddress address, int port) {
        return entries.containsKey(new Entry(runtime, protocol, normalize(address), port))
                || entries.containsKey(new Entry(runtime, protocol, null, port));
    }

    private static IpAddress normalize(IpAddress a) {
        return a == null || a.isUnspecified() ? null : a;
    }
}
