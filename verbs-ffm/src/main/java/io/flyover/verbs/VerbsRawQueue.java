package io.flyover.verbs;

import io.flyover.verbs.bindings.InlineVerbs;
import io.flyover.verbs.bindings.Libibverbs;
import io.flyover.verbs.bindings.ibv_comp_channel;
import io.flyover.verbs.bindings.ibv_device_attr;
import io.flyover.verbs.bindings.ibv_mr;
import io.flyover.verbs.bindings.ibv_port_attr;
import io.flyover.verbs.bindings.ibv_qp_attr;
import io.flyover.verbs.bindings.ibv_qp_cap;
import io.flyover.verbs.bindings.ibv_qp_init_attr;
import io.flyover.verbs.bindings.verbs_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RAW_PACKET queue pair opened through libibverbs, the set-up XLIO performs: open the device, check
 * that the port is an active Ethernet port, allocate a protection domain, register the frame region
 * once, create a completion channel and two completion queues, create the queue pair and move it
 * through INIT, RTR and RTS. Any failure undoes what was done and becomes one {@link VerbsException}
 * saying what is missing.
 */
@SuppressWarnings("restricted") // FFM: raw pointers from native code
public final class VerbsRawQueue implements RawQueue {
    private static final Logger LOG = LoggerFactory.getLogger(VerbsRawQueue.class);
    /** Inline bytes asked for: Ethernet + IPv4/IPv6 + TCP headers of small segments and pure ACKs. */
    static final int REQUESTED_INLINE = 256;

    private final MemorySegment context;
    private final MemorySegment qp;
    private final MemorySegment sendCq;
    private final MemorySegment recvCq;
    private final MemorySegment channel;
    private final int lkey;
    private final int sendDepth;
    private final int recvDepth;
    private final int maxInline;
    private final int port;
    private final boolean checksumOffload;
    private final Deque<Runnable> teardown;
    private boolean closed;

    private VerbsRawQueue(MemorySegment context, MemorySegment qp, MemorySegment sendCq, MemorySegment recvCq,
                          MemorySegment channel, int lkey, int sendDepth, int recvDepth, int maxInline, int port,
                          boolean checksumOffload, Deque<Runnable> teardown) {
        this.context = context;
        this.qp = qp;
        this.sendCq = sendCq;
        this.recvCq = recvCq;
        this.channel = channel;
        this.lkey = lkey;
        this.sendDepth = sendDepth;
        this.recvDepth = recvDepth;
        this.maxInline = maxInline;
        this.port = port;
        this.checksumOffload = checksumOffload;
        this.teardown = teardown;
    }

