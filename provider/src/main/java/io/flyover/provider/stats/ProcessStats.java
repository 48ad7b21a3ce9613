package io.flyover.provider.stats;

import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * The process's own counters: sockets open now on each path (offloaded or kernel), how every socket
 * role was decided since start, and sockets that got no counters because the file was full. Updated
 * from any thread with single atomic adds on the mapped values: no lock, no allocation.
 */
public final class ProcessStats {
    /** Gauge: sockets open now, by {@link OffloadPath} ordinal. */
    static final String[] OPEN = {"sockets.offloaded", "sockets.kernel"};
    static final String UNTRACKED = "sockets.untracked";

    private static final SocketRole[] ROLES = SocketRole.values();
    private static final OffloadPath[] PATHS = OffloadPath.values();

    /** Counters the process allocates. */
    static final int COUNTERS = 3 + ROLES.length * PATHS.length;

    private final AtomicBuffer values;
    /** [0..1] open by path, [2] untracked, then decided by role and path. */
    private final int[] ids;

    ProcessStats(StatsFile file) {
        String[] names = new String[COUNTERS];
        byte[] kinds = new byte[names.length];
        names[0] = OPEN[0];
        names[1] = OPEN[1];
        kinds[0] = StatsFileLayout.KIND_GAUGE;
        kinds[1] = StatsFileLayout.KIND_GAUGE;
        names[2] = UNTRACKED;
        for (SocketRole r : ROLES) {
            for (OffloadPath p : PATHS) {
                names[decidedIndex(r, p)] = decidedName(r, p);
            }
        }
        this.ids = file.allocate(StatsFileLayout.Scope.PROCESS, 0, -1, "process", names, kinds);
        this.values = ids == null ? null : file.values();
    }

    /** The counter of sockets of {@code role} decided for {@code path}: {@code decided.tcp_client.offload}. */
    static String decidedName(SocketRole role, OffloadPath path) {
        return "decided." + role.ruleName() + "." + path.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static int decidedIndex(SocketRole role, OffloadPath path) {
        return 3 + role.ordinal() * PATHS.length + path.ordinal();
    }

    /** A socket of {@code role} was given to {@code path} (at bind, connect, listen or first send). */
    public void decided(SocketRole role, OffloadPath path) {
        add(decidedIndex(role, path), 1);
    }

    /** A socket now open on {@code path} (decided, or accepted from a listener on that path). */
    public void socketOpened(OffloadPath path) {
        add(path.ordinal(), 1);
    }

    /** A socket counted by {@link #socketOpened} was closed. */
    public void socketClosed(OffloadPath path) {
        add(path.ordinal(), -1);
    }

    /** A socket that got no counters of its own (the file is full). */
    void untracked() {
        add(2, 1);
    }

    public long openSockets(OffloadPath path) {
        return get(path.ordinal());
    }

    public long decidedCount(SocketRole role, OffloadPath path) {
        return get(decidedIndex(role, path));
    }

    public long untrackedSockets() {
        return get(2);
    }

    private void add(int index, long delta) {
        if (values != null) {
            values.getAndAddLong(CountersReader.counterOffset(ids[index]), delta);
        }
    }

    private long get(int index) {
        return values == null ? 0 : values.getLongVolatile(CountersReader.counterOffset(ids[index]));
    }
}
