package io.flyover.linux.xdp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.flyover.stack.device.FlowRule;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An interface shared with the kernel: the host kernel owns 198.18.32.3 on the veth, the stack
 * 198.18.32.2 (and fd00::2); only the stack's frames are steered to the socket. Absence is proved
 * by order, not by waiting: on one veth queue frames arrive in the order sent, so once a steered
 * frame sent after an unsteered one has arrived, the unsteered one would have arrived first.
 */
class XdpSteeringTest {
    private static final byte[] OURS = {(byte) 198, 18, 32, 2};
    private static final byte[] KERNELS = {(byte) 198, 18, 32, 3};
    private static final byte[] FENCE = {(byte) 198, 18, 32, 4};
    private static final byte[] OURS6 = HexFormat.of().parseHex("fd000000000000000000000000000002");
    private static final byte[] KERNELS6 = HexFormat.of().parseHex("fd000000000000000000000000000003");

    private FramePool pool;
    private Namespace ns;
    private XdpDevice device;

    @BeforeEach
    void open() throws Exception {
        Prerequisites.requireNetworkAdmin();
        pool = FramePool.allocate(2048);
        ns = Namespace.withVeth("xs", 32);
        Shell.run("ip", "addr", "add", "198.18.32.3/24", "dev", ns.hostLink());
        device = new XdpDevice(ns.hostLink(), 0, 1, pool, 256, false, XdpDevice.Attach.DRIVER,
                XdpDevice.Steering.ADDRESSES);
        device.addFlowRule(new FlowRule(6, OURS, 0, null, 0));
        device.steer(FENCE);
        device.steer(OURS6);
    }

    @AfterEach
    void close() {
        StackOnLink.closeAll(null, null, device, ns, pool, null);
    }

    private byte[] ipv4To(byte[] destination, int marker) {
        byte[] f = Frames.icmpEcho(8, ns.peerMac(), device.capabilities().mac(), ns.peerIp, destination, 0x5151, marker,
                new byte[8]);
        return f;
    }

    private byte[] ipv6To(byte[] destination) {
        byte[] f = new byte[14 + 40];
        long dst = device.capabilities().mac();
        long src = ns.peerMac();
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (8 * (5 - i)));
            f[6 + i] = (byte) (src >>> (8 * (5 - i)));
        }
        f[12] = (byte) 0x86;
        f[13] = (byte) 0xdd;
        f[14] = 0x60;
        f[20] = 59; // no next header
        f[21] = 64;
        f[22] = (byte) 0xfd;
        f[37] = 1; // fd00::1
        System.arraycopy(destination, 0, f, 38, 16);
        return f;
    }

    @Test
    void onlyTheStacksAddressesAreSteeredAndTheKernelKeepsServingItsOwn() {
        List<byte[]> kernels = List.of(ipv4To(KERNELS, 1),
                Frames.arp(1, ns.peerMac(), ns.peerIp, Frames.BROADCAST, 0, KERNELS), ipv6To(KERNELS6));
        List<byte[]> ours = List.of(ipv4To(OURS, 2),
                Frames.arp(1, ns.peerMac(), ns.peerIp, Frames.BROADCAST, 0, OURS), ipv6To(OURS6),
                ipv6To(XdpDevice.solicitedNode(OURS6)));
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(kernels);
            ns.sendRawFrames(ours);
            for (byte[] f : ours) {
                wire.await("steered frame " + Frames.hex(Arrays.copyOf(f, 40)), g -> Arrays.equals(f, g));
            }
            for (byte[] f : kernels) {
                assertFalse(wire.sawExactly(f), "not steered: " + Frames.hex(Arrays.copyOf(f, 40)));
            }
        }
        // the kernel answers for its own address through the same interface, program attached
        Shell.Result ping = ns.tryExec("ping", "-n", "-c", "2", "-i", "0.2", "-W", "5", "198.18.32.3");
        assertEquals(0, ping.exitCode(), ping.output());
        assertTrue(Shell.run("ip", "link", "show", "dev", ns.hostLink()).contains("prog/xdp"));
    }

    @Test
    void theStackTalksToTheKernelPeerFromItsSteeredAddress() {
        try (Wire wire = new Wire(device)) {
            wire.send(Frames.arp(1, device.capabilities().mac(), OURS, Frames.BROADCAST, 0, ns.peerIp));
            byte[] reply = wire.await("ARP reply to the steered address",
                    f -> Frames.isArp(f, 2) && Arrays.equals(Frames.arpSenderIp(f), ns.peerIp));
            assertArrayEquals(OURS, Frames.arpTargetIp(reply));
        }
    }

    @Test
    void removingTheRuleStopsTheSteering() {
        device.removeFlowRule(new FlowRule(6, OURS, 0, null, 0));
        byte[] toOurs = ipv4To(OURS, 3);
        byte[] toFence = ipv4To(FENCE, 4);
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(List.of(toOurs, toFence));
            wire.await("the fence frame", f -> Arrays.equals(f, toFence));
            assertFalse(wire.sawExactly(toOurs), "no longer steered");
        }
    }

    @Test
    void rulesAreCountedPerAddress() throws Exception {
        device.addFlowRule(new FlowRule(17, OURS, 53, null, 0)); // a second rule for the same address
        device.removeFlowRule(new FlowRule(6, OURS, 0, null, 0));
        byte[] toOurs = ipv4To(OURS, 5);
        byte[] toFence = ipv4To(FENCE, 6);
        try (Wire wire = new Wire(device)) {
            ns.sendRawFrames(List.of(toOurs, toFence));
            wire.await("the fence frame", f -> Arrays.equals(f, toFence));
            assertTrue(wire.sawExactly(toOurs), "still steered while one rule remains");
        }
    }

    @Test
    void aQueueSteeringDeviceRefusesAddressSteering() throws Exception {
        device.close();
        device = new XdpDevice(ns.hostLink(), 0, pool, 256, false);
        assertThrows(IllegalStateException.class, () -> device.steer(OURS));
        device.addFlowRule(new FlowRule(6, OURS, 80, null, 0)); // a no-op: the whole queue is ours anyway
    }
}
