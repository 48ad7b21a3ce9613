package io.flyover.linux.xdp;

import static io.flyover.linux.xdp.BpfAssembler.*;

import io.flyover.stack.device.FlowRule;

/**
 * The XDP program for per-port steering (as XLIO installs a flow rule per listening, bound and
 * connected socket): only TCP and UDP frames whose (destination address, protocol, destination port)
 * the stack holds go to the AF_XDP socket of their queue; everything else passes to the kernel, which
 * keeps ARP, ICMP, ICMPv6 and neighbour discovery, IGMP and every other port.
 *
 * <pre>
 * struct port_key { u8 addr[16]; u8 proto; u8 zero; __be16 port; };   // 20 bytes
 *
 * int xdp_ports(struct xdp_md *ctx) {
 *     void *data = ctx->data, *end = ctx->data_end;
 *     struct port_key key;
 *     if (data + 34 > end) return XDP_PASS;                  // Ethernet + the smallest IPv4 header
 *     switch (eth->h_proto) {
 *     case ETH_P_IP:
 *         if (ip->protocol != IPPROTO_TCP &amp;&amp; ip->protocol != IPPROTO_UDP) return XDP_PASS;
 *         if (ip->frag_off &amp; htons(IP_MF | IP_OFFSET)) return XDP_PASS;  // any fragment: the kernel's
 *         ihl = (ip->ihl &amp; 0xf) * 4;
 *         if (ihl &lt; 20) return XDP_PASS;
 *         l4 = data + 14 + ihl;
 *         if (l4 + 4 > end) return XDP_PASS;
 *         key.addr = ::ffff:ip->daddr;                         // IPv4-mapped (RFC 4291 section 2.5.5.2)
 *         key.proto = ip->protocol;
 *         break;
 *     case ETH_P_IPV6:
 *         if (data + 58 > end) return XDP_PASS;                // Ethernet + IPv6 + the ports
 *         if (ip6->nexthdr != IPPROTO_TCP &amp;&amp; ip6->nexthdr != IPPROTO_UDP) return XDP_PASS;  // extension headers too
 *         l4 = data + 54;
 *         key.addr = ip6->daddr;
 *         key.proto = ip6->nexthdr;
 *         break;
 *     default: return XDP_PASS;
 *     }
 *     key.zero = 0; key.port = port = ((struct udphdr *) l4)->dest;  // TCP and UDP both: bytes 2-3
 *     if (bpf_map_lookup_elem(&amp;ports, &amp;key)) goto redirect;    // this address and port
 *     key.port = 0;
 *     if (bpf_map_lookup_elem(&amp;ports, &amp;key)) goto redirect;    // any port of this address (a multicast group)
 *     memset(key.addr, 0, 16); key.port = port;
 *     if (bpf_map_lookup_elem(&amp;ports, &amp;key)) goto redirect;    // this port of any address (a wildcard bind)
 *     return XDP_PASS;
 * redirect:
 *     return bpf_redirect_map(&amp;xsks_map, ctx->rx_queue_index, XDP_PASS);
 * }
 * </pre>
 *
 * Fragments of IPv4 datagrams all pass: only the first one carries the ports, and a datagram must be
 * reassembled in one place (RFC 791 section 3.2), so the kernel gets every fragment. IPv6 frames whose
 * next header is not directly TCP or UDP (extension headers, a Fragment header) pass too.
 */
final class XdpPortSteeringProgram {
    /** sizeof(struct port_key). */
    static final int KEY_SIZE = 20;
    private static final int BPF_FUNC_MAP_LOOKUP_ELEM = 1;
    // EtherTypes as a little-endian u16 load of the big-endian field sees them
    private static final int ETH_P_IP_LE = 0x0008;
    private static final int ETH_P_IPV6_LE = 0xDD86;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    /** htons(IP_MF | IP_OFFSET) = htons(0x3fff) as a little-endian u16 load sees it. */
    private static final int FRAGMENT_BITS_LE = 0xff3f;
    /** Bytes 8-11 of an IPv4-mapped address, 00 00 ff ff, as a little-endian u32. */
    private static final int MAPPED_PREFIX_LE = 0xffff0000;
    /** The key on the BPF stack: r10 - 24 .. r10 - 5. */
    private static final int KEY = -24;

    private XdpPortSteeringProgram() {}

