package io.flyover.provider.config;

/** Every configuration key Flyover's provider reads (see {@link Settings} for the naming rule). */
public final class SettingKeys {
    private SettingKeys() {}

    /** true/false (default false): serve 127.0.0.0/8 and ::1 with an in-process Flyover stack. */
    public static final String LOOPBACK_OFFLOAD = "flyover.loopback.offload";
    /** How a stack thread waits when idle: busy-spin, yield, backoff (default) or sleep. */
    public static final String IDLE = "flyover.idle";
    /** How long a thread blocked in select, read, accept or connect polls the stack itself before parking (default 0: park at once; spin only on dedicated cores). */
    public static final String SPIN_NANOS = "flyover.spin.nanos";
    /** Offload rules text ({@code io.flyover.provider.policy.OffloadRules} syntax; lines or ';'-separated). */
    public static final String RULES = "flyover.rules";
    /** A file of offload rules, read once at start. */
    public static final String RULES_FILE = "flyover.rules.file";
    /** Comma-separated host interfaces to accelerate, each opened through a {@code NetDeviceFactory}. */
    public static final String INTERFACES = "flyover.interfaces";
    /** Preferred device kind (af_xdp, verbs, tap, af_packet); default: the highest-priority factory serving the interface. */
    public static final String DEVICE = "flyover.device";
    /** Frames in each stack's pool (default 8192). */
    public static final String FRAMES = "flyover.frames";
    /** Frames in the loopback stack's pool (default 2048). */
    public static final String LOOPBACK_FRAMES = "flyover.loopback.frames";
    /** Bytes per frame of the loopback stack (default 32768): the loopback MTU, so the TCP segment size there. */
    public static final String LOOPBACK_FRAME_SIZE = "flyover.loopback.frame.size";
    /** A directory: each stack records what it sends and receives into flyover-<pid>-<interface>.pcap there. */
    public static final String PCAP_DIR = "flyover.pcap.dir";
}
