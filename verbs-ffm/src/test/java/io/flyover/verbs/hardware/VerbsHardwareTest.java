package io.flyover.verbs.hardware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FrameFlags;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.FlowRule;
import io.flyover.verbs.VerbsDeviceFactory;
import io.flyover.verbs.VerbsNetDevice;
import io.flyover.verbs.bindings.InlineVerbs;
import io.flyover.verbs.bindings.ibv_flow_attr;
import io.flyover.verbs.bindings.ibv_flow_spec_eth;
import io.flyover.verbs.bindings.ibv_flow_spec_ipv4;
import io.flyover.verbs.bindings.verbs_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hardware suite: a real RDMA NIC (ConnectX class) cabled to a peer running a plain Linux kernel.
 * NOT RUN in this repository's CI (no such NIC there); see verbs-ffm/README.md for the command.
 *
 * <p>System properties: {@code flyover.verbs.if} (our interface, e.g. ens1f0), {@code flyover.verbs.local}
 * (our IPv4 address on it, normally the interface's own), {@code flyover.verbs.peer} (the peer's IPv4),
 * {@code flyover.verbs.peer-mac}; optional {@code flyover.verbs.peer-tcp-port} (default 22),
 * {@code flyover.verbs.peer-udp-echo-port} (a UDP echo service on the peer, e.g.
 * {@code socat UDP-LISTEN:7007,fork PIPE}), {@code flyover.verbs.multicast-group} and
 * {@code flyover.verbs.multicast-port} (the peer sends to it during the test).
 *
 * <p>The frames are built by hand (no dependency on the stack's protocols): what is under test is the
 * device — registration, the queue pair, posting, completions, checksum offload and flow steering.
 */
class VerbsHardwareTest {
    private static final long TIMEOUT_NANOS = 3_000_000_000L;

    private String ifname;
    private byte[] local;
    private byte[] peer;
    private long peerMac;
    private FramePool pool;
    private FrameCache cache;
    private VerbsNetDevice device;

    @BeforeEach
    void open() throws Exception {
        ifname = System.getProperty("flyover.verbs.if", "");
        assumeTrue(!ifname.isBlank() && !ifname.startsWith("${"),
                "skipped: the hardware suite needs -Pverbs-hardware -Dflyover.verbs.if=<interface> (see verbs-ffm/README.md)");
        local = Frames.ipv4Address(required("flyover.verbs.local"));
        peer = Frames.ipv4Address(required("flyover.verbs.peer"));
        peerMac = Frames.mac(required("flyover.verbs.peer-mac"));
        pool = FramePool.allocate(4096);
        cache = pool.newCache(64);
        // the bare queue (no neighbour taps): these tests hand-build every frame, ARP included
        device = (VerbsNetDevice) new VerbsDeviceFactory(io.flyover.verbs.RdmaSysfs.system(), (d, n) -> d)
                .open(ifname, pool, new DeviceOptions(1, 512, false));
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
            cache.close();
            pool.checkAllReturned();
            pool.close();
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property, "");
        if (value.isBlank() || value.startsWith("${")) {
            throw new IllegalArgumentException("the hardware suite needs -D" + property + " (see verbs-ffm/README.md)");
        }
        return value;
    }

    private long ourMac() {
        return device.capabilities().mac();
    }

    private void send(byte[] frame, int flags) {
        int f = cache.acquire();
        pool.setData(f, pool.headroom(), frame.length);
        MemorySegment.copy(frame, 0, pool.region(), ValueLayout.JAVA_BYTE, pool.dataAddress(f), frame.length);
        pool.setFlags(f, flags);
        FrameBurst burst = new FrameBurst(1);
        burst.add(f);
        assertEquals(1, device.transmit(0, burst, System.nanoTime()));
    }

    /** Receives until a frame matches, releasing the others; fails after the timeout. */
    private byte[] receiveMatching(Predicate<byte[]> match, String what) {
        FrameBurst burst = new FrameBurst(32);
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            device.receive(0, burst, System.nanoTime());
            byte[] found = null;
            for (int i = 0; i < burst.count(); i++) {
                int f = burst.get(i);
                byte[] bytes = pool.region().asSlice(pool.dataAddress(f), pool.dataLength(f)).toArray(ValueLayout.JAVA_BYTE);
                if (found == null && match.test(bytes)) {
                    found = bytes;
                }
                cache.release(f);
            }
            burst.clear();
            if (found != null) {
                return found;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no " + what + " within 3 s: " + device);
    }

    private boolean fromPeer(byte[] b, int proto) {
        return b.length >= 34 && (b[12] & 0xFF) == 0x08 && b[13] == 0 && b[23] == proto
                && Arrays.equals(Arrays.copyOfRange(b, 26, 30), peer) && Arrays.equals(Arrays.copyOfRange(b, 30, 34), local);
    }

    /** ICMP has no port: steer peer->local IPv4 with a rule built directly on the bindings (Ethernet + IPv4 specs). */
    private MemorySegment steerIpv4FromPeer(Arena arena) {
        long size = ibv_flow_attr.SIZEOF + ibv_flow_spec_eth.SIZEOF + ibv_flow_spec_ipv4.SIZEOF;
        MemorySegment attr = arena.allocate(size, 8);
        ibv_flow_attr.type(attr, verbs_h.IBV_FLOW_ATTR_NORMAL());
        ibv_flow_attr.size(attr, (short) size);
        ibv_flow_attr.num_of_specs(attr, (byte) 2);
        ibv_flow_attr.port(attr, (byte) 1);
        MemorySegment eth = attr.asSlice(ibv_flow_attr.SIZEOF, ibv_flow_spec_eth.SIZEOF);
        ibv_flow_spec_eth.type(eth, verbs_h.IBV_FLOW_SPEC_ETH());
        ibv_flow_spec_eth.size(eth, (short) ibv_flow_spec_eth.SIZEOF);
        for (int i = 0; i < 6; i++) {
            ibv_flow_spec_eth.val_dst_mac(eth).set(ValueLayout.JAVA_BYTE, i, (byte) (ourMac() >>> (40 - 8 * i)));
            ibv_flow_spec_eth.mask_dst_mac(eth).set(ValueLayout.JAVA_BYTE, i, (byte) 0xFF);
        }
        MemorySegment ip = attr.asSlice(ibv_flow_attr.SIZEOF + ibv_flow_spec_eth.SIZEOF, ibv_flow_spec_ipv4.SIZEOF);
        ibv_flow_spec_ipv4.type(ip, verbs_h.IBV_FLOW_SPEC_IPV4());
        ibv_flow_spec_ipv4.size(ip, (short) ibv_flow_spec_ipv4.SIZEOF);
        MemorySegment.copy(local, 0, ip, ValueLayout.JAVA_BYTE, ibv_flow_spec_ipv4.val_dst_ip$OFFSET, 4);
        MemorySegment.copy(peer, 0, ip, ValueLayout.JAVA_BYTE, ibv_flow_spec_ipv4.val_src_ip$OFFSET, 4);
        ip.asSlice(ibv_flow_spec_ipv4.mask_src_ip$OFFSET, 8).fill((byte) 0xFF);
        MemorySegment flow = InlineVerbs.ibv_create_flow(device.queueForTests(), attr);
        assertTrue(!flow.equals(MemorySegment.NULL), "ibv_create_flow for peer->local IPv4 refused");
        return flow;
    }

    @Test
    void pingThePeer() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flow = steerIpv4FromPeer(arena);
            try {
                byte[] data = "flyover verbs ping".getBytes();
                for (int seq = 1; seq <= 5; seq++) {
                    send(Frames.icmpEcho(peerMac, ourMac(), local, peer, 0x4659, seq, data), 0);
                    int s = seq;
                    byte[] reply = receiveMatching(b -> fromPeer(b, 1) && b[34] == 0
                            && ByteBuffer.wrap(b).getShort(40) == (short) s, "ICMP echo reply " + seq);
                    assertArrayEquals(data, Arrays.copyOfRange(reply, 42, 42 + data.length));
                }
            } finally {
                assertEquals(0, InlineVerbs.ibv_destroy_flow(flow));
            }
        }
    }

    @Test
    void tcpSynGetsAnAnswerThroughATcpFlowRule() {
        int port = Integer.getInteger("flyover.verbs.peer-tcp-port", 22);
        int ourPort = 40_000 + (int) (System.nanoTime() & 0x3FFF);
        device.addFlowRule(new FlowRule(6, local, ourPort, peer, port));
        send(Frames.tcpSyn(peerMac, ourMac(), local, peer, ourPort, port, 0x01020304), 0);
        byte[] answer = receiveMatching(b -> fromPeer(b, 6) && ByteBuffer.wrap(b).getShort(36) == (short) ourPort,
                "TCP SYN-ACK or RST from the peer");
        int flags = answer[47] & 0xFF;
        assertTrue((flags & 0x12) == 0x12 || (flags & 0x04) != 0, "SYN-ACK or RST, got flags " + Integer.toHexString(flags));
        assertEquals(0x01020305, ByteBuffer.wrap(answer).getInt(42), "acknowledges our SYN");
        device.removeFlowRule(new FlowRule(6, local, ourPort, peer, port));
    }

    @Test
    void udpEchoWithChecksumOffload() {
        int echoPort = Integer.getInteger("flyover.verbs.peer-udp-echo-port", 0);
        assumeTrue(echoPort != 0, "skipped: set -Dflyover.verbs.peer-udp-echo-port (peer: socat UDP-LISTEN:7007,fork PIPE)");
        assumeTrue(device.capabilities().has(io.flyover.stack.device.DeviceCapabilities.Offload.TX_L4_CHECKSUM),
                "skipped: the NIC does not offer IBV_DEVICE_RAW_IP_CSUM");
        int ourPort = 41_000 + (int) (System.nanoTime() & 0x3FFF);
        device.addFlowRule(new FlowRule(17, local, ourPort, null, 0));
        for (int i = 0; i < 20; i++) {
            byte[] data = ("datagram " + i).getBytes();
            boolean offload = i % 2 == 0; // the peer's kernel drops a datagram whose checksums the NIC did not finish
            send(Frames.udp(peerMac, ourMac(), local, peer, ourPort, echoPort, data, offload),
                    offload ? FrameFlags.TX_IPV4_CHECKSUM | FrameFlags.TX_L4_CHECKSUM : 0);
            byte[] echo = receiveMatching(b -> fromPeer(b, 17) && ByteBuffer.wrap(b).getShort(36) == (short) ourPort,
                    "UDP echo " + i);
            assertArrayEquals(data, Arrays.copyOfRange(echo, 42, echo.length));
        }
        assertTrue(device.rxPackets() >= 20);
    }

    @Test
    void multicastFromThePeerArrivesThroughAGroupRule() {
        String group = System.getProperty("flyover.verbs.multicast-group", "");
        assumeTrue(!group.isBlank(), "skipped: set -Dflyover.verbs.multicast-group and have the peer send to it, "
                + "e.g. while true; do echo hi | socat - UDP-DATAGRAM:239.255.0.1:7008; sleep 0.2; done");
        int port = Integer.getInteger("flyover.verbs.multicast-port", 7008);
        byte[] g = Frames.ipv4Address(group);
        device.addFlowRule(new FlowRule(17, g, port, null, 0));
        byte[] datagram = receiveMatching(b -> b.length >= 38 && b[23] == 17
                && Arrays.equals(Arrays.copyOfRange(b, 30, 34), g) && ByteBuffer.wrap(b).getShort(36) == (short) port,
                "multicast datagram to " + group + ":" + port);
        assertEquals(0x01, datagram[0], "group MAC 01:00:5e:...");
    }
}
