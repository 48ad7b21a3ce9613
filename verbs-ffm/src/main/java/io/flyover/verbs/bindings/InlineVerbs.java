package io.flyover.verbs.bindings;

import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Hand translations of the {@code static inline} functions of {@code <infiniband/verbs.h>}, which no
 * library exports and jextract cannot bind: they call through the function pointers the provider put
 * in {@code ibv_context.ops} or in the {@code verbs_context} that sits just before the
 * {@code ibv_context} in memory, exactly as the header does (line numbers: Debian libibverbs-dev 44.0).
 *
 * <p>Each call reads the function pointer anew, as the C does. A data path resolves the pointers once
 * ({@link #postSendFunction} and friends) and calls the function-pointer classes' {@code invoke}
 * directly, which allocates nothing.
 */
@SuppressWarnings("restricted") // FFM: raw pointers from native code
public final class InlineVerbs {
    /** {@code __VERBS_ABI_IS_EXTENDED}: {@code (void *) UINTPTR_MAX} in {@code ibv_context.abi_compat}. */
    public static final long VERBS_ABI_IS_EXTENDED = -1L;
    /** What {@code ibv_destroy_flow} returns, and {@code ibv_create_flow} leaves in errno, without support. */
    public static final int EOPNOTSUPP = 95;

    private static final MethodHandle CREATE_FLOW_CAPTURING_ERRNO =
            Linker.nativeLinker().downcallHandle(verbs_context.ibv_create_flow.DESC, verbs_h.CAPTURE_ERRNO);

    private InlineVerbs() {}

    /** The {@code struct ibv_context} a {@code ibv_qp}, {@code ibv_cq}, {@code ibv_pd} points to (member at offset 0). */
    static MemorySegment contextOf(MemorySegment object) {
        return object.reinterpret(ValueLayout.ADDRESS.byteSize()).get(ValueLayout.ADDRESS, 0).reinterpret(ibv_context.SIZEOF);
    }

    private static MemorySegment opsFunction(MemorySegment context, long opOffset) {
        return context.get(ValueLayout.ADDRESS, ibv_context.ops$OFFSET + opOffset);
    }

    /** {@code qp->context->ops.post_send}. */
    public static MemorySegment postSendFunction(MemorySegment qp) {
        return opsFunction(contextOf(qp), ibv_context_ops.post_send$OFFSET);
    }

    /** {@code qp->context->ops.post_recv}. */
    public static MemorySegment postRecvFunction(MemorySegment qp) {
        return opsFunction(contextOf(qp), ibv_context_ops.post_recv$OFFSET);
    }

    /** {@code cq->context->ops.poll_cq}. */
    public static MemorySegment pollCqFunction(MemorySegment cq) {
        return opsFunction(contextOf(cq), ibv_context_ops.poll_cq$OFFSET);
    }

    /** {@code cq->context->ops.req_notify_cq}. */
    public static MemorySegment reqNotifyCqFunction(MemorySegment cq) {
        return opsFunction(contextOf(cq), ibv_context_ops.req_notify_cq$OFFSET);
    }

    /** verbs.h:3339 {@code ibv_post_send}: {@code qp->context->ops.post_send(qp, wr, bad_wr)}. */
    public static int ibv_post_send(MemorySegment qp, MemorySegment wr, MemorySegment badWr) {
        return ibv_context_ops.post_send.invoke(postSendFunction(qp), qp, wr, badWr);
    }

    /** verbs.h:3348 {@code ibv_post_recv}: {@code qp->context->ops.post_recv(qp, wr, bad_wr)}. */
    public static int ibv_post_recv(MemorySegment qp, MemorySegment wr, MemorySegment badWr) {
        return ibv_context_ops.post_recv.invoke(postRecvFunction(qp), qp, wr, badWr);
    }

    /** verbs.h:2886 {@code ibv_poll_cq}: {@code cq->context->ops.poll_cq(cq, num_entries, wc)}. */
    public static int ibv_poll_cq(MemorySegment cq, int numEntries, MemorySegment wc) {
        return ibv_context_ops.poll_cq.invoke(pollCqFunction(cq), cq, numEntries, wc);
    }

    /** verbs.h:2900 {@code ibv_req_notify_cq}: {@code cq->context->ops.req_notify_cq(cq, solicited_only)}. */
    public static int ibv_req_notify_cq(MemorySegment cq, int solicitedOnly) {
        return ibv_context_ops.req_notify_cq.invoke(reqNotifyCqFunction(cq), cq, solicitedOnly);
    }

    /**
     * verbs.h:2173 {@code verbs_get_ctx}: the {@code verbs_context} containing {@code context}, or
     * {@link MemorySegment#NULL} when {@code context->abi_compat} is not {@code __VERBS_ABI_IS_EXTENDED}.
     */
    public static MemorySegment verbs_get_ctx(MemorySegment context) {
        MemorySegment ctx = context.reinterpret(ibv_context.SIZEOF);
        if (ctx.get(ValueLayout.ADDRESS, ibv_context.abi_compat$OFFSET).address() != VERBS_ABI_IS_EXTENDED) {
            return MemorySegment.NULL;
        }
        return MemorySegment.ofAddress(ctx.address() - verbs_context.context$OFFSET).reinterpret(verbs_context.SIZEOF);
    }

    /**
     * verbs.h:2183 {@code verbs_get_ctx_op(ctx, op)}: the {@code verbs_context} if it is extended, its
     * {@code sz} covers the member at {@code opOffset}, and that function pointer is set; else NULL.
     */
    public static MemorySegment verbs_get_ctx_op(MemorySegment context, long opOffset) {
        MemorySegment vctx = verbs_get_ctx(context);
        if (vctx.equals(MemorySegment.NULL)
                || verbs_context.sz(vctx) < verbs_context.SIZEOF - opOffset
                || vctx.get(ValueLayout.ADDRESS, opOffset).equals(MemorySegment.NULL)) {
            return MemorySegment.NULL;
        }
        return vctx;
    }

    /** {@code verbs_get_ctx_op(qp->context, ibv_create_flow)->ibv_create_flow}, or NULL without support. */
    public static MemorySegment createFlowFunction(MemorySegment qp) {
        MemorySegment vctx = verbs_get_ctx_op(contextOf(qp), verbs_context.ibv_create_flow$OFFSET);
        return vctx.equals(MemorySegment.NULL) ? MemorySegment.NULL : verbs_context.ibv_create_flow(vctx);
    }

    /** {@code verbs_get_ctx_op(flow->context, ibv_destroy_flow)->ibv_destroy_flow}, or NULL without support. */
    public static MemorySegment destroyFlowFunction(MemorySegment flow) {
        MemorySegment context = ibv_flow.context(flow.reinterpret(ibv_flow.SIZEOF));
        MemorySegment vctx = verbs_get_ctx_op(context, verbs_context.ibv_destroy_flow$OFFSET);
        return vctx.equals(MemorySegment.NULL) ? MemorySegment.NULL : verbs_context.ibv_destroy_flow(vctx);
    }

    /**
     * verbs.h:2444 {@code ibv_create_flow}. Returns NULL on failure; where the C sets errno to
     * EOPNOTSUPP because the provider has no flow steering, this returns NULL without calling anything
     * (check {@link #createFlowFunction} to tell the cases apart).
     */
    public static MemorySegment ibv_create_flow(MemorySegment qp, MemorySegment flowAttr) {
        MemorySegment fp = createFlowFunction(qp);
        if (fp.equals(MemorySegment.NULL)) {
            return MemorySegment.NULL;
        }
        return verbs_context.ibv_create_flow.invoke(fp, qp, flowAttr);
    }

    /**
     * {@code ibv_create_flow} with the errno it leaves captured in {@code errnoState}
     * ({@link verbs_h#errnoState}): EOPNOTSUPP when the provider has no flow steering, as the C sets it.
     */
    public static MemorySegment ibv_create_flow(MemorySegment errnoState, MemorySegment qp, MemorySegment flowAttr) {
        MemorySegment fp = createFlowFunction(qp);
        if (fp.equals(MemorySegment.NULL)) {
            verbs_h.errno(errnoState, EOPNOTSUPP);
            return MemorySegment.NULL;
        }
        verbs_h.errno(errnoState, 0);
        try {
            return (MemorySegment) CREATE_FLOW_CAPTURING_ERRNO.invokeExact(fp, errnoState, qp, flowAttr);
        } catch (Throwable t) {
            throw new AssertionError("should not reach here", t);
        }
    }

    /** verbs.h:2457 {@code ibv_destroy_flow}: 0, an errno, or {@link #EOPNOTSUPP}. */
    public static int ibv_destroy_flow(MemorySegment flow) {
        MemorySegment fp = destroyFlowFunction(flow);
        if (fp.equals(MemorySegment.NULL)) {
            return EOPNOTSUPP;
        }
        return verbs_context.ibv_destroy_flow.invoke(fp, flow);
    }

    /**
     * verbs.h:2363 {@code ___ibv_query_port}, which the macro {@code ibv_query_port} expands to: through
     * {@code verbs_context.query_port} with the size of the caller's struct, or else the exported
     * compatibility symbol over a zeroed struct.
     */
    public static int ibv_query_port(MemorySegment context, byte portNum, MemorySegment portAttr) {
        MemorySegment vctx = verbs_get_ctx_op(context, verbs_context.query_port$OFFSET);
        if (vctx.equals(MemorySegment.NULL)) {
            portAttr.asSlice(0, ibv_port_attr.SIZEOF).fill((byte) 0);
            return verbs_h.ibv_query_port(context, portNum, portAttr);
        }
        return verbs_context.query_port.invoke(verbs_context.query_port(vctx), context, portNum, portAttr, ibv_port_attr.SIZEOF);
    }
}
