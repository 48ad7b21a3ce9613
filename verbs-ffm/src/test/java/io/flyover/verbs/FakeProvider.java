package io.flyover.verbs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The fake provider ({@code src/test/resources/native/fake_provider.c}), compiled once per test JVM with
 * gcc against the real header and loaded with {@link SymbolLookup#libraryLookup(Path, Arena)}: Java
 * handles on its set-up, knobs and recordings. Call {@link NativeToolchain#assumeAvailable()} first.
 */
public final class FakeProvider {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout P = ValueLayout.ADDRESS;

    /** Offsets in the C {@code struct rec}: eight u64, then sge_addr[4], sge_length[4], sge_lkey[4], data[64]. */
    public static final long REC_WR_ID = 0, REC_SELF = 8, REC_NEXT = 16, REC_NUM_SGE = 24, REC_OPCODE = 32,
            REC_SEND_FLAGS = 40, REC_CHAIN_POS = 48, REC_CALL = 56, REC_SGE_ADDR = 64, REC_SGE_LENGTH = 96,
            REC_SGE_LKEY = 128, REC_DATA = 160, REC_SIZE = 224;

    private static FakeProvider instance;

    private final SymbolLookup lib;

    private FakeProvider(SymbolLookup lib) {
        this.lib = lib;
    }

    public static synchronized FakeProvider get() {
        if (instance == null) {
            try (InputStream in = FakeProvider.class.getResourceAsStream("/native/fake_provider.c")) {
                String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                Path so = NativeToolchain.compile("fakeverbs", source, true);
                instance = new FakeProvider(SymbolLookup.libraryLookup(so, Arena.global()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (instance.recordSize() != REC_SIZE) {
                throw new IllegalStateException("struct rec is " + instance.recordSize() + " bytes, expected " + REC_SIZE);
            }
        }
        return instance;
    }

    /**
     * The fake, and this JVM's bindings bound to it as libibverbs (checked): for tests that drive the real
     * bindings and devices against it. Call {@link NativeToolchain#assumeAvailable()} first.
     */
    public static FakeProvider boundAsLibibverbs() {
        FakeProvider fake = get();
        System.setProperty(io.flyover.verbs.bindings.Libibverbs.LIBRARY_PROPERTY, libraryPath().toString());
        if (!"fake provider".equals(io.flyover.verbs.bindings.verbs_h.ibv_wc_status_str(0).reinterpret(32).getString(0))) {
            throw new AssertionError("the bindings must be bound to the fake in this JVM");
        }
        return fake;
    }

    private final java.util.Map<String, MethodHandle> handles = new java.util.concurrent.ConcurrentHashMap<>();

    private MethodHandle h(String name, FunctionDescriptor d) {
        return handles.computeIfAbsent(name + d, k -> Linker.nativeLinker().downcallHandle(lib.find(name).orElseThrow(), d));
    }

    private Object call(String name, FunctionDescriptor d, Object... args) {
        try {
            return h(name, d).invokeWithArguments(args);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private int callInt(String name, Object... args) {
        java.lang.foreign.MemoryLayout[] layouts = new java.lang.foreign.MemoryLayout[args.length];
        for (int i = 0; i < args.length; i++) {
            layouts[i] = args[i] instanceof MemorySegment ? P : args[i] instanceof Long ? L : I;
        }
        return (int) call(name, FunctionDescriptor.of(I, layouts), args);
    }

    private MemorySegment callPtr(String name, long size, Object... args) {
        java.lang.foreign.MemoryLayout[] layouts = new java.lang.foreign.MemoryLayout[args.length];
        for (int i = 0; i < args.length; i++) {
            layouts[i] = args[i] instanceof MemorySegment ? P : args[i] instanceof Long ? L : I;
        }
        MemorySegment s = (MemorySegment) call(name, FunctionDescriptor.of(P, layouts), args);
        return s.equals(MemorySegment.NULL) ? s : s.reinterpret(size);
    }

    private void callVoid(String name, Object... args) {
        java.lang.foreign.MemoryLayout[] layouts = new java.lang.foreign.MemoryLayout[args.length];
        for (int i = 0; i < args.length; i++) {
            layouts[i] = args[i] instanceof MemorySegment ? P : args[i] instanceof Long ? L : I;
        }
        call(name, FunctionDescriptor.ofVoid(layouts), args);
    }

    public void reset() { callVoid("fake_reset"); }
    public void setAutoComplete(boolean on) { callVoid("fake_set_auto_complete", on ? 1 : 0); }
    public void failSendAt(int chainPos, int errno) { callVoid("fake_fail_send_at", chainPos, errno); }
    public void setFlowSupport(boolean on) { callVoid("fake_set_flow_support", on ? 1 : 0); }
    public void setPortState(int state) { callVoid("fake_set_port_state", state); }

    public MemorySegment open() { return callPtr("fake_open", io.flyover.verbs.bindings.ibv_context.SIZEOF); }
    public void close(MemorySegment context) { callVoid("fake_close", context); }
    public MemorySegment createCq(MemorySegment context, int cqe) {
        return callPtr("fake_create_cq", io.flyover.verbs.bindings.ibv_cq.SIZEOF, context, cqe);
    }
    public void destroyCq(MemorySegment cq) { callVoid("fake_destroy_cq", cq); }
    public MemorySegment createQp(MemorySegment context, MemorySegment sendCq, MemorySegment recvCq, int qpNum) {
        return callPtr("fake_create_qp", io.flyover.verbs.bindings.ibv_qp.SIZEOF, context, sendCq, recvCq, qpNum);
    }
    public void destroyQp(MemorySegment qp) { callVoid("fake_destroy_qp", qp); }

    public void pushWc(MemorySegment cq, long wrId, int status, int opcode, int byteLen, int wcFlags, int qpNum) {
        callVoid("fake_push_wc", cq, wrId, status, opcode, byteLen, wcFlags, qpNum);
    }

    /** A packet arrives into the oldest posted receive buffer; false when none is posted. */
    public boolean deliver(MemorySegment qp, byte[] packet, int wcFlags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(Math.max(1, packet.length));
            MemorySegment.copy(packet, 0, data, ValueLayout.JAVA_BYTE, 0, packet.length);
            return callInt("fake_deliver", qp, data, packet.length, wcFlags) == 0;
        }
    }

    public int flushRq(MemorySegment qp) { return callInt("fake_flush_rq", qp); }
    public int rqPosted(MemorySegment qp) { return callInt("fake_rq_posted", qp); }
    public int sendCount() { return callInt("fake_send_count"); }
    public int recvCount() { return callInt("fake_recv_count"); }
    public int sendCalls() { return callInt("fake_send_calls"); }
    public int recvCalls() { return callInt("fake_recv_calls"); }
    public int pollCalls() { return callInt("fake_poll_calls"); }
    public int recordSize() { return callInt("fake_record_size"); }
    public MemorySegment sendRecord(int i) { return callPtr("fake_send_record", REC_SIZE, i); }
    public MemorySegment recvRecord(int i) { return callPtr("fake_recv_record", REC_SIZE, i); }
    public int notifyCalls(MemorySegment cq) { return callInt("fake_notify_calls", cq); }
    public int lastSolicitedOnly(MemorySegment cq) { return callInt("fake_last_solicited_only", cq); }
    public int flowCount() { return callInt("fake_flow_count"); }
    public int flowSize(int i) { return callInt("fake_flow_size", i); }
    public boolean flowDestroyed(int i) { return callInt("fake_flow_destroyed", i) != 0; }
    public byte[] flowAttr(int i) {
        int size = flowSize(i);
        return callPtr("fake_flow_attr", size, i).toArray(ValueLayout.JAVA_BYTE);
    }

    // --- the libibverbs stand-in (FakeLibibverbsTest) ---
    public static final int STEP_LIST = 1, STEP_NO_DEVICES = 2, STEP_OPEN = 3, STEP_QUERY_DEVICE = 4, STEP_PD = 5,
            STEP_REG_MR = 6, STEP_CHANNEL = 7, STEP_CQ = 8, STEP_QP = 9, STEP_MODIFY_RTR = 10;

    /** Where the compiled library is, to load it as libibverbs. */
    public static Path libraryPath() {
        get();
        return Path.of("target", "native-test", "libfakeverbs.so").toAbsolutePath();
    }

    public void resetSetup() { callVoid("fake_reset_setup"); }
    public void failSetup(int step, int errno) { callVoid("fake_fail_setup", step, errno); }
    public String calls() { return callPtr("fake_calls", 8192).getString(0); }
    public int forkInitCalls() { return callInt("fake_fork_init_calls"); }
    public int ackedEvents() { return callInt("fake_acked_events"); }
    /** CQs destroyed while events taken from their channel were not acknowledged (the real library would hang). */
    public int unackedAtDestroy() { return callInt("fake_unacked_at_destroy"); }
    /** Events written into the CQ's channel (one per arming followed by a completion). */
    public int eventsRaised(MemorySegment cq) { return callInt("fake_events_raised", cq); }
    /** Events read from the channel by {@code ibv_get_cq_event}. */
    public int eventsGot(MemorySegment cq) { return callInt("fake_events_got", cq); }
    public int eventsAcked(MemorySegment cq) { return callInt("fake_events_acked", cq); }
    public int liveObjects() { return callInt("fake_live_objects"); }
    public long regAddr() { return (long) call("fake_reg_addr", FunctionDescriptor.of(L)); }
    public long regLength() { return (long) call("fake_reg_length", FunctionDescriptor.of(L)); }
    public int regAccess() { return callInt("fake_reg_access"); }
    public MemorySegment qpInit() { return callPtr("fake_qp_init", io.flyover.verbs.bindings.ibv_qp_init_attr.SIZEOF); }
    public boolean recvChannelSeen() { return callInt("fake_recv_channel_seen") != 0; }
    public int modifyCount() { return callInt("fake_modify_count"); }
    public int modifyState(int i) { return callInt("fake_modify_state", i); }
    public int modifyMask(int i) { return callInt("fake_modify_mask", i); }
    public int modifyPort(int i) { return callInt("fake_modify_port", i); }

    public static long u64(MemorySegment record, long offset) { return record.get(L, offset); }
    public static long sgeAddr(MemorySegment record, int sge) { return record.get(L, REC_SGE_ADDR + 8L * sge); }
    public static long sgeLength(MemorySegment record, int sge) { return record.get(L, REC_SGE_LENGTH + 8L * sge); }
    public static long sgeLkey(MemorySegment record, int sge) { return record.get(L, REC_SGE_LKEY + 8L * sge); }
    public static byte[] data(MemorySegment record, int n) {
        return record.asSlice(REC_DATA, n).toArray(ValueLayout.JAVA_BYTE);
    }
}
