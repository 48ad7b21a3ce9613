package io.flyover.stack.tcp;

/**
 * Per-connection timers, each an absolute deadline in the stack's {@code nowNanos} (no clock is read):
 * retransmission (RFC 6298 §5, R1/R2 of RFC 9293 §3.8.3), delayed ACK (RFC 9293 §3.8.6.3), persist /
 * zero-window probe (RFC 9293 §3.8.6.1), keep-alive (RFC 1122 4.2.3.6), and the close timer shared by
 * TIME-WAIT (2 MSL, RFC 9293 §3.4.2), the orphaned FIN-WAIT-2 timeout and SO_LINGER expiry.
 */
final class TcpTimers {
    private final TcpLayer layer;

    TcpTimers(TcpLayer layer) {
        this.layer = layer;
    }

    /** Runs every timer of {@code c} due at {@code now}. */
    void run(TcpConnection c, long now) {
        if (now >= c.closeDeadline) {
            c.closeDeadline = Long.MAX_VALUE;
            if (c.state == TcpState.TIME_WAIT || c.state == TcpState.FIN_WAIT_2) {
                layer.closeQuietly(c, TcpConnection.Error.NONE);
                return;
            }
            if (c.lingerAbortArmed) {
                c.abort(now); // SO_LINGER expired with data still unacknowledged
                return;
            }
        }
        if (now >= c.delAckDeadline) {
            c.delAckDeadline = Long.MAX_VALUE;
            c.ackNow = true;
        }
        if (now >= c.rtoDeadline) {
            c.rtoDeadline = Long.MAX_VALUE;
            retransmitTimeout(c, now);
            if (!c.inTable) {
                return;
            }
        }
        if (now >= c.rackDeadline) {
            // RFC 8985 §6.3: the reordering window passed; mark what is now lost and recover
            c.rackDeadline = c.rack.detectLoss(c, now);
            if (!c.inRecovery && c.state.isSynchronized() && TcpSender.lossEdge(c) != c.sndUna) {
                c.inRecovery = true;
                c.sackRecovery = true;
                c.recover = c.sndMax;
                c.cc.onEnterRecovery(c.sndMax - c.sndUna, now);
                c.scoreboard.highRxt = c.sndUna;
            }
            layer.markPending(c);
        }
        if (now >= c.tlpDeadline) {
            c.tlpDeadline = Long.MAX_VALUE;
            TailLossProbe.onProbeTimeout(layer, c, now);
        }
        if (now >= c.persistDeadline) {
            c.persistDeadline = Long.MAX_VALUE;
            if (c.sndWnd == 0 && c.state.isSynchronized()) {
                layer.sender().sendZeroWindowProbe(c, now);
                c.persistBackoff = Math.min(c.persistBackoff + 1, 20);
                long interval = Math.min(c.rtt.rtoNanos() << c.persistBackoff, c.settings.maxRtoNanos);
                c.persistDeadline = now + Math.max(interval, 0);
            }
        }
        if (now >= c.keepAliveDeadline) {
            if (c.sendRing.readable() > 0 || c.rtoDeadline != Long.MAX_VALUE || c.persistDeadline != Long.MAX_VALUE) {
                // RFC 1122 §4.2.3.6: only an idle connection is probed. Data unacknowledged or waiting for
                // the window is watched by the retransmission or persist timer (as Linux): look again later.
                c.keepAliveDeadline = now + c.settings.keepAliveIdleNanos;
            } else if (c.state == TcpState.ESTABLISHED || c.state == TcpState.CLOSE_WAIT) {
                if (c.keepAliveProbes >= c.settings.keepAliveCount) {
                    layer.sender().sendReset(c, c.sndMax);
                    layer.closeQuietly(c, TcpConnection.Error.TIMED_OUT);
                    return;
                }
                c.keepAliveProbes++;
                layer.sender().sendKeepAlive(c, now);
                c.keepAliveDeadline = now + c.settings.keepAliveIntervalNanos;
            } else {
                c.keepAliveDeadline = Long.MAX_VALUE;
            }
        }
    }

    /** RFC 6298 §5.4-5.6: retransmit the earliest unacknowledged segment, back off, restart the timer. */
    private void retransmitTimeout(TcpConnection c, long now) {
        boolean handshake = c.state == TcpState.SYN_SENT || c.state == TcpState.SYN_RECEIVED;
        int limit = handshake ? c.settings.synRetries : c.settings.dataRetries;
        if (c.retransmits >= limit) {
            if (!handshake) {
                layer.sender().sendReset(c, c.sndMax);
            }
            layer.closeQuietly(c, TcpConnection.Error.TIMED_OUT);
            return;
        }
        if (c.sndUna == c.sndMax && !handshake) {
            layer.markPending(c); // nothing outstanding: a send that found no frame is retried
            return;
        }
        c.retransmits++;
        layer.stats.retransmitTimeouts++;
        c.rtt.backOff();
        c.rttStartNanos = -1; // Karn: no sample from retransmitted data
        if (!handshake) {
            c.cc.onRetransmitTimeout(c.sndMax - c.sndUna, now);
            c.inRecovery = false;
            c.sackRecovery = false;
            c.scoreboard.clear(); // RFC 2018 §8: the receiver may renege; start over from SND.UNA
            c.rack.lossEdge = c.sndUna;
            c.rackDeadline = Long.MAX_VALUE;
            c.recover = c.sndMax;
            c.dupAcks = 0;
        }
        c.retransmittedSinceAck = true;
        c.tlpDeadline = Long.MAX_VALUE;
        c.tlpOut = false;
        // Go back N: resend from SND.UNA (the SYN itself in the handshake states).
        c.sndNxt = handshake ? c.iss : c.sndUna;
        c.rtoDeadline = now + c.rtt.rtoNanos();
        layer.markPending(c);
    }
}
