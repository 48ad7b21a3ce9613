package io.flyover.provider.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every counter of one statistics file at one moment, grouped by owner (the process, each stack, each
 * device queue, each socket), as {@link StatsFileReader#snapshot} read them.
 *
 * @param takenAtNanos the reader's {@code System.nanoTime()} when read, for rates between two snapshots
 */
public record StatsSnapshot(long pid, String command, long startTimeMillis, long heartbeatMillis, long takenAtNanos,
                            List<Owner> owners) {

    /**
     * One owner's counters.
     *
     * @param id the owner id within its scope (stack number, socket serial)
     * @param stackId the stack a queue or socket belongs to; -1 for the process and stacks
     * @param fields by name, in allocation order
     */
    public record Owner(StatsFileLayout.Scope scope, long id, long stackId, String description, Map<String, Field> fields) {
        /** The field's value, or 0 when the owner has no such field. */
        public long value(String name) {
            Field f = fields.get(name);
            return f == null ? 0 : f.value();
        }

        /** The field's change per second since {@code before} (same owner in an earlier snapshot), or NaN. */
        public double rate(String name, Owner before, double seconds) {
            Field now = fields.get(name);
            Field then = before == null ? null : before.fields().get(name);
            if (now == null || then == null || now.gauge() || now.registrationId() != then.registrationId() || seconds <= 0) {
                return Double.NaN;
            }
            return (now.value() - then.value()) / seconds;
        }
    }

    /**
     * @param gauge a level (shown as is) rather than a monotonic count (shown with its rate)
     * @param registrationId unique per allocation in the file: differs when a counter id was reused
     */
    public record Field(String name, boolean gauge, long value, long registrationId) {}

    public List<Owner> owners(StatsFileLayout.Scope scope) {
        List<Owner> out = new ArrayList<>();
        for (Owner o : owners) {
            if (o.scope() == scope) {
                out.add(o);
            }
        }
        return out;
    }

    /** The owner of {@code scope} with this id, or null. */
    public Owner owner(StatsFileLayout.Scope scope, long id) {
        for (Owner o : owners) {
            if (o.scope() == scope && o.id() == id) {
                return o;
            }
        }
        return null;
    }

    /** The process owner's field (sockets.offloaded, sockets.kernel, ...), or 0. */
    public long processValue(String name) {
        Owner p = owner(StatsFileLayout.Scope.PROCESS, 0);
        return p == null ? 0 : p.value(name);
    }

    /** Seconds between {@code before} and this snapshot. */
    public double secondsSince(StatsSnapshot before) {
        return before == null ? 0 : (takenAtNanos - before.takenAtNanos) / 1e9;
    }
}
