package io.flyover.linux.xdp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of an eBPF assembler for Flyover's XDP programs: instructions as
 * {@code struct bpf_insn { u8 code; u8 dst:4, src:4; s16 off; s32 imm; }} (little-endian), jumps to
 * named labels resolved at the end (offsets count instructions after the jump; ld_imm64 takes two),
 * and map references patched as {@code BPF_PSEUDO_MAP_FD} ld_imm64
 * (Documentation/bpf/standardization/instruction-set.rst).
 */
final class BpfAssembler {
    // classes, sizes, modes, operations, sources
    static final int LDX_B = 0x71, LDX_W = 0x61, LDX_H = 0x69, LDX_DW = 0x79;
    static final int STX_W = 0x63, STX_DW = 0x7b, ST_W = 0x62, ST_DW = 0x7a;
    static final int MOV64_X = 0xbf, MOV64_K = 0xb7, ADD64_K = 0x07, ADD64_X = 0x0f;
    static final int AND64_K = 0x57, OR64_X = 0x4f, LSH64_K = 0x67;
    static final int JA = 0x05, JEQ_K = 0x15, JNE_K = 0x55, JLT_K = 0xa5, JSET_K = 0x45, JGT_X = 0x2d;
    static final int CALL = 0x85, EXIT = 0x95;
    private static final int LD_IMM64 = 0x18;
    private static final int BPF_PSEUDO_MAP_FD = 1;

    static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R10 = 10;

    private final List<int[]> insns = new ArrayList<>(); // {code, dst, src, off, imm}
    private final Map<String, Integer> labels = new HashMap<>();
    private final Map<Integer, String> fixups = new HashMap<>();

    BpfAssembler insn(int code, int dst, int src, int off, int imm) {
        insns.add(new int[] {code, dst, src, off, imm});
        return this;
    }

    /** A conditional or unconditional jump to {@code label}. */
    BpfAssembler jump(int code, int dst, int src, int imm, String label) {
        fixups.put(insns.size(), label);
        return insn(code, dst, src, 0, imm);
    }

    BpfAssembler label(String name) {
        if (labels.putIfAbsent(name, insns.size()) != null) {
            throw new IllegalArgumentException("label defined twice: " + name);
        }
        return this;
    }

    /**
     * An XDP program's start: r6 = ctx (kept across helper calls), r2 = ctx->data, r3 = ctx->data_end,
     * r5 = the Ethernet type (as loaded, little-endian); a frame shorter than {@code minLength} bytes
     * jumps to {@code tooShort}.
     */
    BpfAssembler xdpFrameOfAtLeast(int minLength, String tooShort) {
        return insn(MOV64_X, R6, R1, 0, 0)
                .insn(LDX_W, R2, R6, 0, 0)
                .insn(LDX_W, R3, R6, 4, 0)
                .insn(MOV64_X, R4, R2, 0, 0)
                .insn(ADD64_K, R4, 0, 0, minLength)
                .jump(JGT_X, R4, R3, 0, tooShort)
                .insn(LDX_H, R5, R2, 12, 0);
    }

    /** dst = the map whose fd is {@code mapFd} (a 16-byte ld_imm64 the kernel rewrites). */
    BpfAssembler loadMap(int dst, int mapFd) {
        insn(LD_IMM64, dst, BPF_PSEUDO_MAP_FD, 0, mapFd);
        return insn(0, 0, 0, 0, 0);
    }

    byte[] assemble() {
        ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int pc = 0; pc < insns.size(); pc++) {
            int[] i = insns.get(pc);
            int off = i[3];
            String target = fixups.get(pc);
            if (target != null) {
                Integer at = labels.get(target);
                if (at == null) {
                    throw new IllegalArgumentException("undefined label: " + target);
                }
                off = at - (pc + 1);
            }
            b.put((byte) i[0]).put((byte) ((i[2] << 4) | i[1])).putShort((short) off).putInt(i[4]);
        }
        return b.array();
    }
}