    /**
     * Opens a RAW_PACKET queue pair on port {@code port} of the RDMA device {@code deviceName} (such as
     * {@code mlx5_0}), registering {@code region} for local write.
     */
    public static VerbsRawQueue open(String deviceName, int port, MemorySegment region, int sendDepth, int recvDepth)
            throws VerbsException {
        Libibverbs.load();
        Deque<Runnable> teardown = new ArrayDeque<>();
        boolean ok = false;
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment errno = verbs_h.errnoState(temp);
            MemorySegment context = openContext(deviceName, errno, temp);
            teardown.push(() -> check("ibv_close_device", verbs_h.ibv_close_device(context)));

            MemorySegment deviceAttr = ibv_device_attr.allocate(temp);
            int rc = verbs_h.ibv_query_device(context, deviceAttr);
            if (rc != 0) {
                throw new VerbsException("ibv_query_device on " + deviceName + " failed", rc);
            }
            int ports = Byte.toUnsignedInt(ibv_device_attr.phys_port_cnt(deviceAttr));
            if (port < 1 || port > ports) {
                throw new VerbsException(deviceName + " has ports 1.." + ports + ", not " + port);
            }
            boolean checksum = (ibv_device_attr.device_cap_flags(deviceAttr) & verbs_h.IBV_DEVICE_RAW_IP_CSUM()) != 0;

            MemorySegment portAttr = ibv_port_attr.allocate(temp);
            rc = InlineVerbs.ibv_query_port(context, (byte) port, portAttr);
            if (rc != 0) {
                throw new VerbsException("ibv_query_port " + deviceName + ":" + port + " failed", rc);
            }
            checkPort(deviceName, port, ibv_port_attr.state(portAttr), Byte.toUnsignedInt(ibv_port_attr.link_layer(portAttr)));

            MemorySegment pd = verbs_h.ibv_alloc_pd(errno, context);
            if (pd.equals(MemorySegment.NULL)) {
                throw new VerbsException("ibv_alloc_pd on " + deviceName + " failed", verbs_h.errno(errno));
            }
            teardown.push(() -> check("ibv_dealloc_pd", verbs_h.ibv_dealloc_pd(pd)));

            MemorySegment mr = verbs_h.ibv_reg_mr(errno, pd, region, region.byteSize(), verbs_h.IBV_ACCESS_LOCAL_WRITE());
            if (mr.equals(MemorySegment.NULL)) {
                throw new VerbsException("ibv_reg_mr of the " + region.byteSize() + "-byte frame region on " + deviceName
                        + " failed", verbs_h.errno(errno));
            }
            teardown.push(() -> check("ibv_dereg_mr", verbs_h.ibv_dereg_mr(mr)));
            int lkey = ibv_mr.lkey(mr.reinterpret(ibv_mr.SIZEOF));

            MemorySegment channel = verbs_h.ibv_create_comp_channel(errno, context);
            if (channel.equals(MemorySegment.NULL)) {
                throw new VerbsException("ibv_create_comp_channel on " + deviceName + " failed", verbs_h.errno(errno));
            }
            teardown.push(() -> check("ibv_destroy_comp_channel", verbs_h.ibv_destroy_comp_channel(channel)));

            MemorySegment sendCq = verbs_h.ibv_create_cq(errno, context, sendDepth, MemorySegment.NULL, MemorySegment.NULL, 0);
            if (sendCq.equals(MemorySegment.NULL)) {
                throw new VerbsException("ibv_create_cq(" + sendDepth + ") on " + deviceName + " failed", verbs_h.errno(errno));
            }
            teardown.push(() -> check("ibv_destroy_cq", verbs_h.ibv_destroy_cq(sendCq)));
            MemorySegment recvCq = verbs_h.ibv_create_cq(errno, context, recvDepth, MemorySegment.NULL, channel, 0);
            if (recvCq.equals(MemorySegment.NULL)) {
                throw new VerbsException("ibv_create_cq(" + recvDepth + ") on " + deviceName + " failed", verbs_h.errno(errno));
            }
            teardown.push(() -> check("ibv_destroy_cq", verbs_h.ibv_destroy_cq(recvCq)));

            MemorySegment init = ibv_qp_init_attr.allocate(temp);
            ibv_qp_init_attr.send_cq(init, sendCq);
            ibv_qp_init_attr.recv_cq(init, recvCq);
            ibv_qp_init_attr.cap_max_send_wr(init, sendDepth);
            ibv_qp_init_attr.cap_max_recv_wr(init, recvDepth);
            ibv_qp_init_attr.cap_max_send_sge(init, 1);
            ibv_qp_init_attr.cap_max_recv_sge(init, 1);
            ibv_qp_init_attr.cap_max_inline_data(init, REQUESTED_INLINE);
            ibv_qp_init_attr.qp_type(init, verbs_h.IBV_QPT_RAW_PACKET());
            ibv_qp_init_attr.sq_sig_all(init, 0);
            MemorySegment qp = verbs_h.ibv_create_qp(errno, pd, init);
            if (qp.equals(MemorySegment.NULL)) {
                throw new VerbsException("ibv_create_qp(IBV_QPT_RAW_PACKET) on " + deviceName + " failed", verbs_h.errno(errno));
            }
            teardown.push(() -> check("ibv_destroy_qp", verbs_h.ibv_destroy_qp(qp)));
            MemorySegment cap = ibv_qp_init_attr.cap(init); // the provider wrote back what it granted
            int maxInline = ibv_qp_cap.max_inline_data(cap);

            toState(qp, verbs_h.IBV_QPS_INIT(), port, deviceName, temp);
            toState(qp, verbs_h.IBV_QPS_RTR(), 0, deviceName, temp);
            toState(qp, verbs_h.IBV_QPS_RTS(), 0, deviceName, temp);

            VerbsRawQueue queue = new VerbsRawQueue(context, qp, sendCq, recvCq, channel, lkey,
                    Math.min(sendDepth, ibv_qp_cap.max_send_wr(cap)), Math.min(recvDepth, ibv_qp_cap.max_recv_wr(cap)),
                    maxInline, port, checksum, teardown);
            ok = true;
            LOG.info("{}:{} RAW_PACKET qp {} open: send {} recv {} inline {} checksum offload {}", deviceName, port,
                    qp.address(), sendDepth, recvDepth, maxInline, checksum);
            return queue;
        } finally {
            if (!ok) {
                runAll(teardown);
            }
        }
    }

    static void checkPort(String device, int port, int state, int linkLayer) throws VerbsException {
        if (state != verbs_h.IBV_PORT_ACTIVE()) {
            throw new VerbsException("port " + port + " of " + device + " is not active (state " + portState(state)
                    + "): is the link up and the cable in?");
        }
        if (linkLayer != verbs_h.IBV_LINK_LAYER_ETHERNET()) {
            throw new VerbsException("port " + port + " of " + device + " is not Ethernet (link layer " + linkLayer
                    + "): RAW_PACKET queue pairs need an Ethernet port");
        }
    }

    static String portState(int state) {
        return switch (state) {
            case 0 -> "NOP";
            case 1 -> "DOWN";
            case 2 -> "INIT";
            case 3 -> "ARMED";
            case 4 -> "ACTIVE";
            case 5 -> "ACTIVE_DEFER";
            default -> String.valueOf(state);
        };
    }

    private static MemorySegment openContext(String deviceName, MemorySegment errno, Arena temp) throws VerbsException {
        MemorySegment num = temp.allocate(ValueLayout.JAVA_INT);
        MemorySegment list = verbs_h.ibv_get_device_list(errno, num);
        if (list.equals(MemorySegment.NULL)) {
            throw new VerbsException("no RDMA devices: ibv_get_device_list failed", verbs_h.errno(errno));
        }
        try {
            int count = num.get(ValueLayout.JAVA_INT, 0);
            MemorySegment devices = list.reinterpret(ValueLayout.ADDRESS.byteSize() * count);
            StringBuilder seen = new StringBuilder();
            for (int i = 0; i < count; i++) {
                MemorySegment device = devices.getAtIndex(ValueLayout.ADDRESS, i);
                String name = verbs_h.ibv_get_device_name(device).reinterpret(64).getString(0);
                if (name.equals(deviceName)) {
                    MemorySegment context = verbs_h.ibv_open_device(errno, device);
                    if (context.equals(MemorySegment.NULL)) {
                        throw new VerbsException("ibv_open_device(" + deviceName + ") failed", verbs_h.errno(errno));
                    }
                    return context;
                }
                seen.append(seen.isEmpty() ? "" : ", ").append(name);
            }
            throw new VerbsException("no RDMA device " + deviceName + " (found " + count + ": [" + seen + "])");
        } finally {
            verbs_h.ibv_free_device_list(list);
        }
    }

    private static void toState(MemorySegment qp, int state, int port, String device, Arena temp) throws VerbsException {
        MemorySegment attr = ibv_qp_attr.allocate(temp);
        ibv_qp_attr.qp_state(attr, state);
        int mask = verbs_h.IBV_QP_STATE();
        if (port != 0) {
            ibv_qp_attr.port_num(attr, (byte) port);
            mask |= verbs_h.IBV_QP_PORT();
        }
        int rc = verbs_h.ibv_modify_qp(qp, attr, mask);
        if (rc != 0) {
            throw new VerbsException("ibv_modify_qp to state " + state + " on " + device + " failed", rc);
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            LOG.warn("{} failed with errno {}", call, rc);
        }
    }

    private static void runAll(Deque<Runnable> teardown) {
        while (!teardown.isEmpty()) {
            try {
                teardown.pop().run();
            } catch (RuntimeException | Error e) {
                LOG.warn("teardown step failed", e);
            }
        }
    }

    /** The completion channel's file descriptor, which becomes readable after {@code ibv_req_notify_cq} on receive. */
    public int completionChannelFd() {
        return ibv_comp_channel.fd(channel.reinterpret(ibv_comp_channel.SIZEOF));
    }

    public MemorySegment context() { return context; }
    @Override public MemorySegment completionChannel() { return channel; }
    @Override public MemorySegment qp() { return qp; }
    @Override public MemorySegment sendCq() { return sendCq; }
    @Override public MemorySegment recvCq() { return recvCq; }
    @Override public int lkey() { return lkey; }
    @Override public int sendDepth() { return sendDepth; }
    @Override public int recvDepth() { return recvDepth; }
    @Override public int maxInlineData() { return maxInline; }
    @Override public int portNumber() { return port; }
    @Override public boolean checksumOffload() { return checksumOffload; }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            runAll(teardown);
        }
    }
}