    static byte[] instructions(int xskMapFd, int portsFd) {
        BpfAssembler a = new BpfAssembler();
        a.xdpFrameOfAtLeast(34, "pass")                     // shorter than Ethernet + IPv4: the kernel's
         .jump(JEQ_K, R5, 0, ETH_P_IP_LE, "ipv4")
         .jump(JEQ_K, R5, 0, ETH_P_IPV6_LE, "ipv6")
         .jump(JA, 0, 0, 0, "pass")

         .label("ipv4")
         .insn(LDX_B, R7, R2, 23, 0)                        // r7 = ip->protocol
         .jump(JEQ_K, R7, 0, IPPROTO_TCP, "ipv4_transport")
         .jump(JNE_K, R7, 0, IPPROTO_UDP, "pass")
         .label("ipv4_transport")
         .insn(LDX_H, R5, R2, 20, 0)                        // r5 = ip->frag_off
         .jump(JSET_K, R5, 0, FRAGMENT_BITS_LE, "pass")     // a fragment
         .insn(ST_DW, R10, 0, KEY, 0)                       // key.addr = ::ffff:daddr
         .insn(ST_W, R10, 0, KEY + 8, MAPPED_PREFIX_LE)
         .insn(LDX_W, R4, R2, 30, 0)
         .insn(STX_W, R10, R4, KEY + 12, 0)
         .insn(LDX_B, R5, R2, 14, 0)                        // r5 = ihl * 4
         .insn(AND64_K, R5, 0, 0, 0x0f)
         .insn(LSH64_K, R5, 0, 0, 2)
         .jump(JLT_K, R5, 0, 20, "pass")                    // a malformed header: the kernel drops it
         .insn(ADD64_X, R2, R5, 0, 0)                       // r2 = data + ihl (14 .. 74 bytes before l4)
         .insn(MOV64_X, R4, R2, 0, 0)
         .insn(ADD64_K, R4, 0, 0, 14 + 4)
         .jump(JGT_X, R4, R3, 0, "pass")                    // the ports are beyond the frame
         .insn(LDX_H, R5, R2, 14 + 2, 0)                    // r5 = destination port
         .jump(JA, 0, 0, 0, "key")

         .label("ipv6")
         .insn(MOV64_X, R4, R2, 0, 0)
         .insn(ADD64_K, R4, 0, 0, 58)
         .jump(JGT_X, R4, R3, 0, "pass")
         .insn(LDX_B, R7, R2, 20, 0)                        // r7 = ip6->nexthdr
         .jump(JEQ_K, R7, 0, IPPROTO_TCP, "ipv6_transport")
         .jump(JNE_K, R7, 0, IPPROTO_UDP, "pass")
         .label("ipv6_transport")
         .insn(LDX_DW, R4, R2, 38, 0)                       // key.addr = ip6->daddr
         .insn(STX_DW, R10, R4, KEY, 0)
         .insn(LDX_DW, R4, R2, 46, 0)
         .insn(STX_DW, R10, R4, KEY + 8, 0)
         .insn(LDX_H, R5, R2, 54 + 2, 0)                    // r5 = destination port

         .label("key")
         .insn(MOV64_X, R8, R5, 0, 0)                       // r8 = key.proto, key.zero, key.port (survives calls)
         .insn(LSH64_K, R8, 0, 0, 16)
         .insn(OR64_X, R8, R7, 0, 0)
         .insn(STX_W, R10, R8, KEY + 16, 0)
         .loadMap(R1, portsFd)
         .insn(MOV64_X, R2, R10, 0, 0)
         .insn(ADD64_K, R2, 0, 0, KEY)
         .insn(CALL, 0, 0, 0, BPF_FUNC_MAP_LOOKUP_ELEM)
         .jump(JNE_K, R0, 0, 0, "redirect")
         .insn(STX_W, R10, R7, KEY + 16, 0)                 // any port of this address
         .loadMap(R1, portsFd)
         .insn(MOV64_X, R2, R10, 0, 0)
         .insn(ADD64_K, R2, 0, 0, KEY)
         .insn(CALL, 0, 0, 0, BPF_FUNC_MAP_LOOKUP_ELEM)
         .jump(JNE_K, R0, 0, 0, "redirect")
         .insn(ST_DW, R10, 0, KEY, 0)                       // this port of any address
         .insn(ST_DW, R10, 0, KEY + 8, 0)
         .insn(STX_W, R10, R8, KEY + 16, 0)
         .loadMap(R1, portsFd)
         .insn(MOV64_X, R2, R10, 0, 0)
         .insn(ADD64_K, R2, 0, 0, KEY)
         .insn(CALL, 0, 0, 0, BPF_FUNC_MAP_LOOKUP_ELEM)
         .jump(JEQ_K, R0, 0, 0, "pass");
        return XdpRedirectProgram.redirectOrPass(a, xskMapFd).assemble();
    }

    /**
     * The map key of a rule: {@code address} (4 or 16 bytes; null or all zeros for any address),
     * IPv4 as its IPv4-mapped IPv6 form; {@code port} 0 for any port (with an address only).
     */
    static byte[] key(int protocol, byte[] address, int port) {
        byte[] k = new byte[KEY_SIZE];
        if (address != null && !FlowRule.isAllZero(address)) {
            if (address.length == 4) {
                k[10] = (byte) 0xff;
                k[11] = (byte) 0xff;
                System.arraycopy(address, 0, k, 12, 4);
            } else {
                System.arraycopy(address, 0, k, 0, 16);
            }
        }
        k[16] = (byte) protocol;
        k[18] = (byte) (port >>> 8);
        k[19] = (byte) port;
        return k;
    }
}
