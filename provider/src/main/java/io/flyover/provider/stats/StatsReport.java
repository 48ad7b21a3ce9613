package io.flyover.provider.stats;

import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.stats.StatsFileLayout.Scope;
import io.flyover.provider.stats.StatsSnapshot.Field;
import io.flyover.provider.stats.StatsSnapshot.Owner;
import io.flyover.stack.tcp.TcpState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** What {@code flyover-stat} prints: the process list and one process's counters, as text or JSON. */
final class StatsReport {
    private StatsReport() {}

    // --- the list of processes -------------------------------------------------------------------

    static String listText(List<StatsDirectory.Entry> entries, List<StatsDirectory.Entry> removed, long nowMillis) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-8s %-10s %6s %9s %6s %7s  %s%n", "PID", "UPTIME", "STACKS", "OFFLOADED", "KERNEL", "TRACKED", "COMMAND"));
        int shown = 0;
        for (StatsDirectory.Entry e : entries) {
            if (e.liveness() != StatsDirectory.Liveness.LIVE) {
                continue;
            }
            StatsSnapshot s = e.reader().snapshot(System.nanoTime());
            b.append(String.format("%-8d %-10s %6d %9d %6d %7d  %s%n", s.pid(), uptime(s.startTimeMillis(), nowMillis),
                    s.owners(Scope.STACK).size(), s.processValue("sockets.offloaded"), s.processValue("sockets.kernel"),
                    s.owners(Scope.SOCKET).size(), s.command()));
            shown++;
        }
        if (shown == 0) {
            b.append("(no running Flyover process)\n");
        }
        for (StatsDirectory.Entry e : entries) {
            if (e.liveness() == StatsDirectory.Liveness.UNREADABLE) {
                b.append("unreadable: ").append(e.path()).append(": ").append(e.reason()).append('\n');
            } else if (e.liveness() == StatsDirectory.Liveness.STALE) {
                b.append(removed.contains(e) ? "removed stale " : "stale ").append(e.path())
                        .append(" (").append(e.reason()).append(")\n");
            }
        }
        return b.toString();
    }

    static String listJson(StatsDirectory directory, List<StatsDirectory.Entry> entries, List<StatsDirectory.Entry> removed) {
        Json j = new Json().beginObject().field("directory", directory.directory().toString());
        j.name("processes").beginArray();
        for (StatsDirectory.Entry e : entries) {
            if (e.liveness() != StatsDirectory.Liveness.LIVE) {
                continue;
            }
            StatsSnapshot s = e.reader().snapshot(System.nanoTime());
            j.beginObject().field("pid", s.pid()).field("command", s.command())
                    .field("startTimeMillis", s.startTimeMillis()).field("heartbeatMillis", s.heartbeatMillis())
                    .field("stacks", s.owners(Scope.STACK).size())
                    .name("sockets").beginObject()
                    .field("offloaded", s.processValue("sockets.offloaded"))
                    .field("kernel", s.processValue("sockets.kernel"))
                    .field("tracked", s.owners(Scope.SOCKET).size())
                    .endObject().endObject();
        }
        j.endArray();
        j.name("stale").beginArray();
        for (StatsDirectory.Entry e : entries) {
            if (e.liveness() != StatsDirectory.Liveness.LIVE) {
                j.beginObject().field("pid", e.pid()).field("path", e.path().toString())
                        .field("state", e.liveness().name().toLowerCase(Locale.ROOT)).field("reason", e.reason())
                        .field("removed", removed.contains(e)).endObject();
            }
        }
        return j.endArray().endObject().toString();
    }

    // --- one process -----------------------------------------------------------------------------

    /** One process's counters; with {@code before} (an earlier snapshot), also their rates per second. */
    static String processText(StatsSnapshot now, StatsSnapshot before, long nowMillis) {
        double seconds = now.secondsSince(before);
        StringBuilder b = new StringBuilder();
        b.append("Flyover process ").append(now.pid()).append(", up ").append(uptime(now.startTimeMillis(), nowMillis))
                .append(", heartbeat ").append(String.format(Locale.ROOT, "%.1f", (nowMillis - now.heartbeatMillis()) / 1000.0))
                .append(" s ago\n  ").append(now.command()).append('\n');
        b.append(String.format("sockets: %d offloaded, %d kernel, %d with counters, %d without (file full)%n",
                now.processValue("sockets.offloaded"), now.processValue("sockets.kernel"),
                now.owners(Scope.SOCKET).size(), now.processValue(ProcessStats.UNTRACKED)));
        StringBuilder decided = new StringBuilder();
        for (SocketRole r : SocketRole.values()) {
            long o = now.processValue(ProcessStats.decidedName(r, OffloadPath.OFFLOAD));
            long k = now.processValue(ProcessStats.decidedName(r, OffloadPath.KERNEL));
            if (o + k > 0) {
                decided.append(' ').append(r.ruleName()).append(' ').append(o).append('/').append(k);
            }
        }
        if (!decided.isEmpty()) {
            b.append("decided (offload/kernel):").append(decided).append('\n');
        }
        for (Owner stack : now.owners(Scope.STACK)) {
            Owner prev = before == null ? null : before.owner(Scope.STACK, stack.id());
            b.append('\n').append(stack.description()).append(String.format(
                    "%n  pool: %d frames, %d free, %d in use; %d TCP connections%n", stack.value("pool.frames"),
                    stack.value("pool.framesFree"), stack.value("pool.framesInUse"), stack.value("tcp.connections")));
            b.append(String.format("  %-34s %16s %14s%n", "counter", "total", "per second"));
            for (Field f : stack.fields().values()) {
                if (!f.gauge() && (f.value() != 0 || isHeadline(f.name()))) {
                    b.append(String.format(Locale.ROOT, "  %-34s %16d %14s%n", f.name(), f.value(), rate(stack.rate(f.name(), prev, seconds))));
                }
            }
            for (Owner q : now.owners(Scope.QUEUE)) {
                if (q.stackId() != stack.id()) {
                    continue;
                }
                Owner qp = before == null ? null : before.owner(Scope.QUEUE, q.id());
                long polls = q.value("polls");
                b.append(String.format(Locale.ROOT, "  %s: rx %d pkt (%s/s), tx %d pkt (%s/s), polls %d, with input %.1f %%%n",
                        q.description(), q.value("rxPackets"), rate(q.rate("rxPackets", qp, seconds)),
                        q.value("txPackets"), rate(q.rate("txPackets", qp, seconds)), polls,
                        polls == 0 ? 0.0 : 100.0 * q.value("pollsWithInput") / polls));
            }
        }
        List<Owner> sockets = now.owners(Scope.SOCKET);
        if (!sockets.isEmpty()) {
            b.append(String.format("%nsockets%n  %-6s %-12s %8s %8s %8s %8s %12s %12s %8s %6s  %s%n", "ID", "STATE", "RTT us", "CWND",
                    "SND.WND", "RCV.WND", "IN B/s", "OUT B/s", "RETRANS", "OOO", "SOCKET"));
            for (Owner s : sockets) {
                Owner sp = before == null ? null : before.owner(Scope.SOCKET, s.id());
                if (s.fields().containsKey("state")) {
                    b.append(String.format(Locale.ROOT, "  %-6d %-12s %8d %8d %8d %8d %12s %12s %8d %6d  %s%n", s.id(),
                            stateName(s.value("state")), s.value("rttNanos") / 1000, s.value("cwnd"), s.value("sendWindow"),
                            s.value("receiveWindow"), rate(s.rate("bytesIn", sp, seconds)), rate(s.rate("bytesOut", sp, seconds)),
                            s.value("retransmissions"), s.value("outOfOrder"), s.description()));
                } else if (s.fields().containsKey("backlog")) {
                    b.append(String.format("  %-6d %-12s %s, %d pending of %d%n", s.id(), "LISTEN", s.description(),
                            s.value("pending"), s.value("backlog")));
                } else {
                    b.append(String.format(Locale.ROOT, "  %-6d %-12s in %d dgrams %s B/s, out %d dgrams %s B/s, %d dropped  %s%n",
                            s.id(), "UDP", s.value("datagramsIn"), rate(s.rate("bytesIn", sp, seconds)), s.value("datagramsOut"),
                            rate(s.rate("bytesOut", sp, seconds)), s.value("drops"), s.description()));
                }
            }
        }
        return b.toString();
    }

    static String processJson(StatsSnapshot now, StatsSnapshot before) {
        double seconds = now.secondsSince(before);
        Json j = new Json().beginObject().field("pid", now.pid()).field("command", now.command())
                .field("startTimeMillis", now.startTimeMillis()).field("heartbeatMillis", now.heartbeatMillis());
        if (before != null) {
            j.field("intervalSeconds", seconds);
        }
        Owner process = now.owner(Scope.PROCESS, 0);
        j.name("process");
        owner(j, process, before == null ? null : before.owner(Scope.PROCESS, 0), seconds, before != null);
        for (Scope scope : new Scope[] {Scope.STACK, Scope.QUEUE, Scope.SOCKET}) {
            j.name(scope == Scope.STACK ? "stacks" : scope == Scope.QUEUE ? "queues" : "sockets").beginArray();
            for (Owner o : now.owners(scope)) {
                owner(j, o, before == null ? null : before.owner(scope, o.id()), seconds, before != null);
            }
            j.endArray();
        }
        return j.endObject().toString();
    }

    private static void owner(Json j, Owner o, Owner prev, double seconds, boolean withRates) {
        if (o == null) {
            j.value((String) null);
            return;
        }
        j.beginObject().field("id", o.id());
        if (o.stackId() >= 0) {
            j.field("stack", o.stackId());
        }
        j.field("description", o.description());
        if (o.fields().containsKey("state")) {
            j.field("state", stateName(o.value("state")));
        }
        j.name("counters").beginObject();
        for (Field f : o.fields().values()) {
            j.field(f.name(), f.value());
        }
        j.endObject();
        if (withRates) {
            j.name("ratesPerSecond").beginObject();
            for (Field f : o.fields().values()) {
                if (!f.gauge()) {
                    j.field(f.name(), o.rate(f.name(), prev, seconds));
                }
            }
            j.endObject();
        }
        j.endObject();
    }

    private static boolean isHeadline(String name) {
        return name.equals("rxPackets") || name.equals("txPackets") || name.equals("rxBytes") || name.equals("txBytes")
                || name.equals("drops");
    }

    static String stateName(long ordinal) {
        TcpState[] states = TcpState.values();
        return ordinal >= 0 && ordinal < states.length ? states[(int) ordinal].name() : "?" + ordinal;
    }

    private static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "-";
        }
        double a = Math.abs(perSecond);
        if (a >= 10_000_000) {
            return String.format(Locale.ROOT, "%.1fM", perSecond / 1e6);
        }
        if (a >= 10_000) {
            return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f", perSecond);
    }

    static String uptime(long startMillis, long nowMillis) {
        if (startMillis <= 0) {
            return "?";
        }
        Duration d = Duration.ofMillis(Math.max(0, nowMillis - startMillis));
        long h = d.toHours();
        return h >= 48 ? d.toDays() + "d" + (h % 24) + "h"
                : String.format("%02d:%02d:%02d", h, d.toMinutesPart(), d.toSecondsPart());
    }

    static String instant(long millis) {
        return millis <= 0 ? "?" : Instant.ofEpochMilli(millis).toString();
    }
}
