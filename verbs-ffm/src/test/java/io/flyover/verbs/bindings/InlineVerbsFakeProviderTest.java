package io.flyover.verbs.bindings;

import static io.flyover.verbs.FakeProvider.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.verbs.FakeProvider;
import io.flyover.verbs.NativeToolchain;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The static-inline call path (post_send, post_recv, poll_cq, req_notify_cq through
 * {@code ibv_context.ops}; create/destroy flow and query_port through {@code verbs_context}) against a
 * fake provider compiled from C against the real header, which records what it receives.
 */
class InlineVerbsFakeProviderTest {
    private FakeProvider fake;
    private Arena arena;
    private MemorySegment context, sendCq, recvCq, qp;

    @BeforeEach
    void open() {
        NativeToolchain.assumeAvailable();
        fake = FakeProvider.get();
        fake.reset();
        arena = Arena.ofConfined();
        context = fake.open();
        sendCq = fake.createCq(context, 64);
        recvCq = fake.createCq(context, 64);
        qp = fake.createQp(context, sendCq, recvCq, 0x1234);
    }

    @AfterEach
    void close() {
        if (fake != null) {
            fake.destroyQp(qp);
            fake.destroyCq(sendCq);
            fake.destroyCq(recvCq);
            fake.close(context);
            arena.close();
        }
    }

    private MemorySegment buffer(int length, int seed) {
        MemorySegment b = arena.allocate(length, 64);
        for (int i = 0; i < length; i++) {
            b.set(ValueLayout.JAVA_BYTE, i, (byte) (seed + i));
        }
        return b;
    }

    @Test
    void postSendChainReachesTheProviderFieldByField() {
        MemorySegment wrs = ibv_send_wr.allocateArray(3, arena);
        MemorySegment sges = ibv_sge.allocateArray(4, arena);
        MemorySegment[] bufs = {buffer(60, 1), buffer(1514, 2), buffer(14, 3), buffer(100, 4)};
        int[] sgeOfWr = {0, 1, 3}; // wr1 has two SGEs (1 and 2)
        for (int s = 0; s < 4; s++) {
            MemorySegment sge = ibv_sge.asSlice(sges, s);
            ibv_sge.addr(sge, bufs[s].address());
            ibv_sge.length(sge, (int) bufs[s].byteSize());
            ibv_sge.lkey(sge, 0xABC0 + s);
        }
        int[] flags = {verbs_h.IBV_SEND_INLINE() | verbs_h.IBV_SEND_IP_CSUM(), verbs_h.IBV_SEND_IP_CSUM(),
                verbs_h.IBV_SEND_SIGNALED()};
        for (int w = 0; w < 3; w++) {
            MemorySegment wr = ibv_send_wr.asSlice(wrs, w);
            ibv_send_wr.wr_id(wr, 1000L + w);
            ibv_send_wr.next(wr, w < 2 ? ibv_send_wr.asSlice(wrs, w + 1) : MemorySegment.NULL);
            ibv_send_wr.sg_list(wr, ibv_sge.asSlice(sges, sgeOfWr[w]));
            ibv_send_wr.num_sge(wr, w == 1 ? 2 : 1);
            ibv_send_wr.opcode(wr, verbs_h.IBV_WR_SEND());
            ibv_send_wr.send_flags(wr, flags[w]);
        }
        MemorySegment bad = arena.allocate(ValueLayout.ADDRESS);

        assertEquals(0, InlineVerbs.ibv_post_send(qp, wrs, bad));

        assertEquals(1, fake.sendCalls());
        assertEquals(3, fake.sendCount());
        for (int w = 0; w < 3; w++) {
            MemorySegment r = fake.sendRecord(w);
            MemorySegment wr = ibv_send_wr.asSlice(wrs, w);
            assertEquals(1000L + w, u64(r, REC_WR_ID), "wr_id");
            assertEquals(wr.address(), u64(r, REC_SELF), "the provider walked our WR array");
            assertEquals(w < 2 ? ibv_send_wr.asSlice(wrs, w + 1).address() : 0L, u64(r, REC_NEXT), "next chain");
            assertEquals(w, u64(r, REC_CHAIN_POS));
            assertEquals(w == 1 ? 2 : 1, u64(r, REC_NUM_SGE), "num_sge");
            assertEquals(verbs_h.IBV_WR_SEND(), u64(r, REC_OPCODE), "opcode");
            assertEquals(flags[w], u64(r, REC_SEND_FLAGS), "send_flags");
            for (int s = 0; s < u64(r, REC_NUM_SGE); s++) {
                int sgeIndex = sgeOfWr[w] + s;
                assertEquals(bufs[sgeIndex].address(), sgeAddr(r, s), "sge addr");
                assertEquals(bufs[sgeIndex].byteSize(), sgeLength(r, s), "sge length");
                assertEquals(0xABC0 + sgeIndex, sgeLkey(r, s), "sge lkey");
            }
            assertArrayEquals(bufs[sgeOfWr[w]].asSlice(0, 14).toArray(ValueLayout.JAVA_BYTE), data(r, 14), "payload bytes");
        }
    }

