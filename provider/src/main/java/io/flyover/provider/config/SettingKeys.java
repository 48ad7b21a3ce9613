package io.flyover.provider.config;

import io.flyover.provider.stats.StatsOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every configuration key Flyover reads, in one registry ({@link #ALL}): its type and allowed values,
 * its default, what each {@code flyover.profile} sets it to, and what it means. {@link Settings} applies
 * the naming rule (system property {@code flyover.a.b} = environment variable {@code FLYOVER_A_B}), the
 * profile and the defaults, and {@link Settings#validate()} checks every value against this registry at
 * start. The README's configuration table lists the same keys (a test keeps the two equal).
 */
public final class SettingKeys {
    private SettingKeys() {}

    /** What a key's value may be. */
    public enum Type {
        /** true/false (also yes/no, on/off, 1/0). */
        BOOLEAN,
        /** A whole number within the key's bounds ('_' may group digits). */
        NUMBER,
        /** One of the key's allowed words. */
        CHOICE,
        /** Free text (a path, a list, rules). */
        TEXT
    }

    /**
     * One key of the registry.
     *
     * @param name the system property name ({@code flyover.a.b})
     * @param type what the value may be
     * @param allowed the allowed words of a {@link Type#CHOICE} (the first spelling of each), else empty
     * @param min the smallest {@link Type#NUMBER}
     * @param max the largest {@link Type#NUMBER}
     * @param defaultValue the value when unset and no profile sets it; null when unset means "none" (see description)
     * @param latency the value {@code flyover.profile=latency} gives it, or null when the profile leaves it alone
     * @param throughput the value {@code flyover.profile=throughput} gives it, or null
     * @param description what it means
     */
    public record Key(String name, Type type, List<String> allowed, long min, long max, String defaultValue,
                      String latency, String throughput, String description) {
        /** {@code FLYOVER_A_B}. */
        public String environmentName() {
            return Settings.environmentName(name);
        }

        /** The value {@code profile} gives this key, or null. */
        public String profileValue(Profile profile) {
            return profile == null ? null : profile == Profile.LATENCY ? latency : throughput;
        }

        /** Null when {@code value} is good for this key, else what is wrong with it. */
        public String problem(String value) {
            String v = value.trim();
            return switch (type) {
                case BOOLEAN -> Settings.parseBoolean(v) == null ? "must be true or false" : null;
                case NUMBER -> {
                    try {
                        long n = Long.parseLong(v.replace("_", ""));
                        yield n < min || n > max ? "must be between " + min + " and " + max
                                : name.equals(LOOPBACK_FRAME_SIZE) && Long.bitCount(n) != 1 ? "must be a power of two" : null;
                    } catch (NumberFormatException e) {
                        yield "must be a whole number";
                    }
                }
                case CHOICE -> allowed.contains(v.toLowerCase(Locale.ROOT)) ? null : "must be one of " + String.join(", ", allowed);
                case TEXT -> null;
            };
        }
    }

    /** {@code flyover.profile}: a set of defaults for one goal. */
    public enum Profile {
        LATENCY, THROUGHPUT;

        public static Profile parse(String value) {
            return value == null ? null : valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** Sets other keys' defaults for a goal ({@code latency} or {@code throughput}); keys set explicitly win. */
    public static final String PROFILE = "flyover.profile";
    /** true/false (default false): serve 127.0.0.0/8 and ::1 with an in-process Flyover stack. */
    public static final String LOOPBACK_OFFLOAD = "flyover.loopback.offload";
    /** How a stack thread waits when idle: busy-spin, yield, backoff (default) or sleep. */
    public static final String IDLE = "flyover.idle";
    /** How long a thread blocked in select, read, accept or connect polls the stack itself before parking (default 0: park at once; spin only on dedicated cores). */
    public static final String SPIN_NANOS = "flyover.spin.nanos";
    /** A busy-polling receive on a datagram socket with a kernel socket too asks the kernel once per this many empty receives (default 100). */
    public static final String UDP_KERNEL_POLL_RATIO = "flyover.udp.kernel.poll.ratio";
    /** Offload rules text ({@code io.flyover.provider.policy.OffloadRules} syntax; lines or ';'-separated). */
    public static final String RULES = "flyover.rules";
    /** A file of offload rules, read once at start. */
    public static final String RULES_FILE = "flyover.rules.file";
    /** Comma-separated host interfaces to accelerate, each opened through a {@code NetDeviceFactory}. */
    public static final String INTERFACES = "flyover.interfaces";
    /** Preferred device kind (af_xdp, verbs, tap, af_packet); default: the highest-priority factory serving the interface. */
    public static final String DEVICE = "flyover.device";
    /** What an AF_XDP interface's stack takes: whole queues ({@code queue}, the default) or the ports it holds ({@code ports}). */
    public static final String XDP_STEERING = "flyover.xdp.steering";
    /** Frames in each stack's pool (default 8192). */
    public static final String FRAMES = "flyover.frames";
    /** Frames in the loopback stack's pool (default 2048). */
    public static final String LOOPBACK_FRAMES = "flyover.loopback.frames";
    /** Bytes per frame of the loopback stack (default 32768): the loopback MTU, so the TCP segment size there. */
    public static final String LOOPBACK_FRAME_SIZE = "flyover.loopback.frame.size";
    /** A directory: each stack records what it sends and receives into flyover-<pid>-<interface>.pcap there. */
    public static final String PCAP_DIR = "flyover.pcap.dir";
    /** true/false (default false): an unknown {@code flyover.*} key fails the start instead of a warning. */
    public static final String STRICT = "flyover.strict";
    /** Keys the agent reads (see {@code io.flyover.provider.agent.AgentSettings}). */
    public static final String AGENT_PROVIDER = "flyover.agent.provider";
    public static final String AGENT_FACTORIES = "flyover.agent.factories";
    public static final String AGENT_VERBOSE = "flyover.agent.verbose";
    /**
     * Keys under this prefix are what the agent reports (it sets them), never read as settings: the
     * unknown-key check leaves them alone.
     */
    public static final String AGENT_STATE_PREFIX = "flyover.agent.state.";

    private static final long INT_MAX = Integer.MAX_VALUE;

    /** The registry, in the README's order. */
    public static final List<Key> ALL = List.of(
            choice(PROFILE, List.of("latency", "throughput"), null, null, null,
                    "Defaults for a goal: `latency` spins (stack threads and waiting application threads), "
                            + "`throughput` parks idle threads and gives stacks bigger pools. Unset: the defaults of this table."),
            bool(LOOPBACK_OFFLOAD, "false", "Serve 127.0.0.0/8 and ::1 with an in-process Flyover stack (client and server in the same JVM)."),
            text(INTERFACES, null, "Comma-separated host interfaces to accelerate, each opened through a `NetDeviceFactory`; unset: none."),
            text(DEVICE, null, "Device kind to drive the interfaces with (`af_xdp`, `verbs`, `tap`, `af_packet`, or a third-party "
                    + "factory's); unset: the highest-priority factory that serves each interface."),
            choice(XDP_STEERING, List.of("queue", "ports"), "queue", null, null,
                    "What the stack of an AF_XDP interface takes: `queue`, every frame of its queues (the kernel "
                            + "gets nothing there), or `ports`, only TCP/UDP frames for the ports Flyover sockets "
                            + "hold (the kernel keeps ARP, ICMP, neighbour discovery and its own sockets' ports; "
                            + "the stack hears ARP, neighbour discovery and the ICMP errors about its flows through "
                            + "AF_PACKET taps)."),
            text(RULES, null, "Offload rules (syntax above; lines or `;`-separated), after those of `flyover.rules.file`."),
            text(RULES_FILE, null, "A file of offload rules, read once at start."),
            choice(IDLE, List.of("busy-spin", "yield", "backoff", "sleep"), "backoff", "busy-spin", "backoff",
                    "How a stack thread waits when a poll found nothing: `busy-spin` (one core per stack), `yield`, "
                            + "`backoff` (spin, yield, then park up to 1 ms) or `sleep` (1 ms); with `backoff` or `sleep` "
                            + "a device stack's thread sleeps in `ppoll()` on the device until input, its next timer (at most "
                            + "10 ms), or an application thread arming a nearer TCP timer wakes it."),
            number(SPIN_NANOS, 0, 10_000_000_000L, "0", "100000", "0",
                    "How long (ns) a thread blocked in select, read, accept or connect polls the stack itself before parking."),
            number(UDP_KERNEL_POLL_RATIO, 0, 1_000_000, "100", null, null,
                    "A non-blocking receive on a datagram socket that also has a kernel socket (a shadow) asks the "
                            + "kernel once per this many receives that found nothing, as XLIO's `XLIO_RX_UDP_POLL_OS_RATIO`, "
                            + "and at least once a millisecond; 0: only when a selector reports the kernel socket ready."),
            number(FRAMES, 64, INT_MAX, "8192", null, "32768", "Frames in each interface stack's pool (2 KiB each)."),
            number(LOOPBACK_FRAMES, 64, INT_MAX, "2048", null, null, "Frames in the loopback stack's pool."),
            number(LOOPBACK_FRAME_SIZE, 2048, 65_536, "32768",  null, null,
                    "Bytes per loopback frame: the loopback MTU, so the TCP segment size there."),
            text(PCAP_DIR, null, "A directory: each stack records the frames it sends and receives into "
                    + "`flyover-<pid>-<interface>.pcap` there (`tcpdump -r`); unset: no capture."),
            bool(StatsOptions.ENABLED, "true", "Publish the process's statistics file for `flyover-stat`."),
            text(StatsOptions.DIR, null, "Directory of the statistics files; unset: `/dev/shm/flyover` (else `<java.io.tmpdir>/flyover`)."),
            number(StatsOptions.INTERVAL_MS, 0, 3_600_000, Long.toString(StatsOptions.DEFAULT_INTERVAL_MS), null, null,
                    "How often (ms) a stack thread copies its counters into the statistics file."),
            number(StatsOptions.MAX_COUNTERS, 16, 1 << 20, Integer.toString(StatsOptions.DEFAULT_CAPACITY), null, null,
                    "Counters the statistics file holds; sockets opened when it is full get none (`sockets.untracked`)."),
            bool(STRICT, "false", "Fail the start on an unknown `flyover.*` key instead of warning."),
            bool(AGENT_PROVIDER, "true", "Agent: make Flyover the JVM's `SelectorProvider`."),
            choice(AGENT_FACTORIES, List.of("auto", "always", "never"), "auto", null, null,
                    "Agent: install the `java.net` socket factories when Flyover serves the channels (`auto`), always, or never."),
            bool(AGENT_VERBOSE, "false", "Agent: print what the agent did in one line."));

    private static final Map<String, Key> BY_NAME = index();

    /** The key named {@code name}, or null when the registry has none. */
    public static Key find(String name) {
        return BY_NAME.get(name);
    }

    /** The key whose environment variable is {@code variable}, or null. */
    public static Key findEnvironment(String variable) {
        for (Key k : ALL) {
            if (k.environmentName().equals(variable)) {
                return k;
            }
        }
        return null;
    }

    private static Map<String, Key> index() {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : ALL) {
            if (m.put(k.name(), k) != null) {
                throw new IllegalStateException("duplicate key " + k.name());
            }
        }
        return Map.copyOf(m);
    }

    private static Key bool(String name, String defaultValue, String description) {
        return new Key(name, Type.BOOLEAN, List.of(), 0, 0, defaultValue, null, null, description);
    }

    private static Key number(String name, long min, long max, String defaultValue, String latency, String throughput, String description) {
        return new Key(name, Type.NUMBER, List.of(), min, max, defaultValue, latency, throughput, description);
    }

    private static Key choice(String name, List<String> allowed, String defaultValue, String latency, String throughput, String description) {
        return new Key(name, Type.CHOICE, allowed, 0, 0, defaultValue, latency, throughput, description);
    }

    private static Key text(String name, String defaultValue, String description) {
        return new Key(name, Type.TEXT, List.of(), 0, 0, defaultValue, null, null, description);
    }
}
