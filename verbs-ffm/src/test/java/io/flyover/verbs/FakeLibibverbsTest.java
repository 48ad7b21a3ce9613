package io.flyover.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.NetDevice;
import io.flyover.verbs.bindings.ibv_qp_init_attr;
import io.flyover.verbs.bindings.verbs_h;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real set-up and tear-down code ({@link VerbsRawQueue}, {@link VerbsDeviceFactory}) against the fake
 * provider loaded in place of libibverbs.so.1, in a JVM of its own (the module's surefire forks one per
 * class): the calls, their arguments, and one clear exception with everything undone for each failure.
 */
class FakeLibibverbsTest {
    private static FakeProvider fake;
    private FramePool pool;

    @BeforeAll
    static void bindToTheFake() {
        NativeToolchain.assumeAvailable();
        fake = FakeProvider.boundAsLibibverbs();
    }

    @BeforeEach
    void reset() {
        fake.reset();
        fake.resetSetup();
        pool = FramePool.allocate(128);
    }

    @Test
    void openWalksTheSetUpSequenceWithTheRightArguments() throws Exception {
        try (VerbsRawQueue queue = VerbsRawQueue.open("fake_mlx5_0", 1, pool.region(), 64, 128)) {
            assertEquals("ibv_get_device_list ibv_get_device_name ibv_open_device ibv_free_device_list ibv_query_device "
                    + "ibv_alloc_pd ibv_reg_mr ibv_create_comp_channel ibv_create_cq ibv_create_cq ibv_create_qp "
                    + "ibv_modify_qp ibv_modify_qp ibv_modify_qp", fake.calls(),
                    "query_port went through verbs_context, never the compat symbol");
            assertEquals(pool.region().address(), fake.regAddr());
            assertEquals(pool.region().byteSize(), fake.regLength());
            assertEquals(verbs_h.IBV_ACCESS_LOCAL_WRITE(), fake.regAccess());
            assertEquals(0x1234abcd, queue.lkey());
            MemorySegment init = fake.qpInit();
            assertEquals(verbs_h.IBV_QPT_RAW_PACKET(), ibv_qp_init_attr.qp_type(init));
            assertEquals(64, ibv_qp_init_attr.cap_max_send_wr(init));
            assertEquals(128, ibv_qp_init_attr.cap_max_recv_wr(init));
            assertEquals(1, ibv_qp_init_attr.cap_max_send_sge(init));
            assertEquals(1, ibv_qp_init_attr.cap_max_recv_sge(init));
            assertEquals(VerbsRawQueue.REQUESTED_INLINE, ibv_qp_init_attr.cap_max_inline_data(init));
            assertEquals(0, ibv_qp_init_attr.sq_sig_all(init));
            assertEquals(queue.sendCq().address(), ibv_qp_init_attr.send_cq(init).address());
            assertEquals(queue.recvCq().address(), ibv_qp_init_attr.recv_cq(init).address());
            assertTrue(fake.recvChannelSeen(), "the receive CQ is bound to the completion channel");
            assertTrue(queue.completionChannelFd() > 2, "a real descriptor (the fake's pipe)");
            assertEquals(188 + 256, queue.maxInlineData(), "the granted inline size, read back from cap");
            assertTrue(queue.checksumOffload());
            assertEquals(3, fake.modifyCount());
            assertEquals(verbs_h.IBV_QPS_INIT(), fake.modifyState(0));
            assertEquals(verbs_h.IBV_QP_STATE() | verbs_h.IBV_QP_PORT(), fake.modifyMask(0));
            assertEquals(1, fake.modifyPort(0));
            assertEquals(verbs_h.IBV_QPS_RTR(), fake.modifyState(1));
            assertEquals(verbs_h.IBV_QP_STATE(), fake.modifyMask(1));
            assertEquals(verbs_h.IBV_QPS_RTS(), fake.modifyState(2));
            assertEquals(verbs_h.IBV_QP_STATE(), fake.modifyMask(2));
            assertEquals(7, fake.liveObjects());
            MemorySegment gid = pool.region().asSlice(0, io.flyover.verbs.bindings.ibv_gid.SIZEOF);
            gid.fill((byte) 0x77);
            assertEquals(0, verbs_h.ibv_query_gid(queue.context(), (byte) 1, 0, gid));
            assertEquals(0L, io.flyover.verbs.bindings.ibv_gid.global_interface_id(gid), "the stand-in zeroed the GID");
            fake.resetSetup();
        }
        assertEquals("ibv_destroy_qp ibv_destroy_cq ibv_destroy_cq ibv_destroy_comp_channel ibv_dereg_mr ibv_dealloc_pd "
                + "ibv_close_device", fake.calls(), "torn down in reverse order");
        assertEquals(0, fake.liveObjects());
        pool.close();
    }

