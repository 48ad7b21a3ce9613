package io.flyover.verbs;

import io.flyover.stack.device.FlowRule;
import io.flyover.verbs.bindings.ibv_flow_attr;
import io.flyover.verbs.bindings.ibv_flow_spec_eth;
import io.flyover.verbs.bindings.ibv_flow_spec_ipv4;
import io.flyover.verbs.bindings.ibv_flow_spec_ipv6;
import io.flyover.verbs.bindings.ibv_flow_spec_tcp_udp;
import io.flyover.verbs.bindings.verbs_h;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link FlowRule} into {@code struct ibv_flow_attr} buffers, each followed by its specs
 * (Ethernet, IPv4 or IPv6, TCP or UDP), as libvma does for its RAW_PACKET rings. Filter values are in
 * network byte order, as the kernel expects. A rule without any address matches both IP versions and
 * becomes two attrs.
 *
 * <p>Ethernet: the destination MAC is the device's own for unicast, or the group's mapped MAC for a
 * multicast local address (RFC 1112 section 6.4: 01:00:5e + low 23 bits; RFC 2464 section 7:
 * 33:33 + low 32 bits), matched with the EtherType.
 */
final class FlowSpecs {
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private FlowSpecs() {}

    /** The attrs (each with its specs) that together steer {@code rule} to the queue pair. */
    static List<MemorySegment> build(FlowRule rule, long deviceMac, int port, SegmentAllocator allocator) {
        byte[] local = rule.localAddress();
        byte[] remote = rule.remoteAddress();
        int version = local != null ? local.length : remote != null ? remote.length : 0;
        if (local != null && remote != null && local.length != remote.length) {
            throw new IllegalArgumentException("local and remote addresses of different IP versions: " + rule);
        }
        List<MemorySegment> attrs = new ArrayList<>(2);
        if (version == 0 || version == 4) {
            attrs.add(build(rule, local, remote, false, deviceMac, port, allocator));
        }
        if (version == 0 || version == 16) {
            attrs.add(build(rule, local, remote, true, deviceMac, port, allocator));
        }
        return attrs;
    }

    private static MemorySegment build(FlowRule rule, byte[] local, byte[] remote, boolean ipv6, long deviceMac, int port,
                                       SegmentAllocator allocator) {
        long ipSize = ipv6 ? ibv_flow_spec_ipv6.SIZEOF : ibv_flow_spec_ipv4.SIZEOF;
        long size = ibv_flow_attr.SIZEOF + ibv_flow_spec_eth.SIZEOF + ipSize + ibv_flow_spec_tcp_udp.SIZEOF;
        MemorySegment attr = allocator.allocate(size, 8);
        attr.fill((byte) 0);
        ibv_flow_attr.type(attr, verbs_h.IBV_FLOW_ATTR_NORMAL());
        ibv_flow_attr.size(attr, (short) size);
        ibv_flow_attr.priority(attr, (short) 0);
        ibv_flow_attr.num_of_specs(attr, (byte) 3);
        ibv_flow_attr.port(attr, (byte) port);

        MemorySegment eth = attr.asSlice(ibv_flow_attr.SIZEOF, ibv_flow_spec_eth.SIZEOF);
        ibv_flow_spec_eth.type(eth, verbs_h.IBV_FLOW_SPEC_ETH());
        ibv_flow_spec_eth.size(eth, (short) ibv_flow_spec_eth.SIZEOF);
        long mac = local != null && FlowRule.isMulticast(local) ? multicastMac(local) : deviceMac;
        writeMac(ibv_flow_spec_eth.val_dst_mac(eth), mac);
        writeMac(ibv_flow_spec_eth.mask_dst_mac(eth), 0xFFFF_FFFF_FFFFL);
        eth.set(BE16, ibv_flow_spec_eth.val_ether_type$OFFSET, (short) (ipv6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4));
        eth.set(BE16, ibv_flow_spec_eth.mask_ether_type$OFFSET, (short) 0xFFFF);

        MemorySegment ip = attr.asSlice(ibv_flow_attr.SIZEOF + ibv_flow_spec_eth.SIZEOF, ipSize);
        if (ipv6) {
            ibv_flow_spec_ipv6.type(ip, verbs_h.IBV_FLOW_SPEC_IPV6());
            ibv_flow_spec_ipv6.size(ip, (short) ipSize);
            putAddress(ip, ibv_flow_spec_ipv6.val_dst_ip$OFFSET, ibv_flow_spec_ipv6.mask_dst_ip$OFFSET, local);
            putAddress(ip, ibv_flow_spec_ipv6.val_src_ip$OFFSET, ibv_flow_spec_ipv6.mask_src_ip$OFFSET, remote);
        } else {
            ibv_flow_spec_ipv4.type(ip, verbs_h.IBV_FLOW_SPEC_IPV4());
            ibv_flow_spec_ipv4.size(ip, (short) ipSize);
            putAddress(ip, ibv_flow_spec_ipv4.val_dst_ip$OFFSET, ibv_flow_spec_ipv4.mask_dst_ip$OFFSET, local);
            putAddress(ip, ibv_flow_spec_ipv4.val_src_ip$OFFSET, ibv_flow_spec_ipv4.mask_src_ip$OFFSET, remote);
        }

        MemorySegment l4 = attr.asSlice(ibv_flow_attr.SIZEOF + ibv_flow_spec_eth.SIZEOF + ipSize, ibv_flow_spec_tcp_udp.SIZEOF);
        ibv_flow_spec_tcp_udp.type(l4, rule.ipProtocol() == 6 ? verbs_h.IBV_FLOW_SPEC_TCP() : verbs_h.IBV_FLOW_SPEC_UDP());
        ibv_flow_spec_tcp_udp.size(l4, (short) ibv_flow_spec_tcp_udp.SIZEOF);
        if (rule.localPort() != 0) {
            l4.set(BE16, ibv_flow_spec_tcp_udp.val_dst_port$OFFSET, (short) rule.localPort());
            l4.set(BE16, ibv_flow_spec_tcp_udp.mask_dst_port$OFFSET, (short) 0xFFFF);
        }
        if (rule.remotePort() != 0) {
            l4.set(BE16, ibv_flow_spec_tcp_udp.val_src_port$OFFSET, (short) rule.remotePort());
            l4.set(BE16, ibv_flow_spec_tcp_udp.mask_src_port$OFFSET, (short) 0xFFFF);
        }
        return attr;
    }

    private static void putAddress(MemorySegment spec, long valueOffset, long maskOffset, byte[] address) {
        if (address == null) {
            return; // mask stays zero: any address
        }
        MemorySegment.copy(address, 0, spec, ValueLayout.JAVA_BYTE, valueOffset, address.length);
        spec.asSlice(maskOffset, address.length).fill((byte) 0xFF);
    }

    /** RFC 1112 section 6.4 and RFC 2464 section 7. */
    static long multicastMac(byte[] group) {
        if (group.length == 4) {
            return 0x01005E00_0000L | ((group[1] & 0x7FL) << 16) | ((group[2] & 0xFFL) << 8) | (group[3] & 0xFFL);
        }
        return 0x3333_0000_0000L | ((group[12] & 0xFFL) << 24) | ((group[13] & 0xFFL) << 16) | ((group[14] & 0xFFL) << 8)
                | (group[15] & 0xFFL);
    }

    private static void writeMac(MemorySegment six, long mac) {
        for (int i = 0; i < 6; i++) {
            six.set(ValueLayout.JAVA_BYTE, i, (byte) (mac >>> (40 - 8 * i)));
        }
    }
}
