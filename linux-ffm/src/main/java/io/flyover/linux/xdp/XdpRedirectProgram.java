package io.flyover.linux.xdp;

import static io.flyover.linux.xdp.BpfAssembler.*;

/**
 * The XDP program Flyover attaches, hand-assembled so that no compiler is needed at run time:
 *
 * <pre>
 * int xdp_sock_prog(struct xdp_md *ctx) {
 *     return bpf_redirect_map(&amp;xsks_map, ctx-&gt;rx_queue_index, XDP_PASS);
 * }
 * </pre>
 *
 * Every frame of a queue with a socket in {@code xsks_map} goes to that socket; queues without one
 * (and every frame if the map lookup fails) pass to the kernel. The map's fd is patched into the
 * {@code BPF_LD | BPF_IMM | BPF_DW} instruction with {@code src_reg = BPF_PSEUDO_MAP_FD}, which the
 * kernel replaces with the map's address at load time (Documentation/bpf/standardization/instruction-set.rst).
 */
public final class XdpRedirectProgram {
    /** offsetof(struct xdp_md, rx_queue_index). */
    private static final int XDP_MD_RX_QUEUE_INDEX = 16;
    /** BPF_FUNC_redirect_map. */
    private static final int BPF_FUNC_REDIRECT_MAP = 51;
    /** enum xdp_action: XDP_PASS, returned when the queue has no socket. */
    public static final int XDP_PASS = 2;

    public static final String LICENSE = "GPL";

    private XdpRedirectProgram() {}

    /** The program's bytecode with {@code xskMapFd} patched in; 6 instructions of 8 bytes. */
    public static byte[] instructions(int xskMapFd) {
        return new BpfAssembler()
                .insn(LDX_W, R2, R1, XDP_MD_RX_QUEUE_INDEX, 0)  // r2 = ctx->rx_queue_index
                .loadMap(R1, xskMapFd)                           // r1 = &xsks_map (ld_imm64, 2 slots)
                .insn(MOV64_K, R3, 0, 0, XDP_PASS)               // r3 = action when the key has no socket
                .insn(CALL, 0, 0, 0, BPF_FUNC_REDIRECT_MAP)      // r0 = bpf_redirect_map(r1, r2, r3)
                .insn(EXIT, 0, 0, 0, 0)                          // return r0
                .assemble();
    }

    /**
     * The end the steering programs share: label {@code redirect} sends the frame to the socket of its
     * queue ({@code ctx} kept in {@code R6}), label {@code pass} hands it to the kernel.
     */
    static BpfAssembler redirectOrPass(BpfAssembler a, int xskMapFd) {
        return a.label("redirect")
                .insn(LDX_W, R2, R6, XDP_MD_RX_QUEUE_INDEX, 0)  // ctx->rx_queue_index
                .loadMap(R1, xskMapFd)
                .insn(MOV64_K, R3, 0, 0, XDP_PASS)
                .insn(CALL, 0, 0, 0, BPF_FUNC_REDIRECT_MAP)
                .insn(EXIT, 0, 0, 0, 0)
                .label("pass")
                .insn(MOV64_K, R0, 0, 0, XDP_PASS)
                .insn(EXIT, 0, 0, 0, 0);
    }
}
