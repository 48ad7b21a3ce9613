package io.flyover.provider.stats;

import io.flyover.stack.tcp.TcpStats;
import java.util.function.ToLongFunction;

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

    @SuppressWarnings("unchecked")
    static final ToLongFunction<TcpStats>[] GETTERS = new ToLongFunction[] {
        (ToLongFunction<TcpStats>) s -> s.segmentsIn,
        (ToLongFunction<TcpStats>) s -> s.segmentsOut,
        (ToLongFunction<TcpStats>) s -> s.segmentsDroppedBelow,
        (ToLongFunction<TcpStats>) s -> s.retransmittedSegments,
        (ToLongFunction<TcpStats>) s -> s.retransmitTimeouts,
        (ToLongFunction<TcpStats>) s -> s.fastRetransmits,
        (ToLongFunction<TcpStats>) s -> s.tailLossProbes,
        (ToLongFunction<TcpStats>) s -> s.tailLossProbeRecoveries,
        (ToLongFunction<TcpStats>) s -> s.resetsSent,
        (ToLongFunction<TcpStats>) s -> s.resetsReceived,
        (ToLongFunction<TcpStats>) s -> s.challengeAcks,
        (ToLongFunction<TcpStats>) s -> s.challengeAcksSuppressed,
        (ToLongFunction<TcpStats>) s -> s.synCookiesSent,
        (ToLongFunction<TcpStats>) s -> s.synCookiesAccepted,
        (ToLongFunction<TcpStats>) s -> s.activeOpens,
        (ToLongFunction<TcpStats>) s -> s.passiveOpens,
        (ToLongFunction<TcpStats>) s -> s.keepAliveProbes,
        (ToLongFunction<TcpStats>) s -> s.zeroWindowProbes,
        (ToLongFunction<TcpStats>) s -> s.ignoredOptions,
    };
}
