package io.flyover.verbs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.udp.UdpSocket;
import io.flyover.verbs.bindings.ibv_flow_attr;
import io.flyover.verbs.bindings.ibv_flow_spec_eth;
import io.flyover.verbs.bindings.ibv_flow_spec_ipv4;
import io.flyover.verbs.bindings.ibv_flow_spec_ipv6;
import io.flyover.verbs.bindings.ibv_flow_spec_tcp_udp;
import io.flyover.verbs.bindings.verbs_h;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flow rules the device installs through the fake provider's {@code verbs_context.ibv_create_flow}:
 * the attr and specs the provider receives are decoded here byte by byte.
 */
class VerbsFlowRuleTest {
    static final long MAC = 0x02_11_22_33_44_55L;
    static final byte[] LOCAL4 = {(byte) 198, 18, 0, 1};
    static final byte[] REMOTE4 = {(byte) 198, 18, 0, 2};
    static final byte[] GROUP4 = {(byte) 239, (byte) 129, 2, 3};
    static final byte[] LOCAL6 = {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private FakeProvider fake;
    private FramePool pool;
    private FakeRawQueue queue;
    private VerbsNetDevice device;

    @BeforeEach
    void open() {
        NativeToolchain.assumeAvailable();
        fake = FakeProvider.get();
        fake.reset();
    }

    private void openDevice() {
        pool = FramePool.allocate(64);
        queue = new FakeRawQueue(fake, 16, 16, 64, true);
        device = new VerbsNetDevice("verbs:fake0", queue, pool, new DeviceCapabilities(MAC, 1500, 1, 1, Set.of()), 4);
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
            pool.checkAllReturned();
            pool.close();
        }
    }

    /** The provider's copy of flow {@code i}, little-endian like the host. */
    private ByteBuffer flow(int i) {
        return ByteBuffer.wrap(fake.flowAttr(i)).order(ByteOrder.nativeOrder());
    }

    private static byte[] bytes(ByteBuffer b, long offset, int n) {
        return Arrays.copyOfRange(b.array(), (int) offset, (int) offset + n);
    }

    private static int be16(ByteBuffer b, long offset) {
        return Short.toUnsignedInt(b.order(ByteOrder.BIG_ENDIAN).getShort((int) offset));
    }

    private static final byte[] ONES6 = {-1, -1, -1, -1, -1, -1};

