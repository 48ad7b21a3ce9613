package io.flyover.stack.tcp;

import io.flyover.stack.DropReason;
import io.flyover.stack.net.Verdict;
import io.flyover.stack.RandomSource;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.net.ReusePortGroup;
import io.flyover.stack.wire.TcpHeader;
import io.flyover.stack.wire.TcpOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The TCP layer of one stack: demultiplexing (connection table by 4-tuple, then listeners), passive
 * open (RFC 9293 §3.10.7.2 LISTEN, listen backlog, SYN cookies per RFC 4987), replies for CLOSED
 * ports (RFC 9293 §3.10.7.1), active open (§3.10.1), timers and output. Single-threaded: the stack
 * thread calls {@link #receive}, {@link #poll} and the connection methods.
 *
 * <p>See {@code package-info.java} for the seam with the IP layer.
 */
public final class TcpLayer {
    /** Headroom TCP leaves in front of its header: Ethernet + VLAN + IPv6 + room for extension headers. */
    public static final int HEADROOM_NEEDED = 128;
    /** RFC 5961 §7: at most this many challenge ACKs per second per layer. */
    static final int CHALLENGE_ACKS_PER_SECOND = 1000;
    private static final int EPHEMERAL_FIRST = 49152;
    private static final int EPHEMERAL_COUNT = 65536 - EPHEMERAL_FIRST;
    /** Separates the reuseport key from the ISN and SYN-cookie uses of the same keyed hash. */
    private static final long REUSE_PORT_KEY = 0x5245_5553_4550_4F52L;

    private final FramePool pool;
    private final FrameCache cache;
    private final SegmentOutput output;
    private final RandomSource random;
    private final TcpSettings defaults;
    private final IsnGenerator isn;
    /** Keys the flow hash that picks a member of a reuseport group; derived from the injected ISN secret. */
    private final long reusePortSecret;
    private final TcpHeader view = new TcpHeader();
    private final InboundSegment segment = new InboundSegment();
    private final TcpSender sender;
    private final TcpInput input;
    private final TcpTimers timers;
    private final ConnectionTable table = new ConnectionTable(64);
    private final List<TcpListener> listeners = new ArrayList<>();
    private final TimerQueue timerQueue = new TimerQueue();
    private TcpConnection[] pending = new TcpConnection[64];
    private int pendingCount;
    private final long[] drops;
    /** Outside {@link #input}: drops are counted at once. */
    private static final int NOT_IN_INPUT = Integer.MIN_VALUE;
    /** While {@link #input} runs: CONSUMED, or the drop verdict of the segment. */
    private int inputVerdict = NOT_IN_INPUT;
    final TcpStats stats = new TcpStats();
    TcpReadinessListener readiness = TcpReadinessListener.NONE;
    private long challengeWindowStart = Long.MIN_VALUE;
    private int challengeCount;
    private final TcpOptions cookieOptions = new TcpOptions();

    /**
     * @param pool the stack's frame pool; segments are built in its frames
     * @param cache the stack thread's cache of that pool
     * @param output the IP layer below
     * @param random injected randomness: the ISN/SYN-cookie secret, ephemeral ports, timestamp offsets
     * @param defaults settings for connections created without explicit ones
     */
    public TcpLayer(FramePool pool, FrameCache cache, SegmentOutput output, RandomSource random, TcpSettings defaults) {
        this(pool, cache, output, random, defaults, new long[DropReason.values().length]);
    }

    /**
     * As above, counting drops into the stack's own array (indexed by {@link DropReason#ordinal()}), so
     * that one set of counters covers every layer.
     */
    public TcpLayer(FramePool pool, FrameCache cache, SegmentOutput output, RandomSource random, TcpSettings defaults,
                    long[] dropCounters) {
        if (dropCounters.length < DropReason.values().length) {
            throw new IllegalArgumentException("drop counter array shorter than DropReason.values()");
        }
        this.drops = dropCounters;
        if (pool.headroom() < HEADROOM_NEEDED) {
            throw new IllegalArgumentException("frame headroom " + pool.headroom() + " < " + HEADROOM_NEEDED);
        }
        this.pool = pool;
        this.cache = cache;
        this.output = output;
        this.random = random;
        this.defaults = defaults.clone();
        this.isn = new IsnGenerator(random.nextLong(), random.nextLong());
        this.reusePortSecret = isn.hash(0, 0, 0, 0, 0, REUSE_PORT_KEY);
        this.sender = new TcpSender(this, pool, cache, output);
        this.input = new TcpInput(this);
        this.timers = new TcpTimers(this);
    }

    TcpSender sender() { return sender; }

    /** Where readiness changes are reported (the provider's selector); {@link TcpReadinessListener#NONE} by default. */
    public void setReadinessListener(TcpReadinessListener listener) {
        this.readiness = listener == null ? TcpReadinessListener.NONE : listener;
    }

    public TcpStats stats() { return stats; }

    public long dropCount(DropReason reason) { return drops[reason.ordinal()]; }

    /** Connections in the table (any state but CLOSED, TIME-WAIT included). */
    public int connectionCount() { return table.size(); }

    /** The connection with this 4-tuple, or null. */
    public TcpConnection find(long localHi, long localLo, int localPort, long remoteHi, long remoteLo, int remotePort) {
        return table.find(localHi, localLo, localPort, remoteHi, remoteLo, remotePort);
    }

    /** Counts a drop that is not about the segment being processed (output short of frames). */
    void countDrop(DropReason reason) { drops[reason.ordinal()]++; }

    /**
     * Counts a drop; while {@link #input} runs, the first drop of the segment becomes its verdict instead,
     * so that the IP layer counts the frame once as dropped (never as consumed).
     */
    void drop(DropReason reason) {
        if (inputVerdict == Verdict.CONSUMED) {
            inputVerdict = Verdict.drop(reason);
        } else {
            drops[reason.ordinal()]++;
        }
    }

    /** RFC 4861 section 7.3.1: forward progress (an ACK of new data or of our SYN) confirms the peer's next hop. */
    void confirmReachable(TcpConnection c) {
        output.reachabilityConfirmed(c.remoteHi, c.remoteLo);
    }

    int maxPayloadPerFrame() {
        return pool.frameSize() - pool.headroom() - TcpHeader.MAX_LENGTH;
    }

    // --- opens --------------------------------------------------------------------------------

    /** Passive OPEN: listen on {@code localPort} of one address, or of any when both halves are 0. */
    public TcpListener listen(long localHi, long localLo, int localPort, int backlog, TcpSettings settings) {
        return listen(localHi, localLo, localPort, backlog, settings, false);
    }

    /**
     * Passive OPEN with SO_REUSEPORT when {@code reusePort}: several listeners may take the same address and
     * port when every one of them set it (Linux {@code inet_csk_bind_conflict}); new connections are then
     * spread over them by a hash of the 4-tuple (Linux {@code inet_lhash2_lookup} and
     * {@code reuseport_select_sock}).
     *
     * @throws IllegalStateException when a listener holds the address and port and not both set SO_REUSEPORT
     */
    public TcpListener listen(long localHi, long localLo, int localPort, int backlog, TcpSettings settings,
                              boolean reusePort) {
        if (localPort <= 0 || localPort > 65535) {
            throw new IllegalArgumentException("port out of range: " + localPort);
        }
        for (TcpListener l : listeners) {
            if (l.localPort == localPort && l.localHi == localHi && l.localLo == localLo && !(reusePort && l.reusePort)) {
                throw new IllegalStateException("already listening on port " + localPort);
            }
        }
        TcpListener l = new TcpListener(this, localHi, localLo, localPort, backlog,
                (settings != null ? settings : defaults).clone(), reusePort);
        output.holdPort(localHi, localLo, localPort); // throws, listening on nothing, when the device refuses
        listeners.add(l);
        return l;
    }

    /**
     * Active OPEN (RFC 9293 §3.10.1): sends a SYN. {@code localPort} 0 picks an ephemeral port.
     *
     * @throws IllegalStateException when the 4-tuple is in use or no ephemeral port is free
     */
    public TcpConnection connect(long localHi, long localLo, int localPort, long remoteHi, long remoteLo,
                                 int remotePort, TcpSettings settings, long nowNanos) {
        if (remotePort <= 0 || remotePort > 65535 || localPort < 0 || localPort > 65535) {
            throw new IllegalArgumentException("port out of range");
        }
        if (localPort == 0) {
            int start = random.nextInt(EPHEMERAL_COUNT);
            for (int i = 0; i < EPHEMERAL_COUNT; i++) {
                int p = EPHEMERAL_FIRST + (start + i) % EPHEMERAL_COUNT;
                if (table.find(localHi, localLo, p, remoteHi, remoteLo, remotePort) == null && !isListening(p)) {
                    localPort = p;
                    break;
                }
            }
            if (localPort == 0) {
                throw new IllegalStateException("no free ephemeral port");
            }
        } else if (table.find(localHi, localLo, localPort, remoteHi, remoteLo, remotePort) != null) {
            throw new IllegalStateException("address in use");
        }
        TcpConnection c = newConnection((settings != null ? settings : defaults).clone(), localHi, localLo, localPort,
                remoteHi, remoteLo, remotePort, nowNanos);
        c.state = TcpState.SYN_SENT;
        stats.activeOpens++;
        register(c);
        sender.output(c, nowNanos);
        timerQueue.reschedule(c);
        return c;
    }

    private boolean isListening(int port) {
        for (TcpListener l : listeners) {
            if (l.localPort == port) {
                return true;
            }
        }
        return false;
    }

    private TcpConnection newConnection(TcpSettings settings, long lHi, long lLo, int lPort, long rHi, long rLo,
                                        int rPort, long now) {
        TcpConnection c = new TcpConnection(this, settings, lHi, lLo, lPort, rHi, rLo, rPort);
        c.iss = isn.isn(lHi, lLo, lPort, rHi, rLo, rPort, now);
        c.sndUna = c.iss;
        c.sndNxt = c.iss;
        c.sndMax = c.iss;
        c.recover = c.iss;
        c.tsOffset = (int) random.nextLong();
        c.ourMss = ourMss(settings, rHi, rLo);
        c.sendMss = Math.min(536, c.ourMss);
        return c;
    }

    private int ourMss(TcpSettings settings, long rHi, long rLo) {
        int mtu = output.pathMtu(rHi, rLo);
        int mss = mtu > 0 ? mtu - ipHeaderLength(rHi, rLo) - TcpHeader.MIN_LENGTH : settings.defaultMss;
        return Math.max(64, Math.min(mss, maxPayloadPerFrame()));
    }

    static boolean isIpv4Mapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xFFFFL;
    }

    private static int ipHeaderLength(long hi, long lo) {
        return isIpv4Mapped(hi, lo) ? 20 : 40;
    }

    /**
     * Enters {@code c} in the table and holds its local port on the device: an accepted connection holds
     * its listener's (no new device rule per accept), an active one its own address and port.
     */
    private void register(TcpConnection c) {
        if (c.listener != null) {
            c.portHeldHi = c.listener.localHi;
            c.portHeldLo = c.listener.localLo;
        } else {
            c.portHeldHi = c.localHi;
            c.portHeldLo = c.localLo;
        }
        output.holdPort(c.portHeldHi, c.portHeldLo, c.localPort);
        table.add(c);
        c.inTable = true;
    }

    // --- input ---------------------------------------------------------------------------------

    /**
     * A validated TCP segment from the IP layer (checksum already verified). The TCP header starts at
     * {@code tcpOffset} within {@code frame} and the segment (header and payload) is {@code tcpLength}
     * bytes. Takes ownership of the frame and releases it before returning; a rejected segment is
     * counted in this layer's drop counters. Never throws on bad input.
     */
    public void receive(long nowNanos, long srcHi, long srcLo, long dstHi, long dstLo, int frame, int tcpOffset,
                        int tcpLength) {
        try {
            int verdict = input(nowNanos, srcHi, srcLo, dstHi, dstLo, frame, tcpOffset, tcpLength);
            if (Verdict.isDrop(verdict)) {
                drops[verdict]++;
            }
        } finally {
            cache.release(frame);
        }
    }

    /**
     * As {@link #receive}, but the caller keeps the frame (TCP copies what it keeps into the receive
     * ring) and counts the answer: {@link Verdict#CONSUMED}, or the {@link DropReason} ordinal of a
     * segment that was rejected (answered or not, as the RFCs say).
     */
    public int input(long nowNanos, long srcHi, long srcLo, long dstHi, long dstLo, int frame, int tcpOffset,
                     int tcpLength) {
        if (tcpOffset < 0 || tcpLength < 0 || tcpOffset > pool.frameSize() - tcpLength) {
            stats.segmentsIn++;
            return Verdict.drop(DropReason.TCP_MALFORMED);
        }
        inputVerdict = Verdict.CONSUMED;
        try {
            receive0(nowNanos, srcHi, srcLo, dstHi, dstLo, pool.frameBase(frame) + tcpOffset, tcpLength);
            return inputVerdict;
        } finally {
            inputVerdict = NOT_IN_INPUT;
        }
    }

    private void receive0(long now, long srcHi, long srcLo, long dstHi, long dstLo, long at, int length) {
        stats.segmentsIn++;
        if (tcpLengthInvalid(at, length)) {
            drop(DropReason.TCP_MALFORMED);
            return;
        }
        int v = view.wrap(pool.region(), at, length);
        if (v != TcpHeader.VALID) {
            drop(v == TcpHeader.TOO_SHORT ? DropReason.TCP_MALFORMED : DropReason.TCP_BAD_DATA_OFFSET);
            return;
        }
        InboundSegment s = segment;
        if (s.options.parse(pool.region(), view.optionsOffset(), view.optionsLength()) != TcpOptions.OK) {
            drop(DropReason.TCP_BAD_OPTIONS);
            return;
        }
        stats.ignoredOptions += s.options.ignored();
        int flags = view.flags();
        if (view.srcPort() == 0 || view.dstPort() == 0
                || (flags & TcpHeader.SYN) != 0 && (flags & (TcpHeader.RST | TcpHeader.FIN)) != 0) {
            drop(DropReason.TCP_BAD_FLAGS);
            return;
        }
        s.srcHi = srcHi;
        s.srcLo = srcLo;
        s.dstHi = dstHi;
        s.dstLo = dstLo;
        s.srcPort = view.srcPort();
        s.dstPort = view.dstPort();
        s.seq = view.seq();
        s.ack = view.ack();
        s.flags = flags;
        s.window = view.window();
        s.urgentPointer = view.urgentPointer();
        s.memory = pool.region();
        s.payloadOffset = view.payloadOffset();
        s.payloadLength = view.payloadLength();

        TcpConnection c = table.find(dstHi, dstLo, s.dstPort, srcHi, srcLo, s.srcPort);
        if (c != null && c.state == TcpState.TIME_WAIT && reopensTimeWait(c, s)) {
            closeQuietly(c, TcpConnection.Error.NONE);
            c = null;
        }
        if (c != null) {
            c.segmentsReceived++;
            c.payloadBytesReceived += s.payloadLength;
            input.segmentArrives(c, s, now);
            if (c.inTable) {
                sender.output(c, now);
                timerQueue.reschedule(c);
            }
            return;
        }
        TcpListener l = findListener(dstHi, dstLo, s.dstPort, srcHi, srcLo, s.srcPort);
        if (l != null) {
            listenState(l, s, now);
        } else {
            closedState(s);
        }
    }

    /**
     * RFC 1122 4.2.2.13 and RFC 6191 §2: a new SYN may reopen a connection in TIME-WAIT when its sequence
     * number (or, with timestamps, its TSval) is beyond what the old incarnation used.
     */
    private static boolean reopensTimeWait(TcpConnection c, InboundSegment s) {
        if ((s.flags & (TcpHeader.SYN | TcpHeader.ACK_FLAG | TcpHeader.RST | TcpHeader.FIN)) != TcpHeader.SYN
                || c.listener != null && c.listener.closed) {
            return false;
        }
        if (c.tsEnabled && s.options.timestamps) {
            return SeqNum.gt(s.options.tsVal, c.tsRecent);
        }
        return SeqNum.gt(s.seq, c.rcvNxt);
    }

    private boolean tcpLengthInvalid(long at, int length) {
        return length < 0 || at < 0 || at + length > pool.region().byteSize();
    }

    /**
     * The listener for a segment to {@code hi/lo:port} from {@code srcHi/srcLo:srcPort}: one bound to the
     * address before one bound to any; when several share that address (a reuseport group), the member the
     * flow hashes to, so every segment of a flow reaches the same listener while the group is unchanged.
     */
    private TcpListener findListener(long hi, long lo, int port, long srcHi, long srcLo, int srcPort) {
        TcpListener exact = null;
        TcpListener wildcard = null;
        int exactCount = 0;
        int wildcardCount = 0;
        for (int i = 0; i < listeners.size(); i++) {
            TcpListener l = listeners.get(i);
            if (l.localPort == port) {
                if (l.localHi == hi && l.localLo == lo) {
                    exact = exact == null ? l : exact;
                    exactCount++;
                } else if (l.localHi == 0 && l.localLo == 0) {
                    wildcard = wildcard == null ? l : wildcard;
                    wildcardCount++;
                }
            }
        }
        TcpListener first = exact != null ? exact : wildcard;
        int members = exact != null ? exactCount : wildcardCount;
        if (members <= 1) {
            return first;
        }
        int k = ReusePortGroup.member(ReusePortGroup.flowHash(reusePortSecret, hi, lo, port, srcHi, srcLo, srcPort), members);
        for (int i = 0; i < listeners.size(); i++) {
            TcpListener l = listeners.get(i);
            if (l.localPort == port && l.localHi == first.localHi && l.localLo == first.localLo && k-- == 0) {
                return l;
            }
        }
        return first;
    }

    /** RFC 9293 §3.10.7.1: CLOSED. Anything but a RST is answered by a RST. */
    private void closedState(InboundSegment s) {
        drop(DropReason.TCP_NO_SOCKET);
        if (s.has(TcpHeader.RST)) {
            return;
        }
        if (s.has(TcpHeader.ACK_FLAG)) {
            sender.sendStateless(s, s.ack, 0, TcpHeader.RST, 0, null);
        } else {
            sender.sendStateless(s, 0, s.seq + s.segmentLength(), TcpHeader.RST | TcpHeader.ACK_FLAG, 0, null);
        }
    }

    /** RFC 9293 §3.10.7.2: LISTEN. */
    private void listenState(TcpListener l, InboundSegment s, long now) {
        if (s.has(TcpHeader.RST)) {
            drop(DropReason.TCP_RST_IGNORED);
            return;
        }
        if (s.has(TcpHeader.ACK_FLAG)) {
            if (!s.has(TcpHeader.SYN) && l.synCookies) {
                int mss = SynCookies.check(isn, s, now);
                if (mss > 0 && !l.isFull()) {
                    acceptCookie(l, s, mss, now);
                    return;
                }
                if (mss > 0) {
                    drop(DropReason.TCP_LISTEN_OVERFLOW);
                    return;
                }
                drop(DropReason.TCP_BAD_SYN_COOKIE);
            } else {
                drop(DropReason.TCP_BAD_ACK);
            }
            sender.sendStateless(s, s.ack, 0, TcpHeader.RST, 0, null);
            return;
        }
        if (!s.has(TcpHeader.SYN)) {
            drop(DropReason.TCP_NO_ACK_FLAG);
            return;
        }
        if (l.isFull()) {
            if (!l.synCookies) {
                drop(DropReason.TCP_LISTEN_OVERFLOW);
                return;
            }
            int mss = ourMss(l.settings, s.srcHi, s.srcLo);
            if (s.options.mss > 0) {
                mss = Math.min(mss, s.options.mss);
            }
            cookieOptions.clear();
            cookieOptions.mss = SynCookies.MSS_TABLE[SynCookies.mssIndex(mss)];
            int cookie = SynCookies.make(isn, s, mss, now);
            if (sender.sendStateless(s, cookie, s.seq + 1, TcpHeader.SYN | TcpHeader.ACK_FLAG,
                    Math.min(l.settings.receiveBufferSize, 65535), cookieOptions, TcpSender.trafficClass(l.settings))) {
                stats.synCookiesSent++;
            }
            return;
        }
        TcpConnection c = newConnection(l.settings.clone(), s.dstHi, s.dstLo, s.dstPort, s.srcHi, s.srcLo, s.srcPort, now);
        c.listener = l;
        l.embryonic++;
        c.irs = s.seq;
        c.rcvNxt = s.seq + 1;
        c.rcvAdv = c.rcvNxt;
        input.negotiateOptions(c, s.options, now);
        c.sndWnd = s.window;
        c.maxSndWnd = c.sndWnd;
        c.sndWl1 = s.seq;
        c.state = TcpState.SYN_RECEIVED;
        stats.passiveOpens++;
        register(c);
        sender.output(c, now);
        timerQueue.reschedule(c);
    }

    /** RFC 4987 §3.6: a valid cookie ACK re-creates the connection directly in ESTABLISHED. */
    private void acceptCookie(TcpListener l, InboundSegment s, int mss, long now) {
        TcpConnection c = newConnection(l.settings.clone(), s.dstHi, s.dstLo, s.dstPort, s.srcHi, s.srcLo, s.srcPort, now);
        c.iss = s.ack - 1;
        c.sndUna = s.ack;
        c.sndNxt = s.ack;
        c.sndMax = s.ack;
        c.recover = s.ack;
        c.irs = s.seq - 1;
        c.rcvNxt = s.seq;
        c.rcvAdv = s.seq;
        c.wsAgreed = false;
        c.rcvWndShift = 0;
        c.sndWndShift = 0;
        c.peerMss = mss;
        c.sendMss = Math.min(Math.min(mss, c.ourMss), maxPayloadPerFrame());
        c.sndWnd = s.window;
        c.maxSndWnd = s.window;
        c.sndWl1 = s.seq;
        c.sndWl2 = s.ack;
        c.listener = l;
        c.state = TcpState.ESTABLISHED;
        c.wasEstablished = true;
        c.cc.init(c.sendMss, now);
        c.quickAcks = TcpInput.QUICK_ACKS;
        stats.synCookiesAccepted++;
        stats.passiveOpens++;
        register(c);
        l.embryonic++; // balanced by onEstablished
        onEstablished(c);
        // The cookie ACK may carry data or FIN: process it as an ordinary segment.
        if (s.payloadLength > 0 || s.has(TcpHeader.FIN)) {
            input.segmentArrives(c, s, now);
        }
        if (c.inTable) {
            sender.output(c, now);
            timerQueue.reschedule(c);
        }
    }

    void onEstablished(TcpConnection c) {
        TcpListener l = c.listener;
        if (l != null) {
            l.embryonic--;
            if (l.closed || !l.enqueue(c)) {
                c.listener = null;
                sender.sendReset(c, c.sndMax);
                closeQuietly(c, TcpConnection.Error.ABORTED);
            } else {
                readiness.onAcceptable(l);
            }
        } else {
            readiness.onConnected(c);
            readiness.onWritable(c);
        }
    }

    void closeListener(TcpListener l, long now) {
        if (listeners.remove(l)) {
            output.releasePort(l.localHi, l.localLo, l.localPort); // its connections still hold their own
        }
    }

    // --- closing -------------------------------------------------------------------------------

    /** Moves {@code c} to CLOSED with {@code error}, removes it from the table and stops its timers. */
    void closeQuietly(TcpConnection c, TcpConnection.Error error) {
        if (c.state == TcpState.SYN_RECEIVED && c.listener != null) {
            c.listener.embryonic--;
            c.listener = null;
        }
        c.state = TcpState.CLOSED;
        if (c.error == TcpConnection.Error.NONE) {
            c.error = error;
        }
        c.rtoDeadline = c.delAckDeadline = c.persistDeadline = c.keepAliveDeadline = c.closeDeadline = Long.MAX_VALUE;
        c.ackNow = false;
        release(c);
        if (!wasSynchronized(c) && c.listener == null) {
            readiness.onConnected(c); // a connect that failed
        }
        readiness.onReadable(c);
        readiness.onWritable(c);
    }

    private static boolean wasSynchronized(TcpConnection c) {
        return c.wasEstablished;
    }

    /**
     * The stack closes: every connection still in the table (one in TIME-WAIT, say, whose socket the
     * application closed long ago) lets go of its flow rule and is reported released, so that the layer
     * above lets go of what it tied to it ({@link TcpConnection#heldUntilReleased}), which would
     * otherwise outlive the stack.
     */
    public void releaseAll() {
        for (TcpConnection c : table.snapshot()) {
            release(c);
        }
    }

    void release(TcpConnection c) {
        if (!c.inTable) {
            return;
        }
        c.inTable = false;
        table.remove(c);
        timerQueue.remove(c);
        output.releasePort(c.portHeldHi, c.portHeldLo, c.localPort);
        readiness.onReleased(c); // the layer above lets go of what it tied to c, outside the stack
    }

    // --- output and timers ---------------------------------------------------------------------

    void markPending(TcpConnection c) {
        if (c.pendingOutput) {
            return;
        }
        c.pendingOutput = true;
        if (pendingCount == pending.length) {
            pending = java.util.Arrays.copyOf(pending, pendingCount * 2);
        }
        pending[pendingCount++] = c;
    }

    /** Sends queued output (for connections the application wrote to) without running timers. */
    public void flush(long nowNanos) {
        for (int i = 0; i < pendingCount; i++) {
            TcpConnection c = pending[i];
            pending[i] = null;
            c.pendingOutput = false;
            if (c.inTable) {
                sender.output(c, nowNanos);
                timerQueue.reschedule(c);
            }
        }
        pendingCount = 0;
    }

    /**
     * Fires due timers and sends pending output.
     *
     * @return the earliest timer deadline of any connection, or {@link Long#MAX_VALUE}
     */
    public long poll(long nowNanos) {
        flush(nowNanos);
        // Each connection due runs its timers once per poll; a deadline still due afterwards waits for
        // the next poll (never a busy loop here).
        int budget = timerQueue.size();
        TcpConnection c;
        while (budget-- > 0 && (c = timerQueue.peek()) != null && c.scheduledDeadline <= nowNanos) {
            timers.run(c, nowNanos);
            if (c.inTable) {
                sender.output(c, nowNanos);
                timerQueue.refile(c);
                if (c.heapIndex >= 0 && c.scheduledDeadline <= nowNanos) {
                    break;
                }
            }
        }
        flush(nowNanos);
        return timerQueue.nextDeadline();
    }

    /**
     * The earliest timer deadline of any connection, as {@link #poll} would answer it, without polling:
     * a caller that sent (and so armed retransmission or probe timers) between polls compares it with
     * when it will next poll.
     */
    public long nextDeadline() {
        return timerQueue.nextDeadline();
    }

    /** RFC 5961 §7: a global budget of challenge ACKs per second. */
    boolean allowChallengeAck(long now) {
        if (now - challengeWindowStart >= 1_000_000_000L || challengeWindowStart == Long.MIN_VALUE) {
            challengeWindowStart = now;
            challengeCount = 0;
        }
        return ++challengeCount <= CHALLENGE_ACKS_PER_SECOND;
    }

    // --- ICMP from the IP layer ----------------------------------------------------------------

    /**
     * RFC 5927 §4.1: an ICMP error is acted on only if the sequence number of the TCP header it quotes
     * lies in SND.UNA..SND.MAX, which a blind attacker cannot know.
     */
    private TcpConnection icmpTarget(long localHi, long localLo, int localPort, long remoteHi, long remoteLo,
                                     int remotePort, int quotedSeq) {
        TcpConnection c = table.find(localHi, localLo, localPort, remoteHi, remoteLo, remotePort);
        if (c == null || !SeqNum.inClosedRange(quotedSeq, c.sndUna, c.sndMax)) {
            drop(DropReason.TCP_ICMP_IGNORED);
            return null;
        }
        return c;
    }

    /**
     * Path MTU discovery (RFC 1191 §6.3, RFC 8201 §5.2, RFC 9293 §3.7.2): an ICMP fragmentation-needed or
     * packet-too-big quoting a segment of this connection lowers its send MSS; the IP layer calls this
     * with the MTU reported and the sequence number in the quoted TCP header. Segments already sent are
     * retransmitted at the new size by the normal loss recovery.
     */
    public void pathMtuChanged(long localHi, long localLo, int localPort, long remoteHi, long remoteLo,
                               int remotePort, int quotedSeq, int mtu) {
        TcpConnection c = icmpTarget(localHi, localLo, localPort, remoteHi, remoteLo, remotePort, quotedSeq);
        if (c == null) {
            return;
        }
        int minMtu = isIpv4Mapped(remoteHi, remoteLo) ? 576 : 1280; // RFC 791 / RFC 8200 §5 minimums
        int mss = Math.max(mtu, minMtu) - ipHeaderLength(remoteHi, remoteLo) - TcpHeader.MIN_LENGTH;
        if (mss < c.sendMss) {
            c.sendMss = mss;
            c.cc.onMssChange(mss);
            markPending(c);
        }
    }

    /**
     * ICMP destination unreachable (RFC 9293 §3.9.2.4 / RFC 1122 4.2.3.9, RFC 5461): for a connection
     * still opening, a hard error (protocol or port unreachable, or administratively prohibited) fails the
     * connect at once; everything else, and anything in a synchronized state, is a soft error that only
     * the retransmission timers act on.
     *
     * @param hard whether the IP layer classed the ICMP code as a hard error
     */
    public void destinationUnreachable(long localHi, long localLo, int localPort, long remoteHi, long remoteLo,
                                       int remotePort, int quotedSeq, boolean hard) {
        TcpConnection c = icmpTarget(localHi, localLo, localPort, remoteHi, remoteLo, remotePort, quotedSeq);
        if (c == null) {
            return;
        }
        if (hard && c.state == TcpState.SYN_SENT) {
            closeQuietly(c, TcpConnection.Error.UNREACHABLE);
        } else {
            c.softError = true;
        }
    }
}
