package io.flyover.linux.xdp;

import static io.flyover.linux.xdp.BpfAssembler.*;

/**
 * The XDP program for an interface shared with the kernel: only frames for the stack's own addresses
 * go to the AF_XDP socket of their queue; everything else passes to the kernel.
 *
 * <pre>
 * int xdp_steer(struct xdp_md *ctx) {
 *     void *data = ctx->data, *end = ctx->data_end;
 *     if (data + 42 > end) return XDP_PASS;
 *     switch (eth->h_proto) {
 *     case ETH_P_IP:   key4 = ip->daddr;          break;   // offset 30
 *     case ETH_P_ARP:  key4 = arp->ar_tip;        break;   // offset 38
 *     case ETH_P_IPV6: if (data + 54 > end) return XDP_PASS;
 *                      key6 = ip6->daddr;         goto v6; // offset 38, 16 bytes
 *     default: return XDP_PASS;
 *     }
 *     if (!bpf_map_lookup_elem(&amp;addrs4, &amp;key4)) return XDP_PASS;  goto redirect;
 * v6: if (!bpf_map_lookup_elem(&amp;addrs6, &amp;key6)) return XDP_PASS;
 * redirect:
 *     return bpf_redirect_map(&amp;xsks_map, ctx->rx_queue_index, XDP_PASS);
 * }
 * </pre>
 *
 * IPv6 neighbour solicitations go to the solicited-node multicast address, so the device adds that
 * address to {@code addrs6} next to each unicast one.
 */
final class XdpSteeringProgram {
    private static final int BPF_FUNC_MAP_LOOKUP_ELEM = 1;
    // EtherTypes as a little-endian u16 load of the big-endian field sees them
    private static final int ETH_P_IP_LE = 0x0008;
    private static final int ETH_P_ARP_LE = 0x0608;
    private static final int ETH_P_IPV6_LE = 0xDD86;

    private XdpSteeringProgram() {}

    static byte[] instructions(int xskMapFd, int addrs4Fd, int addrs6Fd) {
        BpfAssembler a = new BpfAssembler();
        a.xdpFrameOfAtLeast(42, "pass")                     // shorter than Ethernet + ARP: kernel's
         .jump(JEQ_K, R5, 0, ETH_P_IP_LE, "ipv4")
         .jump(JEQ_K, R5, 0, ETH_P_ARP_LE, "arp")
         .jump(JEQ_K, R5, 0, ETH_P_IPV6_LE, "ipv6")
         .jump(JA, 0, 0, 0, "pass")
         .label("ipv4")
         .insn(LDX_W, R7, R2, 30, 0)                        // IPv4 destination
         .jump(JA, 0, 0, 0, "lookup4")
         .label("arp")
         .insn(LDX_W, R7, R2, 38, 0)                        // ARP target protocol address
         .label("lookup4")
         .insn(STX_W, R10, R7, -4, 0)
         .loadMap(R1, addrs4Fd)
         .insn(MOV64_X, R2, R10, 0, 0)
         .insn(ADD64_K, R2, 0, 0, -4)
         .insn(CALL, 0, 0, 0, BPF_FUNC_MAP_LOOKUP_ELEM)
         .jump(JEQ_K, R0, 0, 0, "pass")
         .jump(JA, 0, 0, 0, "redirect")
         .label("ipv6")
         .insn(MOV64_X, R4, R2, 0, 0)
         .insn(ADD64_K, R4, 0, 0, 54)
         .jump(JGT_X, R4, R3, 0, "pass")
         .insn(LDX_DW, R7, R2, 38, 0)                       // IPv6 destination, first half
         .insn(STX_DW, R10, R7, -16, 0)
         .insn(LDX_DW, R7, R2, 46, 0)                       // second half
         .insn(STX_DW, R10, R7, -8, 0)
         .loadMap(R1, addrs6Fd)
         .insn(MOV64_X, R2, R10, 0, 0)
         .insn(ADD64_K, R2, 0, 0, -16)
         .insn(CALL, 0, 0, 0, BPF_FUNC_MAP_LOOKUP_ELEM)
         .jump(JEQ_K, R0, 0, 0, "pass");
        return XdpRedirectProgram.redirectOrPass(a, xskMapFd).assemble();
    }
}
