package io.flyover.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.sys.NetInterface;
import io.flyover.linux.tap.TapDevice;
import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.NetDeviceFactory;
import java.io.IOException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DeviceFactoriesTest {
    private static final String ABSENT = "fl-absent0";

    private static Map<String, NetDeviceFactory> factories() {
        Map<String, NetDeviceFactory> byKind = new TreeMap<>();
        for (NetDeviceFactory f : ServiceLoader.load(NetDeviceFactory.class)) {
            byKind.put(f.kind(), f);
        }
        return byKind;
    }

    @Test
    void theThreeKindsAreFoundThroughServiceLoaderInPreferenceOrder() {
        Map<String, NetDeviceFactory> f = factories();
        assertEquals(java.util.Set.of("af_xdp", "af_packet", "tap"), f.keySet());
        assertTrue(f.get("af_xdp").priority() > f.get("tap").priority());
        assertTrue(f.get("tap").priority() > f.get("af_packet").priority());
    }

    @Test
    void servesIsCheapAndNeverThrowsOnOddNames() {
        for (NetDeviceFactory f : factories().values()) {
            for (String name : new String[] {null, "", "a/b", "x:y", "has space", "waytoolonginterfacename", "..", "lo"}) {
                assertFalse(f.serves(name), f.kind() + " must not serve " + name);
            }
        }
    }

    @Test
    void onlyTapOffersToCreateAnAbsentInterfaceAndAskingCreatesNothing() {
        Map<String, NetDeviceFactory> f = factories();
        assertFalse(f.get("af_xdp").serves(ABSENT));
        assertFalse(f.get("af_packet").serves(ABSENT));
        assertEquals(java.nio.file.Files.exists(java.nio.file.Path.of("/dev/net/tun")), f.get("tap").serves(ABSENT));
        assertFalse(NetInterface.exists(ABSENT), "serves() has no side effects");
    }

    @Test
    void openingAnAbsentInterfaceNamesTheCallAndTheError() {
        try (FramePool pool = FramePool.allocate(64)) {
            for (String kind : new String[] {"af_xdp", "af_packet"}) {
                IOException e = assertThrows(IOException.class,
                        () -> factories().get(kind).open(ABSENT, pool, DeviceOptions.DEFAULTS));
                assertTrue(e.getMessage().contains("if_nametoindex(" + ABSENT + ")"), e.getMessage());
                assertTrue(e.getMessage().contains("No such device"), e.getMessage());
            }
            pool.checkAllReturned();
        }
    }

    @Test
    void vethIsServedByAfXdpAndAfPacketAndTapOnlyByTap() throws Exception {
        Prerequisites.requireNetworkAdmin();
        Map<String, NetDeviceFactory> f = factories();
        try (Namespace ns = Namespace.withVeth("fa", 40)) {
            assertTrue(f.get("af_xdp").serves(ns.hostLink()));
            assertTrue(f.get("af_packet").serves(ns.hostLink()));
            assertFalse(f.get("tap").serves(ns.hostLink()), "an existing non-TAP interface is not tap's");
        }
        try (FramePool pool = FramePool.allocate(64)) {
            NetDevice tap = new TapDevice("fl-fat0", pool, TapDevice.localMacFor("fl-fat0"));
            try {
                assertTrue(f.get("tap").serves("fl-fat0"));
                assertFalse(f.get("af_xdp").serves("fl-fat0"));
                assertFalse(f.get("af_packet").serves("fl-fat0"));
                assertEquals(0x02, (int) (tap.capabilities().mac() >>> 40) & 0x03, "locally administered unicast MAC");
            } finally {
                tap.close();
            }
            pool.checkAllReturned();
        }
        assertFalse(NetInterface.exists("fl-fat0"), "a TAP the device created disappears on close");
    }
}
