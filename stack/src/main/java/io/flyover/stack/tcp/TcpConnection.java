package io.flyover.stack.tcp;

import java.nio.ByteBuffer;

/**
 * One TCP connection: the transmission control block (RFC 9293 §3.3.1) and the user calls of
 * RFC 9293 §3.10 (SEND, RECEIVE, CLOSE, ABORT, STATUS) in socket form. Segment processing lives in
 * {@link TcpInput}, transmission in {@link TcpSender}, timers in {@link TcpTimers}; they share the TCB
 * through package-private fields. Driven by the stack thread only.
 */
public final class TcpConnection {
    /** {@link #read} at end of stream. */
    public static final int EOF = -1;
    /** {@link #read}/{@link #write} when the connection failed or the direction is shut; see {@link #error()}. */
    public static final int FAILED = -2;

    /** Why a connection failed (the errno a socket would report). */
    public enum Error { NONE, REFUSED, RESET, TIMED_OUT, ABORTED, UNREACHABLE }

    final TcpLayer layer;
    final TcpSettings settings;

    // --- identity (RFC 9293 §3.3.1: the socket pair) ---------------------------------------
    final long localHi, localLo, remoteHi, remoteLo;
    final int localPort, remotePort;
    /** The local address whose port this connection holds on the device: its own, or its listener's (maybe the wildcard). */
    long portHeldHi, portHeldLo;
    /** The listener that accepted this connection, until it is accepted; null for active opens. */
    TcpListener listener;
    boolean inTable;
    boolean pendingOutput;
    /** Slot in the layer's {@link TimerQueue}, -1 when not scheduled, and the deadline it is filed under. */
    int heapIndex = -1;
    long scheduledDeadline = Long.MAX_VALUE;

    TcpState state = TcpState.CLOSED;
    /** ESTABLISHED was reached once. */
    boolean wasEstablished;
    Error error = Error.NONE;
    /** An ICMP soft error arrived (reported by SO_ERROR-like status only if the connection then times out). */
    boolean softError;

    // --- send sequence variables (RFC 9293 §3.3.1) --------------------------------------------
    int iss;
    int sndUna;
    int sndNxt;
    /** Highest sequence number sent plus one: SND.NXT before a go-back-N retransmission rewound it. */
    int sndMax;
    /** SND.WND in bytes (already scaled). */
    int sndWnd;
    int sndWl1;
    int sndWl2;
    int maxSndWnd;
    /** Shift applied to the peer's window field (RFC 7323 §2.3). */
    int sndWndShift;
    /** Effective send MSS (peer's MSS option, lowered by path MTU). */
    int sendMss;
    int peerMss;

    // --- receive sequence variables -----------------------------------------------------------
    int irs;
    int rcvNxt;
    /** Right edge of the window we advertised last: RCV.NXT + RCV.WND, never moved left (RFC 9293 §3.8.6.2.2). */
    int rcvAdv;
    /** Shift we apply to our window (RFC 7323 §2.2). */
    int rcvWndShift;
    int ourMss;
    /** A FIN beyond RCV.NXT was received; {@link #rcvFinSeq} is its sequence number. */
    boolean rcvFinPending;
    int rcvFinSeq;
    /** The peer's FIN was accepted: end of stream. */
    boolean rcvFin;

    // --- urgent data (RFC 9293 §3.8.5, as Linux: see UrgentData) ----------------------------------
    /** Urgent mode: SND.UP, one past the urgent byte, is ahead of SND.UNA. */
    boolean sndUrgent;
    int sndUp;
    /** An urgent pointer arrived and the reader has not passed it; the urgent byte's sequence number. */
    boolean rcvUrgent;
    int rcvUrgentSeq;

    // --- options -------------------------------------------------------------------------------
    /** Both SYNs carried Window Scale (RFC 7323 §2.2). */
    boolean wsAgreed;
    boolean tsEnabled;
    int tsRecent;
    long tsRecentAgeNanos;
    int tsOffset;
    int lastAckSent;
    boolean sackEnabled;

    // --- buffers --------------------------------------------------------------------------------
    final ByteRing sendRing;
    final ByteRing recvRing;
    final ReassemblyQueue reassembly;
    /** The byte {@link #writeUrgent} copies from. */
    private final byte[] oneByte = new byte[1];
    /** SHUT_WR or CLOSE: a FIN follows the queued data. */
    boolean finQueued;
    /** Our FIN has been acknowledged. */
    boolean finAcked;
    /** The application closed the socket entirely. */
    boolean userClosed;

