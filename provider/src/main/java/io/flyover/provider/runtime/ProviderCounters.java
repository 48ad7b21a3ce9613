package io.flyover.provider.runtime;

import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.stats.ProcessStats;
import io.flyover.provider.stats.StatsFile;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which path each socket of one provider took, counted when the path is decided (connect, bind, listen,
 * first send) and for every accepted connection: the proof tests and operators read, in the spirit of
 * {@code xlio_stats}' offloaded-versus-OS socket counts.
 */
public final class ProviderCounters {
    private static final int ROLES = SocketRole.values().length;
    private final AtomicLongArray decided = new AtomicLongArray(ROLES * 2);
    private final AtomicLongArray accepted = new AtomicLongArray(2);
    /** The same counts in the process's statistics file (read by {@code flyover-stat}). */
    private final ProcessStats process;

    public ProviderCounters() {
        this(StatsFile.disabled().process());
    }

    public ProviderCounters(ProcessStats process) {
        this.process = process;
    }

    public void decided(SocketRole role, OffloadPath path) {
        decided.incrementAndGet(role.ordinal() * 2 + path.ordinal());
        process.decided(role, path);
    }

    public void countAccepted(OffloadPath path) {
        accepted.incrementAndGet(path.ordinal());
    }

    /** A socket now lives on {@code path} (decided, or accepted): the open-socket gauge of the statistics file. */
    public void socketOpened(OffloadPath path) {
        process.socketOpened(path);
    }

    /** A socket counted by {@link #socketOpened} closed. */
    public void socketClosed(OffloadPath path) {
        process.socketClosed(path);
    }

    /** Sockets of {@code role} that went down {@code path}. */
    public long count(SocketRole role, OffloadPath path) {
        return decided.get(role.ordinal() * 2 + path.ordinal());
    }

    /** Connections accepted from a Flyover listener ({@link OffloadPath#OFFLOAD}) or the kernel. */
    public long accepted(OffloadPath path) {
        return accepted.get(path.ordinal());
    }

    public long offloaded(SocketRole role) {
        return count(role, OffloadPath.OFFLOAD);
    }

    public long kernel(SocketRole role) {
        return count(role, OffloadPath.KERNEL);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (SocketRole r : SocketRole.values()) {
            long o = offloaded(r);
            long k = kernel(r);
            if (o + k > 0) {
                b.append(r.ruleName()).append(" offload=").append(o).append(" kernel=").append(k).append(' ');
            }
        }
        return b.append("accepted offload=").append(accepted(OffloadPath.OFFLOAD))
                .append(" kernel=").append(accepted(OffloadPath.KERNEL)).toString();
    }
}
