package io.flyover.stack.tcp;

/**
 * Tail loss probe (RFC 8985 §7, the TLP half of RACK-TLP): when the tail of a flight is lost there are
 * no duplicate ACKs to trigger fast recovery, so instead of waiting for the RTO the sender probes after
 * PTO = 2 SRTT (plus the worst-case delayed-ACK time when one segment is outstanding, §7.2), by
 * retransmitting the last segment (§7.3). The resulting ACK, with SACK, starts RFC 6675 recovery. A
 * probe whose ACK arrives without D-SACK is taken as a repaired loss and gets the congestion response of
 * fast recovery (§7.4.2). Used only with SACK and an RTT sample, as §7 requires.
 */
final class TailLossProbe {
    /** RFC 8985 §7.2 WCDelAckT. */
    static final long WORST_CASE_DELAYED_ACK_NANOS = 200_000_000L;

    private TailLossProbe() {}

    /** §7.2: schedule a PTO after sending new data, unless in recovery or a probe is out. */
    static void arm(TcpConnection c, long now) {
        if (!c.sackEnabled || !c.rtt.hasSample() || c.inRecovery || c.tlpOut || !c.state.isSynchronized()) {
            return;
        }
        long pto = 2 * c.rtt.srttNanos();
        if (c.sndMax - c.sndUna <= c.sendMss) {
            pto += WORST_CASE_DELAYED_ACK_NANOS;
        }
        pto = Math.max(pto, RttEstimator.GRANULARITY_NANOS);
        long at = now + pto;
        // The PTO never fires after the RTO would.
        c.tlpDeadline = at < c.rtoDeadline ? at : Long.MAX_VALUE;
    }

    /** On an ACK of new data: settle a probe it covers, re-arm or cancel the PTO. */
    static void onAck(TcpLayer layer, TcpConnection c, long now) {
        if (c.tlpOut && SeqNum.ge(c.sndUna, c.tlpEndSeq)) {
            c.tlpOut = false;
            // §7.4.2: no D-SACK support, so assume the probe repaired a loss.
            layer.stats.tailLossProbeRecoveries++;
            if (!c.inRecovery) {
                int flight = c.sndMax - c.sndUna;
                c.cc.onEnterRecovery(flight, now);
                c.cc.onExitRecovery(flight, now);
            }
        }
        if (c.sndUna == c.sndMax) {
            c.tlpDeadline = Long.MAX_VALUE;
        } else if (!c.tlpOut) {
            arm(c, now);
        }
    }

    /** §7.3: the PTO fired. */
    static void onProbeTimeout(TcpLayer layer, TcpConnection c, long now) {
        if (c.inRecovery || c.tlpOut || c.sndUna == c.sndMax || !c.state.isSynchronized()) {
            return;
        }
        if (layer.sender().sendTailLossProbe(c, now)) {
            c.tlpOut = true;
            c.tlpEndSeq = c.sndMax;
            c.rtoDeadline = now + c.rtt.rtoNanos(); // §7.3: restart the RTO after the probe
        }
    }
}
