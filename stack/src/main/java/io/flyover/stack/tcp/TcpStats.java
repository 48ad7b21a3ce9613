package io.flyover.stack.tcp;

/** Counters of one TCP layer that are not drops (drops are counted per {@code DropReason}). */
public final class TcpStats {
    public long segmentsIn;
    public long segmentsOut;
    /** Segments the IP layer refused (no route, neighbour queue full, ring full). */
    public long segmentsDroppedBelow;
    public long retransmittedSegments;
    public long retransmitTimeouts;
    public long fastRetransmits;
    public long tailLossProbes;
    public long tailLossProbeRecoveries;
    public long resetsSent;
    public long resetsReceived;
    public long challengeAcks;
    public long challengeAcksSuppressed;
    public long synCookiesSent;
    public long synCookiesAccepted;
    public long activeOpens;
    public long passiveOpens;
    public long keepAliveProbes;
    public long zeroWindowProbes;
    public long ignoredOptions;
}
