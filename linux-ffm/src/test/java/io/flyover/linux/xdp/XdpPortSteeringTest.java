package io.flyover.linux.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Frames;
import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.StackOnLink;
import io.flyover.linux.testing.Shell;
import io.flyover.linux.testing.Wire;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.NetDevice;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link XdpDevice.Steering#PORTS} on a veth, frame by frame: which frames the program sends to the
 * AF_XDP socket, and what the taps add. Absence is proved by order, not by waiting: on one veth queue
 * frames reach the socket in the order sent, so once a steered frame sent after an unsteered one has
 * arrived, the unsteered one would have arrived before it; likewise within one tap socket.
 */
class XdpPortSteeringTest {
    private static final byte[] OURS = {(byte) 198, 18, 76, 2};
    private static final byte[] OTHER = {(byte) 198, 18, 76, 3};
    private static final byte[] OURS6 = HexFormat.of().parseHex("fd000000000000000000000000000002");
    private static final byte[] OTHER6 = HexFormat.of().parseHex("fd000000000000000000000000000003");
    private static final byte[] PEER6 = HexFormat.of().parseHex("fd000000000000000000000000000001");
    private static final int TCP = 6, UDP = 17;

    private FramePool pool;
    private Namespace ns;
    private XdpDevice device;

    @BeforeEach
    void open() throws Exception {
        Prerequisites.requireNetworkAdmin();
        pool = FramePool.allocate(2048);
        ns = Namespace.withVeth("xp", 76);
        device = new XdpDevice(ns.hostLink(), 0, 1, pool, 256, false, XdpDevice.Attach.DRIVER,
                XdpDevice.Steering.PORTS);
        device.addFlowRule(new FlowRule(TCP, null, 7000, null, 0));   // any address
        device.addFlowRule(new FlowRule(UDP, OURS, 5300, null, 0));
        device.addFlowRule(new FlowRule(TCP, OURS6, 7006, null, 0));
    }

    @AfterEach
    void close() {
        StackOnLink.closeAll(null, null, device, ns, pool, null);
    }

    /** Ethernet + IPv4 with {@code optionWords} 4-byte option words + 8 transport bytes (ports first). */
    private byte[] ipv4(int protocol, byte[] destination, int port, int optionWords, int fragmentField) {
        int ihl = 20 + 4 * optionWords;
        ByteBuffer b = ByteBuffer.allocate(14 + ihl + 8);
        ethernet(b, 0x0800);
        b.put((byte) (0x40 | (ihl / 4))).put((byte) 0).putShort((short) (ihl + 8));
        b.putShort((short) port).putShort((short) fragmentField).put((byte) 64).put((byte) protocol).putShort((short) 0);
        b.put(ns.peerIp).put(destination);
        for (int i = 0; i < optionWords; i++) {
            b.putInt(0x01010101); // NOP options
        }
        b.putShort((short) 40000).putShort((short) port).putInt(0x5eed0000 | optionWords);
        return b.array();
    }

