package io.flyover.verbs;

import io.flyover.linux.sys.ArmableInput;
import io.flyover.linux.sys.InputWaiter;
import io.flyover.linux.sys.Libc;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FrameFlags;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.NetDevice;
import io.flyover.verbs.bindings.InlineVerbs;
import io.flyover.verbs.bindings.ibv_comp_channel;
import io.flyover.verbs.bindings.ibv_context_ops;
import io.flyover.verbs.bindings.ibv_recv_wr;
import io.flyover.verbs.bindings.ibv_send_wr;
import io.flyover.verbs.bindings.ibv_sge;
import io.flyover.verbs.bindings.ibv_wc;
import io.flyover.verbs.bindings.verbs_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NetDevice} over one RAW_PACKET queue pair, as XLIO's ring does in C.
 *
 * <p>Receive: every receive descriptor points into a frame of the stack's pool (registered once as
 * one memory region), at the frame's headroom; the work request id is the frame index, so a
 * completion names its frame. Frames are reposted as they are handed up, keeping the queue full.
 *
 * <p>Transmit: frames go out from where they lie in the pool (one scatter/gather entry each); a frame
 * no longer than the queue pair's {@code max_inline_data} is sent with {@code IBV_SEND_INLINE}, so its
 * bytes are copied into the descriptor and the frame goes back to the pool at once. Frames flagged
 * {@link FrameFlags#TX_IPV4_CHECKSUM} or {@link FrameFlags#TX_L4_CHECKSUM} get {@code IBV_SEND_IP_CSUM}.
 * Only every {@code signalEvery}-th send asks for a completion; since a send queue completes in order,
 * that completion retires it and all before it. The ring depth is a multiple of {@code signalEvery},
 * so a full ring always ends with a signalled send and cannot stall.
 *
 * <p>Data path: work requests, scatter/gather entries and the completion array are native memory
 * allocated once; the provider's post/poll functions are resolved once from the context's ops and
 * called through their function-pointer handles; nothing is allocated per packet.
 *
 * <p>Interrupt mode ({@link #awaitInput}, as XLIO's internal thread sleeps in epoll on the completion
 * channel): arm the receive CQ ({@code ibv_req_notify_cq(cq, 0)}), poll it once more, since a completion
 * that came before the arming raises no event (that one is held and handed up by the next
 * {@link #receive}), then sleep in ppoll(2) on the channel's descriptor (made non-blocking) and the wake
 * eventfd; on readable, take the events ({@code ibv_get_cq_event}) and acknowledge them in one
 * {@code ibv_ack_cq_events}. {@link #close()} takes and acknowledges any left before the CQ is
 * destroyed, as {@code ibv_destroy_cq} waits for every event taken to be acknowledged.
 *
 * <p>One thread drives a device (receive, transmit); {@link #awaitInput} may run on another at the same
 * time (the receive CQ is polled under a lock for it); {@link #close()} may come from another once the
 * driving thread has stopped.
 */
@SuppressWarnings("restricted") // FFM: the channel pointer from native code
public final class VerbsNetDevice implements NetDevice, ArmableInput {
    private static final Logger LOG = LoggerFactory.getLogger(VerbsNetDevice.class);

    /** Work requests per post call and completions per poll call. */
    static final int BATCH = 64;
    private static final int INLINED = -2; // in the send ring: the frame was already returned
    private static final int CHECKSUM_REQUEST = FrameFlags.TX_IPV4_CHECKSUM | FrameFlags.TX_L4_CHECKSUM;

    private final String name;
    private final DeviceCapabilities capabilities;
    private final FramePool pool;
    private final RawQueue queue;
    private final FrameCache cache;
    private final Arena arena;

    private final MemorySegment qp;
    private final MemorySegment sendCq;
    private final MemorySegment recvCq;
    private final MemorySegment postSendFn;
    private final MemorySegment postRecvFn;
    private final MemorySegment pollCqFn;
    private final MemorySegment reqNotifyFn;
    private final MemorySegment channel;
    private final MemorySegment eventCq;
    private final MemorySegment eventContext;
    private final MemorySegment eventErrno;
    private final long regionAddress;
    private final int lkey;
    private final int maxInline;
    private final boolean checksumOffload;
    private final int signalEvery;

    private final MemorySegment sendWrs;
    private final MemorySegment recvWrs;
    private final MemorySegment wcs;
    private final MemorySegment badWr;

    private final int recvDepth;
    private final boolean[] posted; // by frame index: lent to the receive queue
    private int postedCount;

    private final int sendDepth;
    private final int[] sendRing; // by sequence modulo depth: the frame, or INLINED
    private long sendHead; // next sequence to post
    private long sendTail; // oldest sequence not yet completed

    private final Map<FlowRule, MemorySegment[]> flows = new HashMap<>();
    private volatile boolean closed;

    /** Guards polling the receive CQ: {@link #receive} and {@link #armInput}'s second look. */
    private final Object recvCqLock = new Object();
    /** One receive completion found by {@link #armInput} after arming, handed up first by the next receive. */
    private final MemorySegment heldWc;
    private boolean holdsWc; // under recvCqLock
    /** The channel's descriptor and the wake eventfd; null without a completion channel. */
    private final InputWaiter waiter;
    private long eventsTaken;
    private long notifyFailures;

    private long rxPackets, rxBytes, rxErrors, rxNoBuffer, txPackets, txBytes, txErrors, txInline, txPostErrors;

    /**
     * @param signalEvery request a completion every this many sends; a power of two dividing the send depth
     */
    public VerbsNetDevice(String name, RawQueue queue, FramePool pool, DeviceCapabilities capabilities, int signalEvery) {
        if (signalEvery < 1 || queue.sendDepth() % signalEvery != 0) {
            throw new IllegalArgumentException("signalEvery " + signalEvery + " must divide the send depth " + queue.sendDepth());
        }
        this.name = name;
        this.queue = queue;
        this.pool = pool;
        this.capabilities = capabilities;
        this.signalEvery = signalEvery;
        this.qp = queue.qp();
        this.sendCq = queue.sendCq();
        this.recvCq = queue.recvCq();
        this.postSendFn = InlineVerbs.postSendFunction(qp);
        this.postRecvFn = InlineVerbs.postRecvFunction(qp);
        this.pollCqFn = InlineVerbs.pollCqFunction(recvCq);
        this.reqNotifyFn = InlineVerbs.reqNotifyCqFunction(recvCq);
        this.channel = queue.completionChannel();
        this.regionAddress = pool.region().address();
        this.lkey = queue.lkey();
        this.maxInline = queue.maxInlineData();
        this.checksumOffload = queue.checksumOffload();
        this.recvDepth = Math.min(queue.recvDepth(), pool.frameCount());
        this.sendDepth = queue.sendDepth();
        this.posted = new boolean[pool.frameCount()];
        this.sendRing = new int[sendDepth];
        this.cache = pool.newCache(2 * BATCH);

        this.arena = Arena.ofShared();
        this.sendWrs = arena.allocate(ibv_send_wr.SIZEOF * BATCH, 64);
        MemorySegment sendSges = arena.allocate(ibv_sge.SIZEOF * BATCH, 64);
        this.recvWrs = arena.allocate(ibv_recv_wr.SIZEOF * BATCH, 64);
        MemorySegment recvSges = arena.allocate(ibv_sge.SIZEOF * BATCH, 64);
        this.wcs = arena.allocate(ibv_wc.SIZEOF * BATCH, 64);
        this.badWr = arena.allocate(ValueLayout.ADDRESS);
        this.eventCq = arena.allocate(ValueLayout.ADDRESS);
        this.eventContext = arena.allocate(ValueLayout.ADDRESS);
        this.eventErrno = verbs_h.errnoState(arena);
        this.heldWc = arena.allocate(ibv_wc.SIZEOF, 64);
        for (int k = 0; k < BATCH; k++) {
            long wr = k * ibv_send_wr.SIZEOF;
            sendWrs.set(ValueLayout.JAVA_LONG, wr + ibv_send_wr.sg_list$OFFSET, sendSges.address() + k * ibv_sge.SIZEOF);
            sendWrs.set(ValueLayout.JAVA_INT, wr + ibv_send_wr.num_sge$OFFSET, 1);
            sendWrs.set(ValueLayout.JAVA_INT, wr + ibv_send_wr.opcode$OFFSET, verbs_h.IBV_WR_SEND());
            sendSges.set(ValueLayout.JAVA_INT, k * ibv_sge.SIZEOF + ibv_sge.lkey$OFFSET, lkey);
            long rwr = k * ibv_recv_wr.SIZEOF;
            recvWrs.set(ValueLayout.JAVA_LONG, rwr + ibv_recv_wr.sg_list$OFFSET, recvSges.address() + k * ibv_sge.SIZEOF);
            recvWrs.set(ValueLayout.JAVA_INT, rwr + ibv_recv_wr.num_sge$OFFSET, 1);
            recvSges.set(ValueLayout.JAVA_INT, k * ibv_sge.SIZEOF + ibv_sge.lkey$OFFSET, lkey);
            recvSges.set(ValueLayout.JAVA_INT, k * ibv_sge.SIZEOF + ibv_sge.length$OFFSET, pool.frameSize() - pool.headroom());
        }
        this.recvSges = recvSges;
        this.sendSges = sendSges;
        this.waiter = channel.equals(MemorySegment.NULL) ? null : new InputWaiter(this);
        if (waiter != null) {
            try {
                Libc.setNonBlocking(completionChannelFd()); // a spurious wake must not block in ibv_get_cq_event
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(name + ": the completion channel", e);
            }
        }
        refill();
        if (postedCount == 0) {
            close();
            throw new IllegalStateException(name + ": could not post any receive buffer (pool of " + pool.frameCount()
                    + " frames, " + pool.available() + " free)");
        }
    }

    private final MemorySegment recvSges;
    private final MemorySegment sendSges;

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeviceCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public FramePool pool() {
        return pool;
    }

    private static void checkQueue(int queue) {
        if (queue != 0) {
            throw new IndexOutOfBoundsException("a verbs device has one queue, not " + queue);
        }
    }

    @Override
    public int receive(int queueIndex, FrameBurst into, long nowNanos) {
        checkQueue(queueIndex);
        if (closed) {
            return 0;
        }
        if (sendHead != sendTail) {
            reapSendCompletions();
        }
        int max = Math.min(into.remaining(), BATCH);
        if (max == 0) {
            return 0;
        }
        int delivered = 0;
        int n;
        synchronized (recvCqLock) {
            if (holdsWc) { // polled after arming, before everything polled now
                holdsWc = false;
                delivered += handUp(heldWc, 0, into);
                max--;
            }
            n = max == 0 ? 0 : ibv_context_ops.poll_cq.invoke(pollCqFn, recvCq, max, wcs);
        }
        for (int i = 0; i < n; i++) {
            delivered += handUp(wcs, i * ibv_wc.SIZEOF, into);
        }
        if (n < 0) {
            rxErrors++;
        }
        refill();
        return delivered;
    }

    /** The frame of the receive completion at {@code wc} in {@code wcArray}, appended to {@code into}: 1, or 0 if it failed. */
    private int handUp(MemorySegment wcArray, long wc, FrameBurst into) {
        int frame = (int) wcArray.get(ValueLayout.JAVA_LONG, wc + ibv_wc.wr_id$OFFSET);
        int status = wcArray.get(ValueLayout.JAVA_INT, wc + ibv_wc.status$OFFSET);
        int length = wcArray.get(ValueLayout.JAVA_INT, wc + ibv_wc.byte_len$OFFSET);
        int wcFlags = wcArray.get(ValueLayout.JAVA_INT, wc + ibv_wc.wc_flags$OFFSET);
        if (frame < 0 || frame >= posted.length || !posted[frame]) {
            rxErrors++; // a completion for no buffer of ours: nothing to return
            return 0;
        }
        posted[frame] = false;
        postedCount--;
        if (status != 0 || length < 0 || length > pool.frameSize() - pool.headroom()) {
            rxErrors++; // flushed or failed: the buffer goes back to the pool
            cache.release(frame);
            return 0;
        }
        pool.setData(frame, pool.headroom(), length);
        pool.setFlags(frame, (wcFlags & verbs_h.IBV_WC_IP_CSUM_OK()) != 0
                ? FrameFlags.RX_IP_CHECKSUM_GOOD | FrameFlags.RX_L4_CHECKSUM_GOOD : 0);
        into.add(frame);
        rxPackets++;
        rxBytes += length;
        return 1;
    }

    /** Lends free frames to the receive queue until it is full or the pool is dry. */
    private void refill() {
        while (postedCount < recvDepth) {
            int want = Math.min(BATCH, recvDepth - postedCount);
            int k = 0;
            for (; k < want; k++) {
                int frame = cache.acquire();
                if (frame == FramePool.NO_FRAME) {
                    rxNoBuffer++;
                    break;
                }
                long wr = k * ibv_recv_wr.SIZEOF;
                recvWrs.set(ValueLayout.JAVA_LONG, wr + ibv_recv_wr.wr_id$OFFSET, frame);
                recvWrs.set(ValueLayout.JAVA_LONG, wr + ibv_recv_wr.next$OFFSET, recvWrs.address() + wr + ibv_recv_wr.SIZEOF);
                recvSges.set(ValueLayout.JAVA_LONG, k * ibv_sge.SIZEOF + ibv_sge.addr$OFFSET,
                        regionAddress + pool.frameBase(frame) + pool.headroom());
            }
            if (k == 0) {
                return;
            }
            recvWrs.set(ValueLayout.JAVA_LONG, (k - 1) * ibv_recv_wr.SIZEOF + ibv_recv_wr.next$OFFSET, 0L);
            int rc = ibv_context_ops.post_recv.invoke(postRecvFn, qp, recvWrs, badWr);
            int accepted = rc == 0 ? k : failedIndex(recvWrs, ibv_recv_wr.SIZEOF, k);
            for (int j = 0; j < k; j++) {
                int frame = (int) recvWrs.get(ValueLayout.JAVA_LONG, j * ibv_recv_wr.SIZEOF + ibv_recv_wr.wr_id$OFFSET);
                if (j < accepted) {
                    posted[frame] = true;
                } else {
                    cache.release(frame);
                }
            }
            postedCount += accepted;
            if (rc != 0) {
                rxErrors++;
                return;
            }
            if (k < want) {
                return; // pool dry
            }
        }
    }

    /** Index of the work request {@code *bad_wr} points to, or {@code count} if it is not one of ours. */
    private int failedIndex(MemorySegment wrs, long wrSize, int count) {
        long bad = badWr.get(ValueLayout.JAVA_LONG, 0);
        long index = (bad - wrs.address()) / wrSize;
        return bad < wrs.address() || index >= count ? 0 : (int) index;
    }

    @Override
    public int transmit(int queueIndex, FrameBurst frames, long nowNanos) {
        checkQueue(queueIndex);
        if (closed) {
            return 0;
        }
        if (sendHead != sendTail) {
            reapSendCompletions();
        }
        int total = frames.count();
        int done = 0;
        while (done < total) {
            int room = (int) (sendDepth - (sendHead - sendTail));
            int k = Math.min(Math.min(total - done, room), BATCH);
            if (k == 0) {
                break;
            }
            long first = sendHead;
            for (int j = 0; j < k; j++) {
                int frame = frames.get(done + j);
                long seq = first + j;
                int length = pool.dataLength(frame);
                int flags = (seq + 1) % signalEvery == 0 ? verbs_h.IBV_SEND_SIGNALED() : 0;
                if (checksumOffload && (pool.flags(frame) & CHECKSUM_REQUEST) != 0) {
                    flags |= verbs_h.IBV_SEND_IP_CSUM();
                }
                if (length <= maxInline) {
                    flags |= verbs_h.IBV_SEND_INLINE();
                }
                long wr = j * ibv_send_wr.SIZEOF;
                sendWrs.set(ValueLayout.JAVA_LONG, wr + ibv_send_wr.wr_id$OFFSET, seq);
                sendWrs.set(ValueLayout.JAVA_LONG, wr + ibv_send_wr.next$OFFSET,
                        j + 1 < k ? sendWrs.address() + wr + ibv_send_wr.SIZEOF : 0L);
                sendWrs.set(ValueLayout.JAVA_INT, wr + ibv_send_wr.send_flags$OFFSET, flags);
                long sge = j * ibv_sge.SIZEOF;
                sendSges.set(ValueLayout.JAVA_LONG, sge + ibv_sge.addr$OFFSET, regionAddress + pool.dataAddress(frame));
                sendSges.set(ValueLayout.JAVA_INT, sge + ibv_sge.length$OFFSET, length);
            }
            int rc = ibv_context_ops.post_send.invoke(postSendFn, qp, sendWrs, badWr);
            int accepted = rc == 0 ? k : failedIndex(sendWrs, ibv_send_wr.SIZEOF, k);
            for (int j = 0; j < accepted; j++) {
                int frame = frames.get(done + j);
                int length = pool.dataLength(frame);
                txPackets++;
                txBytes += length;
                if (length <= maxInline) {
                    sendRing[(int) ((first + j) % sendDepth)] = INLINED;
                    cache.release(frame); // its bytes are in the descriptor already
                    txInline++;
                } else {
                    sendRing[(int) ((first + j) % sendDepth)] = frame;
                }
            }
            sendHead = first + accepted;
            done += accepted;
            if (rc != 0) {
                txPostErrors++;
                if (txPostErrors == 1) {
                    LOG.warn("{}: ibv_post_send failed with errno {} after {} of {} work requests", name, rc, accepted, k);
                }
                break;
            }
        }
        return done;
    }

    /** Retires sends up to each signalled completion: they complete in order. */
    private void reapSendCompletions() {
        int n = ibv_context_ops.poll_cq.invoke(pollCqFn, sendCq, BATCH, wcs);
        for (int i = 0; i < n; i++) {
            long wc = i * ibv_wc.SIZEOF;
            long seq = wcs.get(ValueLayout.JAVA_LONG, wc + ibv_wc.wr_id$OFFSET);
            if (wcs.get(ValueLayout.JAVA_INT, wc + ibv_wc.status$OFFSET) != 0) {
                txErrors++;
            }
            if (seq < sendTail || seq >= sendHead) {
                txErrors++; // not an outstanding send of ours
                continue;
            }
            for (; sendTail <= seq; sendTail++) {
                int slot = (int) (sendTail % sendDepth);
                if (sendRing[slot] >= 0) {
                    cache.release(sendRing[slot]);
                }
                sendRing[slot] = INLINED;
            }
        }
    }

    @Override
    public void addFlowRule(FlowRule rule) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (flows.containsKey(rule)) {
            return;
        }
        try (Arena temp = Arena.ofConfined()) {
            List<MemorySegment> attrs = FlowSpecs.build(rule, capabilities.mac(), queue.portNumber(), temp);
            MemorySegment errno = verbs_h.errnoState(temp);
            List<MemorySegment> created = new ArrayList<>(attrs.size());
            for (MemorySegment attr : attrs) {
                MemorySegment flow = InlineVerbs.ibv_create_flow(errno, qp, attr);
                if (flow.equals(MemorySegment.NULL)) {
                    int err = verbs_h.errno(errno);
                    for (MemorySegment f : created) {
                        InlineVerbs.ibv_destroy_flow(f);
                    }
                    VerbsException cause = new VerbsException(name + ": ibv_create_flow refused " + rule
                            + (err == InlineVerbs.EOPNOTSUPP ? ": the provider has no flow steering" : ""), err);
                    throw new IllegalStateException(cause.getMessage(), cause);
                }
                created.add(flow);
            }
            flows.put(rule, created.toArray(new MemorySegment[0]));
        }
    }

    @Override
    public void removeFlowRule(FlowRule rule) {
        MemorySegment[] handles = flows.remove(rule);
        if (handles != null) {
            destroy(rule, handles);
        }
    }

    private void destroy(FlowRule rule, MemorySegment[] handles) {
        for (MemorySegment flow : handles) {
            int rc = InlineVerbs.ibv_destroy_flow(flow);
            if (rc != 0) {
                LOG.warn("{}: ibv_destroy_flow for {} failed with errno {}", name, rule, rc);
            }
        }
    }

    /**
     * Sleeps in ppoll(2) on the completion channel until a packet completes, {@link #wakeInput}, or the
     * timeout; returns at once when one completed before the arming. False without a completion channel
     * or when the CQ cannot be armed: the caller parks instead.
     */
    @Override
    public boolean awaitInput(long timeoutNanos) {
        return waiter != null && waiter.await(timeoutNanos);
    }

    @Override
    public void wakeInput() {
        if (waiter != null) {
            waiter.wake();
        }
    }

    /** The completion channel's file descriptor (non-blocking), readable after an armed CQ completes; -1 without one. */
    public int completionChannelFd() {
        if (channel.equals(MemorySegment.NULL)) {
            return -1;
        }
        return ibv_comp_channel.fd(channel.reinterpret(ibv_comp_channel.SIZEOF));
    }

    @Override
    public int inputEventFd() {
        return completionChannelFd();
    }

    /**
     * Arms the receive CQ for the next completion ({@code ibv_req_notify_cq(cq, 0)} through the context's
     * ops, as verbs.h's inline does), then polls it for one: a completion that came before the arming raises
     * no event, so it is held for the next {@link #receive} and the caller must not sleep.
     */
    @Override
    public Arming armInput() {
        if (closed || waiter == null) {
            return Arming.REFUSED;
        }
        synchronized (recvCqLock) {
            if (holdsWc) {
                return Arming.INPUT_WAITING;
            }
            if (ibv_context_ops.req_notify_cq.invoke(reqNotifyFn, recvCq, 0) != 0) {
                notifyFailures++;
                return Arming.REFUSED;
            }
            if (ibv_context_ops.poll_cq.invoke(pollCqFn, recvCq, 1, heldWc) > 0) {
                holdsWc = true;
                return Arming.INPUT_WAITING;
            }
            return Arming.ARMED;
        }
    }

    /**
     * Takes every event the channel holds ({@code ibv_get_cq_event} until the non-blocking descriptor is
     * empty) and acknowledges them in one call ({@code ibv_ack_cq_events}, which takes a mutex).
     */
    @Override
    public void takeInputEvents() {
        if (channel.equals(MemorySegment.NULL)) {
            return;
        }
        int taken = 0;
        while (verbs_h.ibv_get_cq_event(eventErrno, channel, eventCq, eventContext) == 0) {
            MemorySegment cq = eventCq.get(ValueLayout.ADDRESS, 0);
            if (cq.address() == recvCq.address()) {
                taken++;
            } else {
                verbs_h.ibv_ack_cq_events(cq, 1); // not ours (the channel serves only the receive CQ)
            }
        }
        if (taken > 0) {
            verbs_h.ibv_ack_cq_events(recvCq, taken);
            eventsTaken += taken;
        }
    }

    /** Completion events taken from the channel and acknowledged. */
    public long eventsTaken() {
        return eventsTaken;
    }

    /** Times {@code ibv_req_notify_cq} failed (the device then cannot sleep). */
    public long notifyFailures() {
        return notifyFailures;
    }

    /** The queue pair this device drives. */
    RawQueue queue() {
        return queue;
    }

    /** The {@code struct ibv_qp}, for tests that install flow rules the {@link FlowRule} record cannot express. */
    public MemorySegment queueForTests() {
        return qp;
    }

    /** The flow rules installed now. */
    public int flowRuleCount() {
        return flows.size();
    }

    /** Frames lent to the receive queue now. */
    public int postedReceiveBuffers() {
        return postedCount;
    }

    /** Sends posted and not yet retired by a completion. */
    public int outstandingSends() {
        return (int) (sendHead - sendTail);
    }

    public long rxPackets() { return rxPackets; }
    public long rxBytes() { return rxBytes; }
    public long rxErrors() { return rxErrors; }
    public long rxNoBuffer() { return rxNoBuffer; }
    public long txPackets() { return txPackets; }
    public long txBytes() { return txBytes; }
    public long txErrors() { return txErrors; }
    public long txInline() { return txInline; }
    public long txPostErrors() { return txPostErrors; }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (waiter != null) {
            waiter.close(); // a wait in progress ends, its events taken; no other starts
            takeInputEvents(); // acknowledged before ibv_destroy_cq, which waits for every one taken
        }
        holdsWc = false; // its frame is still marked posted: returned below
        for (Map.Entry<FlowRule, MemorySegment[]> e : flows.entrySet()) {
            destroy(e.getKey(), e.getValue());
        }
        flows.clear();
        queue.close(); // the NIC stops touching our frames once the queue pair is gone
        for (int frame = 0; frame < posted.length; frame++) {
            if (posted[frame]) {
                posted[frame] = false;
                cache.release(frame);
            }
        }
        postedCount = 0;
        for (; sendTail < sendHead; sendTail++) {
            int slot = (int) (sendTail % sendDepth);
            if (sendRing[slot] >= 0) {
                cache.release(sendRing[slot]);
            }
        }
        cache.close();
        arena.close();
    }

    @Override
    public String toString() {
        return "VerbsNetDevice[" + name + " rx=" + rxPackets + " tx=" + txPackets + " posted=" + postedCount
                + " outstanding=" + outstandingSends() + " flows=" + flows.size() + "]";
    }
}