    // --- loss recovery and congestion -----------------------------------------------------------
    final RttEstimator rtt;
    CongestionControl cc;
    int dupAcks;
    boolean inRecovery;
    /** The recovery is driven by the SACK scoreboard (RFC 6675) rather than NewReno (RFC 6582). */
    boolean sackRecovery;
    final SackScoreboard scoreboard = new SackScoreboard(32);
    /** RFC 8985 RACK; its reorder timer. */
    final Rack rack;
    long rackDeadline = Long.MAX_VALUE;
    int recover;
    /** Karn timing: the segment being timed ({@link #rttSeq}) and when it was sent; -1 when none. */
    int rttSeq;
    long rttStartNanos = -1;
    /** Retransmission timeouts since SND.UNA last advanced (RFC 9293 §3.8.3 R1/R2 count them). */
    int retransmits;
    /** Every segment this connection sent again, SYNs included (Linux's tcpi_total_retrans). */
    long retransmittedSegments;
    boolean retransmittedSinceAck;

    // --- per-connection counters (plain longs, written by the stack thread; read for statistics) --
    long segmentsReceived, payloadBytesReceived, segmentsSent, payloadBytesSent;
    long segmentsOutOfOrder;

    // --- acknowledgement ------------------------------------------------------------------------
    boolean ackNow;
    int quickAcks;
    int unackedSegments;

    // --- timers (absolute nowNanos; Long.MAX_VALUE = off) ----------------------------------------
    long rtoDeadline = Long.MAX_VALUE;
    /** RFC 8985 §7 tail loss probe: PTO deadline, and the probe in flight (TLP.end_seq, TLP.is_retrans). */
    long tlpDeadline = Long.MAX_VALUE;
    boolean tlpOut;
    int tlpEndSeq;
    long delAckDeadline = Long.MAX_VALUE;
    long persistDeadline = Long.MAX_VALUE;
    int persistBackoff;
    long keepAliveDeadline = Long.MAX_VALUE;
    int keepAliveProbes;
    long lastReceiveNanos;
    /** TIME-WAIT, FIN-WAIT-2 timeout, SO_LINGER expiry. */
    long closeDeadline = Long.MAX_VALUE;
    boolean lingerAbortArmed;

    TcpConnection(TcpLayer layer, TcpSettings settings, long localHi, long localLo, int localPort,
                  long remoteHi, long remoteLo, int remotePort) {
        this.layer = layer;
        this.settings = settings;
        this.localHi = localHi;
        this.localLo = localLo;
        this.localPort = localPort;
        this.remoteHi = remoteHi;
        this.remoteLo = remoteLo;
        this.remotePort = remotePort;
        this.sendRing = new ByteRing(settings.sendBufferSize);
        this.recvRing = new ByteRing(settings.receiveBufferSize);
        this.reassembly = new ReassemblyQueue(16);
        this.rack = new Rack(rackCapacity(settings.sendBufferSize));
        this.rtt = new RttEstimator(settings.initialRtoNanos, settings.minRtoNanos, settings.maxRtoNanos);
        this.cc = settings.congestion == TcpSettings.Congestion.CUBIC ? new Cubic() : new NewReno();
        int shift = 0;
        while (shift < 14 && (65535L << shift) < settings.receiveBufferSize) {
            shift++;
        }
        this.rcvWndShift = settings.windowScaling ? shift : 0;
    }

    /** Segments RACK can track: enough for a send buffer of small segments. */
    private static int rackCapacity(int sendBufferSize) {
        return Math.max(64, sendBufferSize / 512);
    }

    // --- STATUS ----------------------------------------------------------------------------------

    /** The object the layer above keeps with this socket (the provider's channel); the stack never reads it. */
    public Object attachment;
    /**
     * What the layer above ties to this connection's place in the table (the provider: a kernel socket
     * holding its port), which the stack never reads or closes: when the connection leaves the table,
     * which for an active close is after TIME-WAIT, not when the application closes, the stack reports
     * {@link TcpReadinessListener#onReleased} and the layer above lets go of it. Null for none.
     */
    public Object heldUntilReleased;

