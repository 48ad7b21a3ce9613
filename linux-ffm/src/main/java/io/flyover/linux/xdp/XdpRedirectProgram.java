package io.flyover.linux.xdp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
    // Instruction classes, sizes, modes and operations (include/uapi/linux/bpf_common.h, bpf.h)
    private static final int BPF_LD = 0x00;
    private static final int BPF_LDX = 0x01;
    private static final int BPF_JMP = 0x05;
    private static final int BPF_ALU64 = 0x07;
    private static final int BPF_W = 0x00;
    private static final int BPF_DW = 0x18;
    private static final int BPF_IMM = 0x00;
    private static final int BPF_MEM = 0x60;
    private static final int BPF_MOV = 0xb0;
    private static final int BPF_K = 0x00;
    private static final int BPF_CALL = 0x80;
    private static final int BPF_EXIT = 0x90;
    private static final int BPF_PSEUDO_MAP_FD = 1;

    private static final int R0 = 0;
    private static final int R1 = 1;
    private static final int R2 = 2;
    private static final int R3 = 3;

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
        ByteBuffer b = ByteBuffer.allocate(6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        // r2 = *(u32 *)(r1 + offsetof(struct xdp_md, rx_queue_index))
        insn(b, BPF_LDX | BPF_W | BPF_MEM, R2, R1, XDP_MD_RX_QUEUE_INDEX, 0);
        // r1 = map_by_fd(xskMapFd): a 16-byte ld_imm64, the upper immediate in the second half
        insn(b, BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, xskMapFd);
        insn(b, 0, 0, 0, 0, 0);
        // r3 = XDP_PASS (the action when the key has no socket)
        insn(b, BPF_ALU64 | BPF_MOV | BPF_K, R3, 0, 0, XDP_PASS);
        // r0 = bpf_redirect_map(r1, r2, r3)
        insn(b, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_REDIRECT_MAP);
        // return r0
        insn(b, BPF_JMP | BPF_EXIT, R0, 0, 0, 0);
        return b.array();
    }

    /** struct bpf_insn { u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm; } (little-endian bitfields). */
    private static void insn(ByteBuffer b, int code, int dst, int src, int off, int imm) {
        b.put((byte) code).put((byte) ((src << 4) | dst)).putShort((short) off).putInt(imm);
    }
}
