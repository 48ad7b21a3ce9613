package io.flyover.stack.tcp;

/**
 * Per-connection options, the stack-level counterpart of socket options. A connection copies them when
 * it is created (a listener's settings are inherited by the connections it accepts).
 */
public final class TcpSettings implements Cloneable {
    /** Congestion control algorithm, selectable per connection. */
    public enum Congestion { NEW_RENO, CUBIC }

    /** Receive buffer (window) in bytes; with window scaling up to 2^30 (RFC 7323 §2.3). */
    public int receiveBufferSize = 256 * 1024;
    public int sendBufferSize = 256 * 1024;
    /** TCP_NODELAY: disable Nagle's algorithm (RFC 9293 §3.7.4). */
    public boolean noDelay;
    /** SO_OOBINLINE: an urgent byte stays in the stream instead of being skipped (see {@link UrgentData}). */
    public boolean oobInline;
    public boolean windowScaling = true;
    public boolean timestamps = true;
    public boolean sack = true;
    public Congestion congestion = Congestion.CUBIC;

    public long initialRtoNanos = 1_000_000_000L;   // RFC 6298 §2.1
    public long minRtoNanos = 200_000_000L;         // Linux's floor; RFC 6298 §2.4 says 1 s (a SHOULD)
    public long maxRtoNanos = 60_000_000_000L;      // RFC 6298 §2.5
    /** RFC 9293 §3.8.6.3 / RFC 1122 4.2.3.2: under 500 ms. */
    public long delayedAckNanos = 40_000_000L;
    /** Retransmissions of a SYN before connect fails (RFC 9293 §3.8.3 R2 for SYN: at least 3 minutes). */
    public int synRetries = 6;
    /** Retransmissions of data before the connection is dropped (R2). */
    public int dataRetries = 15;
    /** 2 MSL (RFC 9293 §3.4.2; Linux uses 60 s). */
    public long timeWaitNanos = 60_000_000_000L;
    /** How long an orphaned FIN-WAIT-2 waits for the peer's FIN (Linux tcp_fin_timeout). */
    public long finWait2TimeoutNanos = 60_000_000_000L;

    /** SO_KEEPALIVE with TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT (RFC 1122 4.2.3.6). */
    public boolean keepAlive;
    public long keepAliveIdleNanos = 7_200_000_000_000L;
    public long keepAliveIntervalNanos = 75_000_000_000L;
    public int keepAliveCount = 9;

    /**
     * IP_TOS / IPV6_TCLASS: the TOS byte or traffic class of every segment the connection sends (a
     * listener's is inherited by the connections it accepts and carried by its SYN-ACKs). Its two ECN
     * bits are not the application's: as Linux's {@code __ip_sock_set_tos} does for SOCK_STREAM, they
     * are cleared ({@link #DSCP_MASK}).
     */
    public int trafficClass;

    /** The DSCP part of a TOS byte (RFC 2474), without the ECN field (RFC 3168 §5). */
    public static final int DSCP_MASK = 0xFC;

    /** SO_LINGER in nanoseconds; negative = off; 0 = abortive close with RST. */
    public long lingerNanos = -1;

    /** MSS to advertise when the route gives no MTU. */
    public int defaultMss = 1460;

    @Override
    public TcpSettings clone() {
        try {
            return (TcpSettings) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
