package io.flyover.linux.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.DeviceInteropContract;
import io.flyover.linux.testing.Frames;
import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Shell;
import io.flyover.linux.testing.Wire;
import io.flyover.linux.mem.HugePageRegion;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * AF_XDP on the host end of a veth pair (veth runs XDP in the driver, AF_XDP in copy mode), the
 * kernel peer in the namespace; plus the program's life cycle on the interface.
 */
class XdpDeviceTest extends DeviceInteropContract {
    private HugePageRegion region;

    /** The UMEM is a pool over the hugepage helper's memory (ordinary pages where none are reserved). */
    @Override
    protected FramePool newPool() throws Exception {
        region = HugePageRegion.forFrames(4096, FramePool.DEFAULT_FRAME_SIZE);
        return region.newFramePool(4096, FramePool.DEFAULT_FRAME_SIZE, FramePool.DEFAULT_HEADROOM, 512);
    }

    @Override
    protected void freePoolMemory() {
        if (region != null) {
            region.close();
        }
    }

    @Override
    protected void open() throws Exception {
        ns = Namespace.withVeth("xd", 30);
        device = new XdpDeviceFactory().open(ns.hostLink(), pool, new DeviceOptions(1, 512, true));
    }

    private XdpDevice xdp() {
        return (XdpDevice) device;
    }

    private String linkShow() {
        return Shell.run("ip", "-d", "link", "show", "dev", ns.hostLink());
    }

    @Test
    void programIsAttachedWhileOpenAndDetachedOnClose() {
        String open = linkShow();
        assertTrue(open.contains("prog/xdp"), "XDP program attached while open:\n" + open);
        device.close();
        String closed = linkShow();
        assertFalse(closed.contains("prog/xdp") || closed.contains(" xdp"), "detached after close:\n" + closed);
    }

    @Test
    void vethRunsInCopyModeAndRedirectedFramesReachTheRxRing() throws Exception {
        assertEquals(XdpDevice.Mode.COPY, xdp().mode(), "veth offers no zero-copy: fallback to copy mode");
        try (Wire wire = new Wire(device)) {
            wire.send(Frames.arp(1, ourMac(), ns.localIp, Frames.BROADCAST, 0, ns.peerIp));
            wire.await("ARP reply", f -> Frames.isArp(f, 2) && Arrays.equals(Frames.arpSenderIp(f), ns.peerIp));
        }
        assertTrue(xdp().receivedFrames(0) >= 1, "frames came through the RX ring");
        assertEquals(1, xdp().transmittedFrames(0));
        XdpStatistics stats = xdp().statistics(0);
        System.out.println(device.name() + ": mode " + xdp().mode() + ", attach " + xdp().attach() + ", rx "
                + xdp().receivedFrames(0) + ", tx wakeups " + xdp().txWakeups(0) + ", fill wakeups "
                + xdp().fillWakeups(0) + ", " + stats);
        assertEquals(0, stats.rxInvalidDescs(), stats.toString());
        assertEquals(0, stats.txInvalidDescs(), stats.toString());
    }

    @Test
    void aSecondDeviceOnTheSameQueueFailsCleanlyAndTheFirstKeepsWorking() throws Exception {
        try (FramePool other = FramePool.allocate(1024)) {
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> new XdpDevice(ns.hostLink(), 0, other, 256, false));
            System.out.println("second device: " + e.getMessage());
            assertTrue(e.getMessage().contains(ns.hostLink()), e.getMessage());
            assertTrue(e.getMessage().contains("errno"), e.getMessage());
            other.checkAllReturned();
        }
        assertTrue(linkShow().contains("prog/xdp"), "the first device's program is still attached");
        try (Wire wire = new Wire(device)) {
            wire.send(Frames.arp(1, ourMac(), ns.localIp, Frames.BROADCAST, 0, ns.peerIp));
            wire.await("ARP reply", f -> Frames.isArp(f, 2) && Arrays.equals(Frames.arpSenderIp(f), ns.peerIp));
        }
    }

    @Test
    void genericModeAlsoCarriesFramesBothWays() throws Exception {
        device.close(); // the queue takes one socket: replace the driver-mode device
        device = new XdpDevice(ns.hostLink(), 0, 1, pool, 256, true, XdpDevice.Attach.GENERIC);
        assertEquals(XdpDevice.Attach.GENERIC, xdp().attach());
        assertTrue(linkShow().contains("xdpgeneric"), linkShow());
        try (Wire wire = new Wire(device)) {
            wire.send(Frames.arp(1, ourMac(), ns.localIp, Frames.BROADCAST, 0, ns.peerIp));
            wire.await("ARP reply in generic mode",
                    f -> Frames.isArp(f, 2) && Arrays.equals(Frames.arpSenderIp(f), ns.peerIp));
        }
        device.close();
        assertFalse(linkShow().contains("xdpgeneric"), "detached after close");
    }

    @Test
    void theProgramIsHandAssembledWithTheMapFdPatchedIn() {
        byte[] insns = XdpRedirectProgram.instructions(0x1234);
        assertEquals(48, insns.length);
        assertEquals(0x18, insns[8] & 0xFF, "ld_imm64");
        assertEquals(0x11, insns[9] & 0xFF, "dst r1, src BPF_PSEUDO_MAP_FD");
        assertEquals(0x34, insns[12] & 0xFF);
        assertEquals(0x12, insns[13] & 0xFF);
        assertEquals(0x95, insns[40] & 0xFF, "exit");
    }

    @Override
    protected int pollFd() {
        return xdp().fd(0);
    }
}