    /** Ethernet + IPv6 whose first next header is {@code nextHeader}, then 8 bytes (ports first). */
    private byte[] ipv6(int nextHeader, byte[] destination, int port) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8);
        ethernet(b, 0x86DD);
        b.putInt(0x6000_0000).putShort((short) 8).put((byte) nextHeader).put((byte) 64);
        b.put(PEER6).put(destination);
        b.putShort((short) 40000).putShort((short) port).putInt(0x5eed6600 | nextHeader);
        return b.array();
    }

    /** Ethernet + IPv6 + ICMPv6 of {@code type} (no valid checksum: only the taps' filter reads it). */
    private byte[] icmpv6(int type, int marker) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8);
        ethernet(b, 0x86DD);
        b.putInt(0x6000_0000).putShort((short) 8).put((byte) 58).put((byte) 255);
        b.put(PEER6).put(OURS6);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putInt(marker);
        return b.array();
    }

    /**
     * Ethernet + IPv4 (with {@code optionWords} of options) + ICMP of {@code type}/{@code code} quoting
     * an IPv4 header and 8 bytes (no valid checksums: only the taps' filter reads it).
     */
    private byte[] icmpv4(int type, int code, int optionWords, int marker) {
        int ihl = 20 + 4 * optionWords;
        ByteBuffer b = ByteBuffer.allocate(14 + ihl + 8 + 28);
        ethernet(b, 0x0800);
        b.put((byte) (0x40 | (ihl / 4))).put((byte) 0).putShort((short) (ihl + 8 + 28));
        b.putShort((short) marker).putShort((short) 0x4000).put((byte) 64).put((byte) 1).putShort((short) 0);
        b.put(ns.peerIp).put(OURS);
        for (int i = 0; i < optionWords; i++) {
            b.putInt(0x01010101);
        }
        b.put((byte) type).put((byte) code).putShort((short) 0).putShort((short) 0).putShort((short) 1400);
        b.putInt(0x4500_0000 | 1500).putInt(0).putInt(0x4006_0000).put(OURS).put(ns.peerIp);
        b.putShort((short) 7000).putShort((short) 40000).putInt(marker);
        return b.array();
    }

    private void ethernet(ByteBuffer b, int etherType) {
        long dst = device.capabilities().mac();
        long src = ns.peerMac();
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (dst >>> (8 * i)));
        }
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (src >>> (8 * i)));
        }
        b.putShort((short) etherType);
    }

    @Test
    void onlyHeldProtocolsAddressesAndPortsAreSteered() {
        List<byte[]> passed = List.of(
                ipv4(TCP, OURS, 7001, 0, 0x4000),           // a port nobody holds
                ipv4(UDP, OURS, 7000, 0, 0x4000),           // the held port, other protocol
                ipv4(UDP, OTHER, 5300, 0, 0x4000),          // held for OURS only
                ipv4(TCP, OURS, 7000, 0, 0x2000),           // first fragment (MF)
                ipv4(TCP, OURS, 7000, 0, 0x0010),           // a later fragment (offset 128)
                Frames.icmpEcho(8, ns.peerMac(), device.capabilities().mac(), ns.peerIp, OURS, 0x7070, 1, new byte[8]),
                ipv6(TCP, OTHER6, 7006),                    // held for OURS6 only
                ipv6(0, OURS6, 7000),                       // a hop-by-hop header first
                ipv6(44, OURS6, 7000));                     // a fragment header first
        List<byte[]> steered = List.of(
                ipv4(TCP, OURS, 7000, 0, 0x4000),
                ipv4(TCP, OTHER, 7000, 0, 0x4000),          // any address
                ipv4(TCP, OURS, 7000, 3, 0x4000),           // options: IHL 8
                ipv4(UDP, OURS, 5300, 0, 0x4000),
                ipv6(TCP, OURS6, 7006),
                ipv6(TCP, OTHER6, 7000));                   // any address, IPv6
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(passed);
            ns.sendRawFrames(steered);
            for (byte[] f : steered) {
                wire.await("steered frame " + Frames.hex(Arrays.copyOf(f, 60)), g -> Arrays.equals(f, g));
            }
            for (byte[] f : passed) {
                assertFalse(wire.sawExactly(f), "not steered: " + Frames.hex(Arrays.copyOf(f, 60)));
            }
        }
        assertEquals(3, device.steeredPorts());
        assertTrue(Shell.run("ip", "link", "show", "dev", ns.hostLink()).contains("prog/xdp"));
    }

    @Test
    void aGroupsRuleWithoutAPortSteersEveryPortOfTheGroup() {
        byte[] group = {(byte) 239, 18, 76, 1};
        byte[] otherGroup = {(byte) 239, 18, 76, 2};
        device.addFlowRule(new FlowRule(UDP, group, 0, null, 0));
        device.addFlowRule(new FlowRule(UDP, group, 4000, null, 0)); // a socket bound to the group's address too
        // the kernel, which answers IGMP queries on the shared interface, has joined what the stack joined
        assertEquals(1, device.kernelGroups());
        assertTrue(Shell.run("ip", "maddr", "show", "dev", ns.hostLink()).contains("239.18.76.1"),
                Shell.run("ip", "maddr", "show", "dev", ns.hostLink()));
        device.removeFlowRule(new FlowRule(UDP, group, 4000, null, 0));
        assertEquals(1, device.kernelGroups(), "the group's own rule still names it");
        byte[] toOtherGroup = ipv4(UDP, otherGroup, 4000, 0, 0x4000);
        byte[] tcpToGroup = ipv4(TCP, group, 4000, 0, 0x4000);
        byte[] toGroup = ipv4(UDP, group, 4000, 0, 0x4000);
        byte[] toGroupOtherPort = ipv4(UDP, group, 4001, 0, 0x4000);
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(List.of(toOtherGroup, tcpToGroup, toGroup, toGroupOtherPort));
            wire.await("a datagram to the group", f -> Arrays.equals(f, toGroup));
            wire.await("a datagram to the group on another port", f -> Arrays.equals(f, toGroupOtherPort));
            assertFalse(wire.sawExactly(toOtherGroup), "another group");
            assertFalse(wire.sawExactly(tcpToGroup), "the rule is UDP's");
        }
        device.removeFlowRule(new FlowRule(UDP, group, 0, null, 0));
        assertEquals(0, device.kernelGroups());
        assertFalse(Shell.run("ip", "maddr", "show", "dev", ns.hostLink()).contains("239.18.76.1"), "the kernel left it");
        byte[] after = ipv4(UDP, group, 4002, 0, 0x4000);
        byte[] fence = ipv4(UDP, OURS, 5300, 0, 0x4000);
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(List.of(after, fence));
            wire.await("the fence frame", f -> Arrays.equals(f, fence));
            assertFalse(wire.sawExactly(after), "the group is no longer steered");
        }
    }

    /**
     * Found in review: when the kernel cannot join a group (here it may join none:
     * {@code net.ipv4.igmp_max_memberships=0}, restored after), the rule is refused and nothing stays
     * steered, or the group's datagrams would be taken from the kernel's own members forever.
     */
    @Test
    void aGroupTheKernelCannotJoinIsNotSteered() {
        String limit = Shell.run("sysctl", "-n", "net.ipv4.igmp_max_memberships").strip();
        int before = device.steeredPorts();
        Shell.run("sysctl", "-q", "-w", "net.ipv4.igmp_max_memberships=0");
        try {
            assertThrows(RuntimeException.class,
                    () -> device.addFlowRule(new FlowRule(UDP, new byte[] {(byte) 239, 18, 76, 9}, 0, null, 0)));
        } finally {
            Shell.run("sysctl", "-q", "-w", "net.ipv4.igmp_max_memberships=" + limit);
        }
        assertEquals(before, device.steeredPorts(), "nothing steered");
        assertEquals(0, device.kernelGroups());
    }

    @Test
    void arpAndNeighbourDiscoveryReachTheStackThroughTheTapsOnce() {
        byte[] arp = Frames.arp(1, ns.peerMac(), ns.peerIp, Frames.BROADCAST, 0, OURS);
        byte[] echo6 = icmpv6(128, 1);                      // not neighbour discovery: the kernel's alone
        byte[] solicitation = icmpv6(135, 2);
        byte[] advertisement = icmpv6(136, 3);
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(List.of(arp, echo6, solicitation, advertisement));
            wire.await("the ARP request", f -> Arrays.equals(f, arp));
            wire.await("the neighbour solicitation", f -> Arrays.equals(f, solicitation));
            wire.await("the neighbour advertisement", f -> Arrays.equals(f, advertisement));
            assertFalse(wire.sawExactly(echo6), "the tap hears neighbour discovery only");
            // the program never steers ARP or ICMPv6, so each arrived once, through a tap
            assertEquals(1, wire.received.stream().filter(f -> Arrays.equals(f, arp)).count());
            assertEquals(1, wire.received.stream().filter(f -> Arrays.equals(f, solicitation)).count());
        }
        assertTrue(device.tapReceivedFrames() >= 3, "tap frames: " + device.tapReceivedFrames());
        assertEquals(0, device.receivedFrames(0), "nothing came through the AF_XDP socket");
    }

    /**
     * The ICMP errors about the stack's flows go to the kernel with the rest of ICMP, and the stack hears
     * them through a tap: destination unreachable (fragmentation needed, port unreachable) and ICMPv6
     * packet too big, whatever the IPv4 header length; not echo requests, which the kernel answers.
     */
    @Test
    void icmpErrorsReachTheStackThroughATapAndEchoRequestsDoNot() {
        byte[] fragmentationNeeded = icmpv4(3, 4, 0, 1);
        byte[] portUnreachableWithOptions = icmpv4(3, 3, 2, 2);
        byte[] echoRequest = icmpv4(8, 0, 0, 3);
        byte[] packetTooBig = icmpv6(2, 4);
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(List.of(echoRequest, fragmentationNeeded, portUnreachableWithOptions, packetTooBig));
            List<byte[]> expected = new java.util.ArrayList<>(List.of(fragmentationNeeded, portUnreachableWithOptions, packetTooBig));
            while (!expected.isEmpty()) { // in any order: each tap is drained in turn
                byte[] f = wire.await("the ICMP errors", x -> expected.stream().anyMatch(e -> Arrays.equals(e, x)));
                expected.removeIf(e -> Arrays.equals(e, f));
            }
            assertFalse(wire.sawExactly(echoRequest), "an echo request is the kernel's");
        }
        assertEquals(0, device.receivedFrames(0), "nothing came through the AF_XDP socket");
    }

    @Test
    void aFrameOnATapEndsTheDevicesSleep() throws Exception {
        java.util.concurrent.CompletableFuture<Boolean> woke = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> device.awaitInput(java.util.concurrent.TimeUnit.SECONDS.toNanos(60)));
        byte[] arp = Frames.arp(1, ns.peerMac(), ns.peerIp, Frames.BROADCAST, 0, OURS);
        ns.sendRawFrames(List.of(arp)); // sent once the sleep may have begun: a frame queued before ends it too
        assertTrue(woke.get(30, java.util.concurrent.TimeUnit.SECONDS), "the wait ended on the tap's frame");
        try (Wire wire = new Wire(device)) {
            wire.await("the ARP request", f -> Arrays.equals(f, arp));
        }
    }

    @Test
    void theLastRuleForAKeyStopsItsSteering() {
        FlowRule first = new FlowRule(TCP, OURS, 7100, null, 0);
        FlowRule second = new FlowRule(TCP, OURS, 7100, OTHER, 9); // the same key: address, protocol, port
        device.addFlowRule(first);
        device.addFlowRule(second);
        device.removeFlowRule(first);
        byte[] stillSteered = ipv4(TCP, OURS, 7100, 0, 0x4000);
        byte[] fence = ipv4(UDP, OURS, 5300, 0, 0x4000);
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(List.of(stillSteered, fence));
            wire.await("the fence frame", f -> Arrays.equals(f, fence));
            assertTrue(wire.sawExactly(stillSteered), "one rule for the key remains");

            device.removeFlowRule(second);
            device.removeFlowRule(new FlowRule(TCP, null, 7000, null, 0));
            byte[] released = ipv4(TCP, OURS, 7100, 1, 0x4000);
            byte[] releasedAny = ipv4(TCP, OTHER, 7000, 1, 0x4000);
            byte[] fence2 = ipv4(UDP, OURS, 5300, 1, 0x4000);
            ns.sendRawFrames(List.of(released, releasedAny, fence2));
            wire.await("the second fence frame", f -> Arrays.equals(f, fence2));
            assertFalse(wire.sawExactly(released), "no rule left for 198.18.76.2:7100");
            assertFalse(wire.sawExactly(releasedAny), "no rule left for port 7000");
        }
        assertEquals(2, device.steeredPorts());
    }

    @Test
    void theFactoryOpensPortSteeringWhenTheOptionsAskForIt() throws Exception {
        device.close();
        device = null;
        DeviceOptions ports = new DeviceOptions(1, 256, false).withSteering(DeviceOptions.Steering.PORTS);
        try (NetDevice opened = new XdpDeviceFactory().open(ns.hostLink(), pool, ports)) {
            assertEquals(XdpDevice.Steering.PORTS, ((XdpDevice) opened).steering());
        }
        try (NetDevice opened = new XdpDeviceFactory().open(ns.hostLink(), pool, new DeviceOptions(1, 256, false))) {
            assertEquals(XdpDevice.Steering.QUEUE, ((XdpDevice) opened).steering(), "the default");
        }
    }

    @Test
    void aRuleWithoutPortAndAddressIsRefusedAndAddressSteeringIsNotOffered() {
        assertThrows(IllegalArgumentException.class, () -> device.addFlowRule(new FlowRule(UDP, null, 0, null, 0)));
        assertThrows(IllegalArgumentException.class, () -> device.addFlowRule(new FlowRule(UDP, new byte[4], 0, null, 0)));
        assertThrows(IllegalStateException.class, () -> device.steer(OURS));
        device.removeFlowRule(new FlowRule(UDP, OTHER, 4444, null, 0)); // never added: nothing happens
        assertEquals(3, device.steeredPorts());
    }
}
