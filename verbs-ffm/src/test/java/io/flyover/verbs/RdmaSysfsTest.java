package io.flyover.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.device.NetDeviceFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mapping interfaces to RDMA devices through sysfs, both ways sysfs offers, and the ServiceLoader entry. */
class RdmaSysfsTest {

    @Test
    void findsTheDeviceUnderTheInterfacesPciFunction(@TempDir Path sys) throws Exception {
        Files.createDirectories(sys.resolve("class/net/ens1f1/device/infiniband/mlx5_1"));
        Files.writeString(sys.resolve("class/net/ens1f1/dev_port"), "1\n");
        Files.writeString(sys.resolve("class/net/ens1f1/address"), "b8:ce:f6:01:02:03\n");
        Files.writeString(sys.resolve("class/net/ens1f1/mtu"), "1500\n");
        RdmaSysfs sysfs = new RdmaSysfs(sys);
        assertEquals(Optional.of(new RdmaSysfs.RdmaPort("mlx5_1", 2)), sysfs.rdmaPortFor("ens1f1"));
        assertEquals(0xb8cef6010203L, sysfs.macAddress("ens1f1"));
        assertEquals(1500, sysfs.mtu("ens1f1"));
    }

    @Test
    void findsTheDeviceThatListsTheInterface(@TempDir Path sys) throws Exception {
        Files.createDirectories(sys.resolve("class/infiniband/mlx5_0/device/net/enp3s0"));
        Files.createDirectories(sys.resolve("class/net/enp3s0"));
        assertEquals(Optional.of(new RdmaSysfs.RdmaPort("mlx5_0", 1)), new RdmaSysfs(sys).rdmaPortFor("enp3s0"));
    }

    @Test
    void nothingForPlainInterfacesOrOddNames(@TempDir Path sys) throws Exception {
        Files.createDirectories(sys.resolve("class/net/eth0"));
        RdmaSysfs sysfs = new RdmaSysfs(sys);
        assertTrue(sysfs.rdmaPortFor("eth0").isEmpty());
        assertTrue(sysfs.rdmaPortFor("../net/eth0").isEmpty());
        assertTrue(sysfs.rdmaPortFor("").isEmpty());
        assertTrue(sysfs.rdmaPortFor(null).isEmpty());
        assertEquals(-1, sysfs.macAddress("eth0"));
        assertEquals(-1, sysfs.mtu("nosuch"));
    }

    @Test
    void thisMachinesInterfacesHaveNoRdmaDevice() {
        // No RDMA NIC and no InfiniBand in this kernel: the factory must say no, without throwing.
        VerbsDeviceFactory factory = new VerbsDeviceFactory();
        boolean anyIb = Files.isDirectory(Path.of("/sys/class/infiniband"));
        if (!anyIb) {
            assertFalse(factory.serves("lo"));
            assertFalse(factory.serves("eth0"));
        }
        assertFalse(factory.serves("no-such-if0"));
    }

    @Test
    void registeredAsTheVerbsKind() {
        boolean found = false;
        for (NetDeviceFactory f : ServiceLoader.load(NetDeviceFactory.class)) {
            if (f.kind().equals("verbs")) {
                found = f instanceof VerbsDeviceFactory && f.priority() > 0;
            }
        }
        assertTrue(found, "META-INF/services lists VerbsDeviceFactory");
    }
}