    private VerbsException failAt(int step, int errno) {
        fake.failSetup(step, errno);
        VerbsException e = assertThrows(VerbsException.class,
                () -> VerbsRawQueue.open("fake_mlx5_0", 1, pool.region(), 64, 64));
        assertEquals(0, fake.liveObjects(), "everything made before the failure was undone: " + fake.calls());
        return e;
    }

    private static void assertMentions(VerbsException e, String... words) {
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' in: " + e.getMessage());
        }
    }

    @Test
    void eachFailureIsOneClearExceptionWithNothingLeftBehind() {
        assertMentions(failAt(FakeProvider.STEP_LIST, Errno.ENOSYS), "no RDMA devices", "ENOSYS");
        assertMentions(failAt(FakeProvider.STEP_NO_DEVICES, 0), "no RDMA device fake_mlx5_0", "found 0");
        assertMentions(failAt(FakeProvider.STEP_OPEN, Errno.EACCES), "ibv_open_device(fake_mlx5_0)", "permission denied");
        assertMentions(failAt(FakeProvider.STEP_QUERY_DEVICE, Errno.ENODEV), "ibv_query_device", "ENODEV");
        assertMentions(failAt(FakeProvider.STEP_PD, Errno.ENOMEM), "ibv_alloc_pd");
        VerbsException reg = failAt(FakeProvider.STEP_REG_MR, Errno.ENOMEM);
        assertMentions(reg, "ibv_reg_mr", "RLIMIT_MEMLOCK");
        assertEquals(Errno.ENOMEM, reg.errno());
        assertMentions(failAt(FakeProvider.STEP_CHANNEL, Errno.EINVAL), "ibv_create_comp_channel");
        assertMentions(failAt(FakeProvider.STEP_CQ, Errno.ENOMEM), "ibv_create_cq");
        assertMentions(failAt(FakeProvider.STEP_QP, Errno.EPERM), "IBV_QPT_RAW_PACKET", "CAP_NET_RAW");
        assertMentions(failAt(FakeProvider.STEP_MODIFY_RTR, Errno.EINVAL), "ibv_modify_qp to state 2");
        pool.close();
    }

    @Test
    void aPortThatIsDownIsRefused() {
        fake.setPortState(verbs_h.IBV_PORT_DOWN());
        VerbsException e = assertThrows(VerbsException.class, () -> VerbsRawQueue.open("fake_mlx5_0", 1, pool.region(), 64, 64));
        assertMentions(e, "port 1 of fake_mlx5_0 is not active (state DOWN)");
        assertEquals(0, fake.liveObjects());
        VerbsException noSuchPort = assertThrows(VerbsException.class,
                () -> VerbsRawQueue.open("fake_mlx5_0", 2, pool.region(), 64, 64));
        assertMentions(noSuchPort, "has ports 1..1, not 2");
        pool.close();
    }

    @Test
    void theFactoryOpensAWorkingDeviceFromSysfs(@TempDir Path sys) throws Exception {
        Files.createDirectories(sys.resolve("class/net/fk0/device/infiniband/fake_mlx5_0"));
        Files.writeString(sys.resolve("class/net/fk0/address"), "02:00:00:00:00:09\n");
        Files.writeString(sys.resolve("class/net/fk0/mtu"), "9000\n");
        Files.writeString(sys.resolve("class/net/fk0/dev_port"), "0\n");
        VerbsDeviceFactory factory = new VerbsDeviceFactory(new RdmaSysfs(sys), (d, n) -> d); // fk0 is not a real interface
        assertTrue(factory.serves("fk0"));
        NetDevice opened = factory.open("fk0", pool, new DeviceOptions(1, 64, false));
        VerbsNetDevice device = assertInstanceOf(VerbsNetDevice.class, opened);
        try (FrameCache app = pool.newCache(8)) {
            assertEquals("verbs:fk0/fake_mlx5_0:1", device.name());
            DeviceCapabilities caps = device.capabilities();
            assertEquals(0x02_00_00_00_00_09L, caps.mac());
            assertEquals(9000, caps.mtu());
            assertTrue(caps.has(DeviceCapabilities.Offload.TX_L4_CHECKSUM), "RAW_IP_CSUM advertised by the device");
            assertEquals(1, fake.forkInitCalls(), "ibv_fork_init once per process");
            assertTrue(!fake.calls().contains("ibv_fork_init") || fake.calls().startsWith("ibv_fork_init "),
                    "fork init comes before the factory's first device: " + fake.calls());
            assertEquals(64, device.postedReceiveBuffers());

            MemorySegment qp = device.queue().qp();
            assertTrue(fake.deliver(qp, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8, 0}, 0));
            FrameBurst in = new FrameBurst(4);
            assertEquals(1, device.receive(0, in, 0));
            assertEquals(14, pool.dataLength(in.get(0)));
            assertEquals(1, device.transmit(0, in, 0), "sent back out");
            in.clear();
            // Sleep support: arm, a packet arrives, the channel has one event for the receive CQ, acknowledged.
            assertEquals(queue(device).completionChannelFd(), device.completionChannelFd());
            device.takeInputEvents();
            assertEquals(0, device.eventsTaken(), "not armed: no event (EAGAIN on the non-blocking fd)");
            assertEquals(io.flyover.linux.sys.ArmableInput.Arming.ARMED, device.armInput());
            assertTrue(fake.deliver(qp, new byte[60], 0));
            int acked = fake.ackedEvents();
            device.takeInputEvents();
            assertEquals(1, device.eventsTaken());
            assertEquals(acked + 1, fake.ackedEvents());
            device.takeInputEvents();
            assertEquals(1, device.eventsTaken(), "one event per arming");
            assertEquals(1, device.receive(0, in, 0));
            device.transmit(0, in, 0);
            in.clear();
            device.addFlowRule(new FlowRule(17, new byte[] {(byte) 198, 18, 0, 9}, 9000, null, 0));
            assertEquals(1, fake.flowCount());
        } finally {
            device.close();
        }
        assertTrue(fake.flowDestroyed(0));
        assertEquals(0, fake.liveObjects());
        assertEquals(0, fake.unackedAtDestroy());
        pool.checkAllReturned();
        pool.close();
    }

    /**
     * In production the factory wraps the queue in neighbour taps ({@code NeighbourTapDevice}): here on
     * a real interface (one end of a veth) of the same name as the fake sysfs entry, since the taps bind to it.
     */
    @Test
    void theFactoryGivesTheQueueEarsForArpAndNeighbourDiscovery(@TempDir Path sys) throws Exception {
        run("ip", "link", "del", "fkd0"); // left by an interrupted run
        org.junit.jupiter.api.Assumptions.assumeTrue(
                run("ip", "link", "add", "fkd0", "type", "veth", "peer", "name", "fkd1") == 0,
                "needs root to add a veth (CI runs as root)");
        try {
            Files.createDirectories(sys.resolve("class/net/fkd0/device/infiniband/fake_mlx5_0"));
            Files.writeString(sys.resolve("class/net/fkd0/address"), "02:00:00:00:00:0b\n");
            Files.writeString(sys.resolve("class/net/fkd0/mtu"), "1500\n");
            Files.writeString(sys.resolve("class/net/fkd0/dev_port"), "0\n");
            VerbsDeviceFactory factory = new VerbsDeviceFactory(new RdmaSysfs(sys),
                    io.flyover.linux.packet.NeighbourTapDevice::wrap);
            NetDevice opened = factory.open("fkd0", pool, new DeviceOptions(1, 64, false));
            try {
                io.flyover.linux.packet.NeighbourTapDevice ears =
                        assertInstanceOf(io.flyover.linux.packet.NeighbourTapDevice.class, opened);
                assertInstanceOf(VerbsNetDevice.class, ears.inner());
                assertEquals(opened.name(), ears.inner().name());
            } finally {
                opened.close();
            }
            assertEquals(0, fake.liveObjects(), "closing the wrapper closed the queue");
        } finally {
            run("ip", "link", "del", "fkd0");
        }
    }

    private static VerbsRawQueue queue(VerbsNetDevice device) {
        return (VerbsRawQueue) device.queue();
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void theFactoryNamesWhatIsMissing(@TempDir Path sys) throws Exception {
        VerbsDeviceFactory factory = new VerbsDeviceFactory(new RdmaSysfs(sys), (d, n) -> d); // fk0 is not a real interface
        assertEquals(false, factory.serves("eth9"));
        VerbsException e = assertThrows(VerbsException.class, () -> factory.open("eth9", pool, DeviceOptions.DEFAULTS));
        assertMentions(e, "interface eth9 has no RDMA device");
        Files.createDirectories(sys.resolve("class/net/fk1/device/infiniband/fake_mlx5_0"));
        Files.writeString(sys.resolve("class/net/fk1/address"), "02:00:00:00:00:0a\n");
        Files.writeString(sys.resolve("class/net/fk1/mtu"), "1500\n");
        fake.failSetup(FakeProvider.STEP_REG_MR, Errno.ENOMEM);
        VerbsException reg = assertThrows(VerbsException.class, () -> factory.open("fk1", pool, new DeviceOptions(1, 64, false)));
        assertMentions(reg, "ibv_reg_mr", "RLIMIT_MEMLOCK");
        assertEquals(0, fake.liveObjects());
        assertThrows(VerbsException.class, () -> factory.open("fk1", pool, new DeviceOptions(2, 64, false)));
        pool.checkAllReturned();
        pool.close();
    }
}