    @Test
    void unicastUdpRuleHasEthIpv4AndUdpSpecsInNetworkOrder() {
        openDevice();
        device.addFlowRule(new FlowRule(17, LOCAL4, 5001, REMOTE4, 6001));
        assertEquals(1, fake.flowCount());
        ByteBuffer b = flow(0);
        long eth = ibv_flow_attr.SIZEOF;
        long ip = eth + ibv_flow_spec_eth.SIZEOF;
        long l4 = ip + ibv_flow_spec_ipv4.SIZEOF;
        assertEquals(l4 + ibv_flow_spec_tcp_udp.SIZEOF, fake.flowSize(0));
        assertEquals(verbs_h.IBV_FLOW_ATTR_NORMAL(), b.getInt((int) ibv_flow_attr.type$OFFSET));
        assertEquals(fake.flowSize(0), Short.toUnsignedInt(b.getShort((int) ibv_flow_attr.size$OFFSET)));
        assertEquals(3, b.get((int) ibv_flow_attr.num_of_specs$OFFSET));
        assertEquals(1, b.get((int) ibv_flow_attr.port$OFFSET));

        assertEquals(verbs_h.IBV_FLOW_SPEC_ETH(), b.getInt((int) (eth + ibv_flow_spec_eth.type$OFFSET)));
        assertEquals(ibv_flow_spec_eth.SIZEOF, b.getShort((int) (eth + ibv_flow_spec_eth.size$OFFSET)));
        assertArrayEquals(new byte[] {2, 0x11, 0x22, 0x33, 0x44, 0x55}, bytes(b, eth + ibv_flow_spec_eth.val_dst_mac$OFFSET, 6));
        assertArrayEquals(ONES6, bytes(b, eth + ibv_flow_spec_eth.mask_dst_mac$OFFSET, 6));
        assertArrayEquals(new byte[6], bytes(b, eth + ibv_flow_spec_eth.mask_src_mac$OFFSET, 6));
        assertEquals(0x0800, be16(b, eth + ibv_flow_spec_eth.val_ether_type$OFFSET));
        assertEquals(0xFFFF, be16(b, eth + ibv_flow_spec_eth.mask_ether_type$OFFSET));

        assertEquals(verbs_h.IBV_FLOW_SPEC_IPV4(), b.order(ByteOrder.nativeOrder()).getInt((int) (ip + ibv_flow_spec_ipv4.type$OFFSET)));
        assertEquals(ibv_flow_spec_ipv4.SIZEOF, b.getShort((int) (ip + ibv_flow_spec_ipv4.size$OFFSET)));
        assertArrayEquals(LOCAL4, bytes(b, ip + ibv_flow_spec_ipv4.val_dst_ip$OFFSET, 4));
        assertArrayEquals(REMOTE4, bytes(b, ip + ibv_flow_spec_ipv4.val_src_ip$OFFSET, 4));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, bytes(b, ip + ibv_flow_spec_ipv4.mask_dst_ip$OFFSET, 4));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, bytes(b, ip + ibv_flow_spec_ipv4.mask_src_ip$OFFSET, 4));

        assertEquals(verbs_h.IBV_FLOW_SPEC_UDP(), b.order(ByteOrder.nativeOrder()).getInt((int) (l4 + ibv_flow_spec_tcp_udp.type$OFFSET)));
        assertEquals(5001, be16(b, l4 + ibv_flow_spec_tcp_udp.val_dst_port$OFFSET));
        assertEquals(6001, be16(b, l4 + ibv_flow_spec_tcp_udp.val_src_port$OFFSET));
        assertEquals(0xFFFF, be16(b, l4 + ibv_flow_spec_tcp_udp.mask_dst_port$OFFSET));
        assertEquals(0xFFFF, be16(b, l4 + ibv_flow_spec_tcp_udp.mask_src_port$OFFSET));
        assertEquals(1, device.flowRuleCount());
    }

    @Test
    void listenRuleWithoutAddressCoversBothIpVersionsAndAnyRemote() {
        openDevice();
        device.addFlowRule(new FlowRule(6, null, 80, null, 0));
        assertEquals(2, fake.flowCount());
        ByteBuffer v4 = flow(0);
        ByteBuffer v6 = flow(1);
        long eth = ibv_flow_attr.SIZEOF;
        long ip = eth + ibv_flow_spec_eth.SIZEOF;
        assertEquals(0x0800, be16(v4, eth + ibv_flow_spec_eth.val_ether_type$OFFSET));
        assertEquals(0x86DD, be16(v6, eth + ibv_flow_spec_eth.val_ether_type$OFFSET));
        assertEquals(verbs_h.IBV_FLOW_SPEC_IPV6(), v6.order(ByteOrder.nativeOrder()).getInt((int) (ip + ibv_flow_spec_ipv6.type$OFFSET)));
        assertArrayEquals(new byte[4], bytes(v4, ip + ibv_flow_spec_ipv4.mask_dst_ip$OFFSET, 4), "any local address");
        assertArrayEquals(new byte[16], bytes(v6, ip + ibv_flow_spec_ipv6.mask_dst_ip$OFFSET, 16));
        long l4v6 = ip + ibv_flow_spec_ipv6.SIZEOF;
        assertEquals(verbs_h.IBV_FLOW_SPEC_TCP(), v6.order(ByteOrder.nativeOrder()).getInt((int) (l4v6 + ibv_flow_spec_tcp_udp.type$OFFSET)));
        assertEquals(80, be16(v6, l4v6 + ibv_flow_spec_tcp_udp.val_dst_port$OFFSET));
        assertEquals(0, be16(v6, l4v6 + ibv_flow_spec_tcp_udp.mask_src_port$OFFSET), "any remote port");

        device.removeFlowRule(new FlowRule(6, null, 80, null, 0));
        assertTrue(fake.flowDestroyed(0) && fake.flowDestroyed(1), "one rule, both flows removed");
        assertEquals(0, device.flowRuleCount());
    }

    @Test
    void multicastRulesMatchTheGroupMac() {
        openDevice();
        device.addFlowRule(new FlowRule(17, GROUP4, 7000, null, 0));
        byte[] group6 = {(byte) 0xff, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xaa, (byte) 0xbb, (byte) 0xcc, (byte) 0xdd};
        device.addFlowRule(new FlowRule(17, group6, 7000, null, 0));
        long eth = ibv_flow_attr.SIZEOF;
        // RFC 1112 6.4: 01:00:5e + the low 23 bits of 239.129.2.3 (the high bit of 129 is dropped).
        assertArrayEquals(new byte[] {1, 0, 0x5e, 1, 2, 3}, bytes(flow(0), eth + ibv_flow_spec_eth.val_dst_mac$OFFSET, 6));
        // RFC 2464 7: 33:33 + the low 32 bits.
        assertArrayEquals(new byte[] {0x33, 0x33, (byte) 0xaa, (byte) 0xbb, (byte) 0xcc, (byte) 0xdd},
                bytes(flow(1), eth + ibv_flow_spec_eth.val_dst_mac$OFFSET, 6));
        long ip = eth + ibv_flow_spec_eth.SIZEOF;
        assertArrayEquals(group6, bytes(flow(1), ip + ibv_flow_spec_ipv6.val_dst_ip$OFFSET, 16));
    }

    @Test
    void ipv6UnicastRule() {
        openDevice();
        device.addFlowRule(new FlowRule(6, LOCAL6, 443, null, 0));
        assertEquals(1, fake.flowCount());
        long ip = ibv_flow_attr.SIZEOF + ibv_flow_spec_eth.SIZEOF;
        assertArrayEquals(LOCAL6, bytes(flow(0), ip + ibv_flow_spec_ipv6.val_dst_ip$OFFSET, 16));
        assertArrayEquals(new byte[16], bytes(flow(0), ip + ibv_flow_spec_ipv6.mask_src_ip$OFFSET, 16));
    }

    @Test
    void addingTwiceInstallsOnceAndCloseRemovesTheRest() {
        openDevice();
        FlowRule a = new FlowRule(17, LOCAL4, 5001, null, 0);
        FlowRule b = new FlowRule(6, LOCAL4, 5002, null, 0);
        device.addFlowRule(a);
        device.addFlowRule(a);
        device.addFlowRule(b);
        assertEquals(2, fake.flowCount());
        device.removeFlowRule(a);
        assertTrue(fake.flowDestroyed(0));
        assertFalse(fake.flowDestroyed(1));
        device.close();
        assertTrue(fake.flowDestroyed(1), "close removes the rules left");
    }

    @Test
    void withoutFlowSteeringAddingARuleFailsClearly() {
        fake.setFlowSupport(false);
        openDevice();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> device.addFlowRule(new FlowRule(17, LOCAL4, 5001, null, 0)));
        assertTrue(e.getMessage().contains("no flow steering"), e.getMessage());
        assertEquals(0, device.flowRuleCount());
    }

    /**
     * What the hardware would see from a whole stack: listening and binding install the rules (a
     * wildcard listener: one flow per IP version), closing removes them.
     */
    @Test
    void aStackOverTheDeviceSteersThePortsItsSocketsHold() throws Exception {
        openDevice();
        Stack stack = new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).build(), device, new SeededRandom(3));
        TcpListener listener = stack.tcp().listen(0, 0, 80, 8, null);
        assertEquals(2, fake.flowCount(), "TCP port 80 on any address: an IPv4 and an IPv6 flow");
        UdpSocket udp = stack.openUdp();
        udp.bind(IpAddress.parse("198.18.0.1"), 5001);
        assertEquals(3, fake.flowCount());
        assertArrayEquals(LOCAL4, bytes(flow(2), ibv_flow_attr.SIZEOF + ibv_flow_spec_eth.SIZEOF
                + ibv_flow_spec_ipv4.val_dst_ip$OFFSET, 4));

        listener.close(0);
        assertTrue(fake.flowDestroyed(0) && fake.flowDestroyed(1), "the listener's flows went with it");
        udp.close();
        assertTrue(fake.flowDestroyed(2));
        assertEquals(0, device.flowRuleCount());
        stack.close(); // the device closes after each test
    }

    @Test
    void aStackOverADeviceWithoutFlowSteeringFailsTheBindClearly() throws Exception {
        fake.setFlowSupport(false);
        openDevice();
        Stack stack = new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).build(), device, new SeededRandom(3));
        UdpSocket refused = stack.openUdp();
        java.net.BindException e = assertThrows(java.net.BindException.class,
                () -> refused.bind(IpAddress.parse("198.18.0.1"), 5002));
        assertTrue(e.getMessage().contains("no flow steering"), e.getMessage());
        refused.close();
        stack.close();
    }
}