    public TcpState state() { return state; }
    public Error error() { return error; }
    public long localAddressHi() { return localHi; }
    public long localAddressLo() { return localLo; }
    public int localPort() { return localPort; }
    public long remoteAddressHi() { return remoteHi; }
    public long remoteAddressLo() { return remoteLo; }
    public int remotePort() { return remotePort; }
    public String congestionControl() { return cc.name(); }
    public int sendMss() { return sendMss; }
    public int congestionWindow() { return cc.cwnd(); }
    public long smoothedRttNanos() { return rtt.srttNanos(); }
    /** Segments retransmitted over the connection's life, by timeout, fast recovery or probe, SYNs included. */
    public long retransmissions() { return retransmittedSegments; }
    /** Retransmission timeouts in a row since the last acknowledgement of new data (reset by each). */
    public int consecutiveTimeouts() { return retransmits; }
    /** SND.WND: the peer's last advertised window, scaled (RFC 9293 §3.3.1). */
    public int sendWindow() { return sndWnd; }
    /** Free room in the receive buffer: the window this end can advertise. */
    public int receiveWindow() { return recvRing.writable(); }

    // Counters since the connection was created, for statistics (other threads: plain reads, a recent value).
    public long segmentsReceived() { return segmentsReceived; }
    public long payloadBytesReceived() { return payloadBytesReceived; }
    public long segmentsSent() { return segmentsSent; }
    public long payloadBytesSent() { return payloadBytesSent; }
    /** Data segments that arrived ahead of RCV.NXT and were queued for reassembly. */
    public long segmentsOutOfOrder() { return segmentsOutOfOrder; }

    /** The handshake completed (and the connection may since have been closed). */
    public boolean isConnected() {
        return wasEstablished;
    }

    /** Bytes ready for {@link #read}, or end of stream, or an error to report. */
    public boolean isReadable() {
        return recvRing.readable() > UrgentData.hiddenAtHead(this) || rcvFin || error != Error.NONE;
    }

    /** Room in the send buffer of a connected socket, or an error to report. */
    public boolean isWritable() {
        return error != Error.NONE
                || (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT) && !finQueued && sendRing.writable() > 0;
    }

    public int bytesToRead() { return recvRing.readable(); }
    /**
     * FIONREAD, as Linux's {@code tcp_inq}: {@link #bytesToRead}, but only the bytes before a pending urgent
     * byte the reader will skip (none when the reader stands at it).
     */
    public int bytesAvailable() { return UrgentData.availableBeforeMark(this); }
    /** Bytes written but not yet acknowledged by the peer. */
    public int bytesUnacknowledged() { return sendRing.readable(); }

    /** TCP_NODELAY. */
    public void setNoDelay(boolean on) {
        settings.noDelay = on;
        layer.markPending(this);
    }

    /**
     * Applies the options a socket may change once open, as Linux's setsockopt does: TCP_NODELAY,
     * SO_OOBINLINE, SO_LINGER, IP_TOS (from the next segment), SO_SNDBUF and SO_RCVBUF ({@link
     * #resizeBuffers}), and SO_KEEPALIVE with its idle time, interval and count (RFC 1122 §4.2.3.6; a
     * change restarts the idle interval from now). Window scaling, timestamps, SACK and the congestion
     * control stay as they were negotiated at open.
     */
    public void updateOptions(TcpSettings from, long nowNanos) {
        settings.noDelay = from.noDelay;
        settings.oobInline = from.oobInline;
        settings.lingerNanos = from.lingerNanos;
        settings.trafficClass = from.trafficClass;
        resizeBuffers(from.sendBufferSize, from.receiveBufferSize);
        boolean keepAliveChanged = settings.keepAlive != from.keepAlive
                || settings.keepAliveIdleNanos != from.keepAliveIdleNanos
                || settings.keepAliveIntervalNanos != from.keepAliveIntervalNanos
                || settings.keepAliveCount != from.keepAliveCount;
        settings.keepAlive = from.keepAlive;
        settings.keepAliveIdleNanos = from.keepAliveIdleNanos;
        settings.keepAliveIntervalNanos = from.keepAliveIntervalNanos;
        settings.keepAliveCount = from.keepAliveCount;
        if (keepAliveChanged) {
            keepAliveProbes = 0;
            boolean synchronizedState = state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT
                    || state == TcpState.FIN_WAIT_1 || state == TcpState.FIN_WAIT_2;
            keepAliveDeadline = settings.keepAlive && synchronizedState
                    ? nowNanos + settings.keepAliveIdleNanos : Long.MAX_VALUE;
        }
        layer.markPending(this);
    }