    @Test
    void postSendFailureReportsTheBadWorkRequest() {
        MemorySegment wrs = ibv_send_wr.allocateArray(3, arena);
        for (int w = 0; w < 3; w++) {
            MemorySegment wr = ibv_send_wr.asSlice(wrs, w);
            ibv_send_wr.wr_id(wr, w);
            ibv_send_wr.next(wr, w < 2 ? ibv_send_wr.asSlice(wrs, w + 1) : MemorySegment.NULL);
        }
        MemorySegment bad = arena.allocate(ValueLayout.ADDRESS);
        fake.failSendAt(1, 12);

        assertEquals(12, InlineVerbs.ibv_post_send(qp, wrs, bad));
        assertEquals(ibv_send_wr.asSlice(wrs, 1).address(), bad.get(ValueLayout.ADDRESS, 0).address());
        assertEquals(1, fake.sendCount(), "the first WR was accepted before the failure");
    }

    @Test
    void postRecvChainReachesTheProvider() {
        MemorySegment wrs = ibv_recv_wr.allocateArray(2, arena);
        MemorySegment sges = ibv_sge.allocateArray(2, arena);
        MemorySegment buf = arena.allocate(4096, 4096);
        for (int w = 0; w < 2; w++) {
            MemorySegment sge = ibv_sge.asSlice(sges, w);
            ibv_sge.addr(sge, buf.address() + 2048L * w + 256);
            ibv_sge.length(sge, 1792);
            ibv_sge.lkey(sge, 77);
            MemorySegment wr = ibv_recv_wr.asSlice(wrs, w);
            ibv_recv_wr.wr_id(wr, 5 + w);
            ibv_recv_wr.next(wr, w == 0 ? ibv_recv_wr.asSlice(wrs, 1) : MemorySegment.NULL);
            ibv_recv_wr.sg_list(wr, sge);
            ibv_recv_wr.num_sge(wr, 1);
        }
        assertEquals(0, InlineVerbs.ibv_post_recv(qp, wrs, arena.allocate(ValueLayout.ADDRESS)));
        assertEquals(2, fake.recvCount());
        assertEquals(2, fake.rqPosted(qp));
        for (int w = 0; w < 2; w++) {
            MemorySegment r = fake.recvRecord(w);
            assertEquals(5 + w, u64(r, REC_WR_ID));
            assertEquals(1, u64(r, REC_NUM_SGE));
            assertEquals(buf.address() + 2048L * w + 256, sgeAddr(r, 0));
            assertEquals(1792, sgeLength(r, 0));
            assertEquals(77, sgeLkey(r, 0));
            assertEquals(w == 0 ? ibv_recv_wr.asSlice(wrs, 1).address() : 0, u64(r, REC_NEXT));
        }
    }

    @Test
    void pollCqDecodesCannedCompletions() {
        fake.pushWc(recvCq, 42, verbs_h.IBV_WC_SUCCESS(), verbs_h.IBV_WC_RECV(), 1514, verbs_h.IBV_WC_IP_CSUM_OK(), 0x1234);
        fake.pushWc(recvCq, 43, verbs_h.IBV_WC_WR_FLUSH_ERR(), verbs_h.IBV_WC_RECV(), 0, 0, 0x1234);
        fake.pushWc(recvCq, 44, verbs_h.IBV_WC_SUCCESS(), verbs_h.IBV_WC_RECV(), 60, 0, 0x1234);
        MemorySegment wc = ibv_wc.allocateArray(4, arena);

        assertEquals(2, InlineVerbs.ibv_poll_cq(recvCq, 2, wc), "num_entries limits the batch");
        MemorySegment first = ibv_wc.asSlice(wc, 0);
        assertEquals(42, ibv_wc.wr_id(first));
        assertEquals(verbs_h.IBV_WC_SUCCESS(), ibv_wc.status(first));
        assertEquals(verbs_h.IBV_WC_RECV(), ibv_wc.opcode(first));
        assertEquals(1514, ibv_wc.byte_len(first));
        assertEquals(verbs_h.IBV_WC_IP_CSUM_OK(), ibv_wc.wc_flags(first));
        assertEquals(0x1234, ibv_wc.qp_num(first));
        MemorySegment second = ibv_wc.asSlice(wc, 1);
        assertEquals(43, ibv_wc.wr_id(second));
        assertEquals(verbs_h.IBV_WC_WR_FLUSH_ERR(), ibv_wc.status(second));

        assertEquals(1, InlineVerbs.ibv_poll_cq(recvCq, 4, wc));
        assertEquals(44, ibv_wc.wr_id(ibv_wc.asSlice(wc, 0)));
        assertEquals(60, ibv_wc.byte_len(ibv_wc.asSlice(wc, 0)));
        assertEquals(0, InlineVerbs.ibv_poll_cq(recvCq, 4, wc), "empty CQ");
        assertEquals(0, InlineVerbs.ibv_poll_cq(sendCq, 4, wc), "the other CQ is separate");
    }

