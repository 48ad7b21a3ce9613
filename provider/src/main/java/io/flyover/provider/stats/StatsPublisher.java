package io.flyover.provider.stats;

import static io.flyover.provider.stats.StatsFileLayout.KIND_GAUGE;

import io.flyover.stack.DropReason;
import io.flyover.stack.Stack;
import io.flyover.stack.StackCounters;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.net.PortSteering;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpStats;
import io.flyover.stack.udp.UdpSocket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Copies one stack's plain {@code long} counters into the statistics file, from the thread that owns
 * the stack (holding its lock), every {@code publishIntervalNanos}: the stack's packets, bytes, drops by
 * {@link DropReason}, TCP counters, frame pool usage, the flow rules its device failed to remove, its
 * device queue's packets and polls, and every tracked socket's counters. Each value is one ordered store into the mapped file: no lock, no
 * allocation (the publish test measures it).
 *
 * <p>Sockets are tracked from the moment they open ({@link #track(TcpConnection)},
 * {@link #track(TcpListener)}, {@link #track(UdpSocket)}) until their handle's {@link SocketStats#close()};
 * their counters are then freed and the file reuses them. All methods run on the thread that owns the
 * stack at that moment (the stack lock orders them), except {@link #publishedDrops(int)}.
 */
public final class StatsPublisher implements AutoCloseable {
    private static final DropReason[] REASONS = DropReason.values();
    private static final int FIXED = 9;
    private static final int TCP_FIRST = FIXED;
    private static final int GAUGE_FIRST = TCP_FIRST + TcpStatsFields.NAMES.length;
    private static final int DROP_FIRST = GAUGE_FIRST + 4;
    private static final String[] STACK_NAMES = stackNames();
    private static final String[] QUEUE_NAMES = {"rxPackets", "rxBytes", "txPackets", "txBytes", "polls", "pollsWithInput",
        "txRingFull", "noFrame"};
    /** Counters one publisher allocates: its stack's and its queue's. */
    static final int COUNTERS = STACK_NAMES.length + QUEUE_NAMES.length;

    private final StatsFile file;
    private final int stackId;
    private final String name;
    private final Stack stack;
    private final StackCounters counters;
    private final TcpStats tcp;
    private final FramePool pool;
    private final PortSteering steering;
    private final long intervalNanos;
    private final AtomicBuffer values;
    private final int[] stackIds;
    private final int[] queueIds;
    private final AtomicLongArray publishedDrops = new AtomicLongArray(REASONS.length);
    private SocketStats[] sockets = new SocketStats[16];
    private int socketCount;
    private long nextPublishNanos = Long.MIN_VALUE;
    private long polls;
    private long pollsWithInput;
    private long rxFramesAtLastPoll;
    private boolean closed;

    StatsPublisher(StatsFile file, int stackId, String name, Stack stack, long publishIntervalNanos) {
        this.file = file;
        this.stackId = stackId;
        this.name = name;
        this.stack = stack;
        this.counters = stack.counters();
        this.tcp = stack.tcp().stats();
        this.pool = stack.device().pool();
        this.steering = stack.netInterface().portSteering();
        this.intervalNanos = publishIntervalNanos;
        String description = "stack " + stackId + " " + name;
        byte[] stackKinds = new byte[STACK_NAMES.length];
        Arrays.fill(stackKinds, GAUGE_FIRST, DROP_FIRST, KIND_GAUGE);
        this.stackIds = file.allocate(StatsFileLayout.Scope.STACK, stackId, -1, description, STACK_NAMES, stackKinds);
        this.queueIds = stackIds == null ? null : file.allocate(StatsFileLayout.Scope.QUEUE, (long) stackId << 16, stackId,
                description + " queue 0 " + stack.device().name(), QUEUE_NAMES, new byte[QUEUE_NAMES.length]); // all KIND_COUNTER
        this.values = file.values();
    }

    private static String[] stackNames() {
        String[] n = new String[DROP_FIRST + REASONS.length];
        String[] fixed = {"rxPackets", "rxBytes", "txPackets", "txBytes", "rxConsumed", "rxDropped", "drops", "echoRepliesReceived",
            "steering.removalFailures"};
        System.arraycopy(fixed, 0, n, 0, FIXED);
        for (int i = 0; i < TcpStatsFields.NAMES.length; i++) {
            n[TCP_FIRST + i] = "tcp." + TcpStatsFields.NAMES[i];
        }
        n[GAUGE_FIRST] = "tcp.connections";
        n[GAUGE_FIRST + 1] = "pool.frames";
        n[GAUGE_FIRST + 2] = "pool.framesFree";
        n[GAUGE_FIRST + 3] = "pool.framesInUse";
        for (DropReason r : REASONS) {
            n[DROP_FIRST + r.ordinal()] = "drop." + r.name();
        }
        return n;
    }

    public int stackId() { return stackId; }
    public String name() { return name; }

    /** Counts one poll of the stack and whether it received frames: call after each {@code Stack.poll}. */
    public void recordPoll() {
        polls++;
        long rx = counters.rxFrames();
        if (rx != rxFramesAtLastPoll) {
            pollsWithInput++;
            rxFramesAtLastPoll = rx;
        }
    }

    /** {@link #publish()} when the interval has passed since the last publish; answers whether it published. */
    public boolean publishIfDue(long nowNanos) {
        if (nowNanos < nextPublishNanos) {
            return false;
        }
        nextPublishNanos = nowNanos + intervalNanos;
        publish();
        return true;
    }

    /** Copies every counter of the stack, its queue and its tracked sockets into the file now. */
    public void publish() {
        if (closed) {
            return;
        }
        for (int i = 0; i < REASONS.length; i++) {
            publishedDrops.lazySet(i, counters.drops(REASONS[i]));
        }
        if (stackIds == null) {
            return;
        }
        AtomicBuffer v = values;
        int[] ids = stackIds;
        long rxPackets = counters.rxFrames();
        long rxBytes = counters.rxBytes();
        long txPackets = counters.txFrames();
        long txBytes = counters.txBytes();
        put(v, ids[0], rxPackets);
        put(v, ids[1], rxBytes);
        put(v, ids[2], txPackets);
        put(v, ids[3], txBytes);
        put(v, ids[4], counters.rxConsumed());
        put(v, ids[5], counters.rxDropped());
        long total = 0;
        for (int i = 0; i < REASONS.length; i++) {
            long d = publishedDrops.get(i);
            total += d;
            put(v, ids[DROP_FIRST + i], d);
        }
        put(v, ids[6], total);
        put(v, ids[7], counters.echoRepliesReceived());
        put(v, ids[8], steering.removalFailures());
        for (int i = 0; i < TcpStatsFields.GETTERS.length; i++) {
            put(v, ids[TCP_FIRST + i], TcpStatsFields.GETTERS[i].applyAsLong(tcp));
        }
        int free = pool.availableEstimate();
        put(v, ids[GAUGE_FIRST], stack.tcp().connectionCount());
        put(v, ids[GAUGE_FIRST + 1], pool.frameCount());
        put(v, ids[GAUGE_FIRST + 2], free);
        put(v, ids[GAUGE_FIRST + 3], pool.frameCount() - free);

        int[] q = queueIds;
        put(v, q[0], rxPackets);
        put(v, q[1], rxBytes);
        put(v, q[2], txPackets);
        put(v, q[3], txBytes);
        put(v, q[4], polls);
        put(v, q[5], pollsWithInput);
        put(v, q[6], counters.drops(DropReason.TX_RING_FULL));
        put(v, q[7], counters.drops(DropReason.NO_FRAME));

        SocketStats[] s = sockets;
        for (int i = 0; i < socketCount; i++) {
            s[i].publish(v);
        }
    }

    static void put(AtomicBuffer values, int counterId, long value) {
        values.putLongRelease(CountersReader.counterOffset(counterId), value);
    }

    /**
     * The drops of {@code reasonOrdinal} as of the last publish, readable from any thread (the JFR drops
     * event reads them); kept even when the file is disabled.
     */
    public long publishedDrops(int reasonOrdinal) {
        return publishedDrops.get(reasonOrdinal);
    }

    /** Counters for a TCP connection (connected or accepted), until the handle is closed. */
    public SocketStats track(TcpConnection c) {
        return add(SocketStats.forConnection(this, c));
    }

    /** Counters for a TCP listener, until the handle is closed. */
    public SocketStats track(TcpListener l) {
        return add(SocketStats.forListener(this, l));
    }

    /** Counters for a UDP socket, until the handle is closed. */
    public SocketStats track(UdpSocket s) {
        return add(SocketStats.forUdp(this, s));
    }

    /** Sockets with counters now. */
    public int trackedSockets() {
        return socketCount;
    }

    private SocketStats add(SocketStats s) {
        if (!s.isTracked()) {
            if (stackIds != null) {
                file.process().untracked();
            }
            return s;
        }
        if (closed) {
            s.freeCounters();
            return SocketStats.NONE;
        }
        if (socketCount == sockets.length) {
            sockets = Arrays.copyOf(sockets, socketCount * 2);
        }
        s.slot = socketCount;
        sockets[socketCount++] = s;
        return s;
    }

    /** Called by {@link SocketStats#close()}: frees its counters and forgets it. */
    void remove(SocketStats s) {
        int i = s.slot;
        if (i < 0 || i >= socketCount || sockets[i] != s) {
            return;
        }
        SocketStats last = sockets[--socketCount];
        sockets[i] = last;
        last.slot = i;
        sockets[socketCount] = null;
        s.slot = -1;
        s.freeCounters();
    }

    StatsFile file() { return file; }

    /** Frees every counter of this stack and of its sockets still tracked. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (int i = 0; i < socketCount; i++) {
            sockets[i].slot = -1;
            sockets[i].freeCounters();
            sockets[i] = null;
        }
        socketCount = 0;
        closed = true;
        file.free(stackIds);
        file.free(queueIds);
    }
}