    /**
     * SO_SNDBUF / SO_RCVBUF on an open connection, as Linux allows: no queued byte is dropped. A larger
     * receive buffer opens the window up to what the window scale agreed in the SYNs can announce
     * (RFC 7323 §2.2), announced at once when it grew enough (as after a read); a smaller one lowers the
     * window offered from now on, but the right edge already advertised stays where it is and data up to
     * it is still accepted (RFC 9293 §3.8.6.2.2: a receiver must not shrink the window). A larger send
     * buffer lets the application write more; a smaller one accepts writes again only once the queued
     * bytes fall below it.
     */
    private void resizeBuffers(int sendBufferSize, int receiveBufferSize) {
        if (sendBufferSize != settings.sendBufferSize) {
            boolean wasFull = sendRing.writable() == 0;
            sendRing.resize(sendBufferSize);
            settings.sendBufferSize = sendBufferSize;
            rack.ensureCapacity(rackCapacity(sendBufferSize));
            if (wasFull && isWritable()) {
                layer.readiness.onWritable(this);
            }
        }
        if (receiveBufferSize != settings.receiveBufferSize) {
            recvRing.resize(receiveBufferSize);
            settings.receiveBufferSize = receiveBufferSize;
            onUserRead();
        }
    }

    // --- RECEIVE (RFC 9293 §3.10.3) --------------------------------------------------------------

    /**
     * Moves received bytes into {@code dst}: the count, 0 when none yet, {@link #EOF}, or {@link #FAILED}.
     * An urgent byte is skipped unless SO_OOBINLINE, and a read stops before it (see {@link UrgentData}).
     */
    public int read(ByteBuffer dst) {
        boolean skipped = UrgentData.skipAtHead(this);
        if (recvRing.readable() == 0) {
            return nothingToRead(skipped);
        }
        int n;
        int limit = UrgentData.readLimit(this, dst.remaining());
        if (limit < dst.remaining()) {
            int end = dst.limit();
            dst.limit(dst.position() + limit);
            n = recvRing.read(dst);
            dst.limit(end);
        } else {
            n = recvRing.read(dst);
        }
        UrgentData.afterRead(this);
        onUserRead();
        return n;
    }

    /** Array form of {@link #read(ByteBuffer)}. */
    public int read(byte[] dst, int offset, int length) {
        boolean skipped = UrgentData.skipAtHead(this);
        if (recvRing.readable() == 0) {
            return nothingToRead(skipped);
        }
        int n = recvRing.read(dst, offset, UrgentData.readLimit(this, length));
        UrgentData.afterRead(this);
        onUserRead();
        return n;
    }

    private int nothingToRead(boolean skippedUrgentByte) {
        if (skippedUrgentByte) {
            onUserRead();
        }
        if (error != Error.NONE && error != Error.ABORTED) {
            return FAILED;
        }
        return rcvFin ? EOF : 0;
    }

    /**
     * Whether this connection has something to send at the next flush (data, a window update after a
     * read, a FIN): a reader that is not going to poll flushes when true, or the update waits for a timer.
     */
    public boolean hasPendingOutput() {
        return pendingOutput;
    }

    /**
     * TCP_QUICKACK as Linux sets it: the next segments are acknowledged at once instead of after the
     * delayed-ACK timer (Linux's quick-ack mode: as many as after the handshake), and an ACK the
     * timer holds now leaves at the next flush.
     */
    public void quickAck() {
        quickAcks = TcpInput.QUICK_ACKS;
        if (delAckDeadline != Long.MAX_VALUE && state.canReceiveData()) {
            ackNow = true;
            layer.markPending(this);
        }
    }

    /** RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): announce the window when it grew enough. */
    private void onUserRead() {
        if (!state.canReceiveData()) {
            return;
        }
        int window = TcpSender.windowToAdvertise(this);
        int advertised = rcvAdv - rcvNxt;
        if (window - advertised >= Math.min(recvRing.capacity() / 2, 2 * ourMss)) {
            ackNow = true;
            layer.markPending(this);
        }
    }

    // --- SEND (RFC 9293 §3.10.2) -----------------------------------------------------------------

    /** Copies from {@code src} into the send buffer: the count (0 when full), or {@link #FAILED}. */
    public int write(ByteBuffer src) {
        if (!canWrite()) {
            return FAILED;
        }
        int n = sendRing.write(src);
        if (n > 0) {
            layer.markPending(this);
        }
        return n;
    }

    /** Array form of {@link #write(ByteBuffer)}. */
    public int write(byte[] src, int offset, int length) {
        if (!canWrite()) {
            return FAILED;
        }
        int n = sendRing.write(src, offset, length);
        if (n > 0) {
            layer.markPending(this);
        }
        return n;
    }