    @Test
    void reqNotifyGoesThroughOps() {
        assertEquals(0, InlineVerbs.ibv_req_notify_cq(recvCq, 1));
        assertEquals(1, fake.notifyCalls(recvCq));
        assertEquals(1, fake.lastSolicitedOnly(recvCq));
        assertEquals(0, fake.notifyCalls(sendCq));
    }

    @Test
    void flowsGoThroughTheVerbsContext() {
        MemorySegment attr = arena.allocate(ibv_flow_attr.SIZEOF + ibv_flow_spec_tcp_udp.SIZEOF, 8);
        ibv_flow_attr.type(attr, verbs_h.IBV_FLOW_ATTR_NORMAL());
        ibv_flow_attr.size(attr, (short) attr.byteSize());
        ibv_flow_attr.num_of_specs(attr, (byte) 1);
        ibv_flow_attr.port(attr, (byte) 1);
        MemorySegment spec = attr.asSlice(ibv_flow_attr.SIZEOF);
        ibv_flow_spec_tcp_udp.type(spec, verbs_h.IBV_FLOW_SPEC_UDP());
        ibv_flow_spec_tcp_udp.size(spec, (short) ibv_flow_spec_tcp_udp.SIZEOF);
        ibv_flow_spec_tcp_udp.val_dst_port(spec, Short.reverseBytes((short) 5001));
        ibv_flow_spec_tcp_udp.mask_dst_port(spec, (short) -1);

        assertNotEquals(MemorySegment.NULL, InlineVerbs.createFlowFunction(qp));
        MemorySegment flow = InlineVerbs.ibv_create_flow(qp, attr);
        assertNotEquals(MemorySegment.NULL, flow);
        assertEquals(1, fake.flowCount());
        assertArrayEquals(attr.toArray(ValueLayout.JAVA_BYTE), fake.flowAttr(0), "the provider got our attr and specs");
        assertEquals(0, InlineVerbs.ibv_destroy_flow(flow));
        assertTrue(fake.flowDestroyed(0));
    }

    @Test
    void withoutFlowSupportCreateFlowIsNullAndDestroyIsEopnotsupp() {
        fake.setFlowSupport(false);
        MemorySegment ctx = fake.open();
        MemorySegment q = fake.createQp(ctx, sendCq, recvCq, 1);
        try {
            assertEquals(MemorySegment.NULL, InlineVerbs.createFlowFunction(q));
            assertEquals(MemorySegment.NULL, InlineVerbs.ibv_create_flow(q, ibv_flow_attr.allocate(arena)));
            MemorySegment flow = ibv_flow.allocate(arena);
            ibv_flow.context(flow, ctx);
            assertEquals(InlineVerbs.EOPNOTSUPP, InlineVerbs.ibv_destroy_flow(flow));
            assertEquals(0, fake.flowCount());
        } finally {
            fake.destroyQp(q);
            fake.close(ctx);
        }
    }

    @Test
    void aContextThatIsNotExtendedHasNoVerbsContext() {
        MemorySegment plain = ibv_context.allocate(arena);
        assertEquals(MemorySegment.NULL, InlineVerbs.verbs_get_ctx(plain));
        MemorySegment vctx = InlineVerbs.verbs_get_ctx(context);
        assertEquals(context.address() - verbs_context.context$OFFSET, vctx.address());
        assertEquals(verbs_context.SIZEOF, verbs_context.sz(vctx), "the C side set sz = sizeof(struct verbs_context)");
    }

    @Test
    void queryPortUsesTheExtendedQueryPort() {
        MemorySegment attr = ibv_port_attr.allocate(arena);
        attr.fill((byte) 0x5A);
        assertEquals(0, InlineVerbs.ibv_query_port(context, (byte) 1, attr));
        assertEquals(verbs_h.IBV_PORT_ACTIVE(), ibv_port_attr.state(attr));
        assertEquals(verbs_h.IBV_LINK_LAYER_ETHERNET(), ibv_port_attr.link_layer(attr));
        assertEquals(16, ibv_port_attr.gid_tbl_len(attr));
        assertEquals(22, InlineVerbs.ibv_query_port(context, (byte) 2, attr), "EINVAL for a port the device lacks");
    }
}
