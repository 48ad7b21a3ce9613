package io.flyover.provider.stats;

import io.flyover.stack.tcp.TcpStats;

/**
 * The fields of {@link TcpStats} by name, read without reflection (non-capturing lambdas: reading
 * allocates nothing). A test checks that every public field of {@code TcpStats} is listed here.
 */
final class TcpStatsFields {
    private TcpStatsFields() {}

    static final String[] NAMES = {
        "segmentsIn", "segmentsOut", "segmentsDroppedBelow", "retransmittedSegments", "retransmitTimeouts",
        "fastRetransmits", "tailLossProbes", "tailLossProbeRecoveries", "resetsSent", "resetsReceived",
        "challengeAcks", "challengeAcksSuppressed", "synCookiesSent", "synCookiesAccepted", "activeOpens",
        "passiveOpens", "keepAliveProbes", "zeroWindowProbes", "ignoredOptions",
    };

    /** Reads one field. */
    @FunctionalInterface
    interface Getter {
        long applyAsLong(TcpStats s);
    }

    static final Getter[] GETTERS = {
        s -> s.segmentsIn,
        s -> s.segmentsOut,
        s -> s.segmentsDroppedBelow,
        s -> s.retransmittedSegments,
        s -> s.retransmitTimeouts,
        s -> s.fastRetransmits,
        s -> s.tailLossProbes,
        s -> s.tailLossProbeRecoveries,
        s -> s.resetsSent,
        s -> s.resetsReceived,
        s -> s.challengeAcks,
        s -> s.challengeAcksSuppressed,
        s -> s.synCookiesSent,
        s -> s.synCookiesAccepted,
        s -> s.activeOpens,
        s -> s.passiveOpens,
        s -> s.keepAliveProbes,
        s -> s.zeroWindowProbes,
        s -> s.ignoredOptions,
    };
}