    /**
     * Urgent data ({@code send(MSG_OOB)} of one byte, RFC 9293 §3.10.2 with the urgent flag): the byte joins
     * the stream and the segments before and including it carry URG (see {@link UrgentData}). Returns 1,
     * 0 when the send buffer is full, or {@link #FAILED}.
     */
    public int writeUrgent(byte data) {
        if (!canWrite()) {
            return FAILED;
        }
        if (sendRing.writable() == 0) {
            return 0;
        }
        oneByte[0] = data;
        sendRing.write(oneByte, 0, 1);
        UrgentData.markSent(this);
        layer.markPending(this);
        return 1;
    }

    private boolean canWrite() {
        if (finQueued || error != Error.NONE) {
            return false;
        }
        // RFC 9293 §3.10.2: in SYN-SENT / SYN-RECEIVED data is queued for after the handshake.
        return state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED
                || state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT;
    }

    // --- CLOSE / ABORT (RFC 9293 §3.10.4-5) ------------------------------------------------------

    /** SHUT_WR: queue a FIN after the data written so far (half-close). */
    public void shutdownOutput() {
        switch (state) {
            case SYN_SENT -> {
                if (!finQueued) {
                    // RFC 9293 §3.10.4 SYN-SENT: delete the TCB. A half-closed, never-connected socket just closes.
                    layer.closeQuietly(this, Error.NONE);
                }
            }
            case SYN_RECEIVED -> {
                finQueued = true; // sent once ESTABLISHED (RFC 9293 §3.10.4)
            }
            case ESTABLISHED -> {
                finQueued = true;
                state = TcpState.FIN_WAIT_1;
                layer.markPending(this);
            }
            case CLOSE_WAIT -> {
                finQueued = true;
                state = TcpState.LAST_ACK;
                layer.markPending(this);
            }
            default -> { }
        }
    }

    /**
     * CLOSE: the application gives the connection up. Unread received data, or SO_LINGER 0, makes it an
     * abortive close with a RST (RFC 2525 §2.17, as Linux); otherwise a FIN is queued and the
     * connection finishes in the background. With SO_LINGER &gt; 0 it is reset if not done in time.
     */
    public void close(long nowNanos) {
        if (userClosed) {
            return;
        }
        userClosed = true;
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            if (state == TcpState.CLOSED) {
                layer.release(this);
            }
            return;
        }
        if (settings.lingerNanos == 0 || recvRing.readable() > 0) {
            abort(nowNanos);
            return;
        }
        if (state == TcpState.SYN_SENT) {
            layer.closeQuietly(this, Error.NONE);
            return;
        }
        shutdownOutput();
        if (settings.lingerNanos > 0) {
            lingerAbortArmed = true;
            closeDeadline = Math.min(closeDeadline, nowNanos + settings.lingerNanos);
        }
        if (state == TcpState.FIN_WAIT_2) {
            closeDeadline = Math.min(closeDeadline, nowNanos + settings.finWait2TimeoutNanos);
        }
        layer.markPending(this);
    }

    /** ABORT (RFC 9293 §3.10.5): send RST in synchronized states, drop everything, go to CLOSED. */
    public void abort(long nowNanos) {
        userClosed = true;
        if (state == TcpState.SYN_RECEIVED || state == TcpState.ESTABLISHED || state == TcpState.FIN_WAIT_1
                || state == TcpState.FIN_WAIT_2 || state == TcpState.CLOSE_WAIT) {
            layer.sender().sendReset(this, sndMax);
        }
        layer.closeQuietly(this, Error.ABORTED);
    }

    /** The earliest timer deadline, Long.MAX_VALUE when none. */
    long nextDeadline() {
        long d = Math.min(rtoDeadline, delAckDeadline);
        d = Math.min(d, tlpDeadline);
        d = Math.min(d, rackDeadline);
        d = Math.min(d, persistDeadline);
        d = Math.min(d, keepAliveDeadline);
        return Math.min(d, closeDeadline);
    }

    /** Sequence number of our FIN: right after all queued data (valid when {@link #finQueued}). */
    int finSeq() {
        return sndUna + sendRing.readable() + (synAcked() ? 0 : 1);
    }

    /** Our SYN has been acknowledged. */
    boolean synAcked() {
        return sndUna != iss;
    }

    @Override
    public String toString() {
        return "TcpConnection[" + localPort + "->" + remotePort + " " + state + "]";
    }
}
