package io.flyover.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.packet.NeighbourTapDevice;
import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.Shell;
import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.udp.UdpSocket;
import java.net.SocketException;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The verbs device shares its interface with the kernel, which keeps IGMP and MLD: a whole stack over the
 * fake provider's queue, wrapped in neighbour taps on the root end of a veth as the factory wraps it, joins
 * groups, and the kernel's own membership of each (what {@code ip maddr show} lists for the interface) follows
 * the flow rules naming the group: joined with the first, left with the last, left on close, never left
 * behind by a rule the device refused.
 */
class VerbsKernelGroupJoinTest {
    private static final IpAddress GROUP4 = IpAddress.parse("239.18.83.1");
    private static final IpAddress GROUP6 = IpAddress.parse("ff15::8301");

    private FakeProvider fake;
    private Namespace ns;
    private FramePool pool;
    private NeighbourTapDevice ears;
    private Stack stack;

    @BeforeEach
    void open() throws Exception {
        NativeToolchain.assumeAvailable();
        Prerequisites.requireNetworkAdmin();
        fake = FakeProvider.get();
        fake.reset();
        ns = Namespace.withVeth("vg", 83);
        pool = FramePool.allocate(256);
    }

    /** The verbs device over the fake provider, given ears on the veth's root end as the factory does. */
    private void openDevice() throws Exception {
        VerbsNetDevice device = new VerbsNetDevice("verbs:" + ns.hostLink(), new FakeRawQueue(fake, 16, 16, 64, true),
                pool, new DeviceCapabilities(0x02_00_00_00_83_02L, 1500, 1, 1, Set.of()), 4);
        ears = NeighbourTapDevice.wrap(device, ns.hostLink());
    }

    /** A stack over {@link #openDevice()}. */
    private void startStack() throws Exception {
        openDevice();
        stack = new Stack(StackConfig.builder().ipv4(ns.localIpv4(), 24).ipv6(ns.localIpv6(), 64).build(), ears,
                new SeededRandom(83));
    }

    @AfterEach
    void close() {
        try {
            if (stack != null) {
                stack.close();
            }
            if (ears != null) {
                ears.close(); // closes the verbs device
                pool.checkAllReturned();
            }
        } finally {
            if (pool != null) {
                pool.close();
            }
            if (ns != null) {
                ns.close();
            }
        }
    }

    /** The groups the kernel holds on the veth's root end, as {@code ip maddr show} lists them. */
    private String kernelGroups() {
        return Shell.run("ip", "maddr", "show", "dev", ns.hostLink());
    }

    private static String listed(IpAddress group) {
        return group.isV4() ? "inet  239.18.83.1\n" : "inet6 ff15::8301\n";
    }

    @Test
    void theKernelJoinsAnIpv4GroupWhileARuleNamesIt() throws Exception {
        twoRulesNameTheGroup(GROUP4);
    }

    @Test
    void theKernelJoinsAnIpv6GroupWhileARuleNamesIt() throws Exception {
        twoRulesNameTheGroup(GROUP6);
    }

    /**
     * A membership (rule: the group, any port) and a socket bound to the group's address (rule: the group,
     * its port) name one group: the kernel joins it once, and leaves it only with the second of the two.
     */
    private void twoRulesNameTheGroup(IpAddress group) throws Exception {
        startStack();
        assertFalse(kernelGroups().contains(listed(group)), kernelGroups());
        UdpSocket member = stack.openUdp();
        member.join(group);
        assertTrue(kernelGroups().contains(listed(group)), "joined with the first rule: " + kernelGroups());
        assertEquals(1, ears.kernelGroups());
        UdpSocket bound = stack.openUdp();
        bound.bind(group, 8300);
        assertEquals(2, ((VerbsNetDevice) ears.inner()).flowRuleCount(), "two rules name the group");
        assertEquals(1, ears.kernelGroups(), "one membership for both");

        member.leave(group);
        assertEquals(1, ((VerbsNetDevice) ears.inner()).flowRuleCount());
        assertTrue(kernelGroups().contains(listed(group)), "the bound socket's rule still names it: " + kernelGroups());
        bound.close();
        assertEquals(0, ((VerbsNetDevice) ears.inner()).flowRuleCount());
        assertFalse(kernelGroups().contains(listed(group)), "left with the last rule: " + kernelGroups());
        assertEquals(0, ears.kernelGroups());
        member.close();
    }

    @Test
    void closingTheDeviceLeavesEveryGroup() throws Exception {
        openDevice();
        ears.addFlowRule(new FlowRule(17, GROUP4.toInetAddress().getAddress(), 0, null, 0));
        ears.addFlowRule(new FlowRule(17, GROUP6.toInetAddress().getAddress(), 8300, null, 0));
        ears.addFlowRule(new FlowRule(17, GROUP6.toInetAddress().getAddress(), 8301, null, 0));
        assertTrue(kernelGroups().contains(listed(GROUP4)) && kernelGroups().contains(listed(GROUP6)), kernelGroups());
        assertEquals(2, ears.kernelGroups());
        NeighbourTapDevice closing = ears;
        ears = null;
        closing.close();
        pool.checkAllReturned();
        String after = kernelGroups();
        assertFalse(after.contains(listed(GROUP4)) || after.contains(listed(GROUP6)), after);
        assertEquals(0, closing.kernelGroups());
    }

    /** A rule the device refuses leaves no membership behind: the join is undone with it. */
    @Test
    void aGroupTheDeviceRefusesLeavesTheKernelOutOfIt() throws Exception {
        fake.setFlowSupport(false);
        startStack();
        UdpSocket member = stack.openUdp();
        SocketException e = assertThrows(SocketException.class, () -> member.join(GROUP4));
        assertTrue(e.getMessage().contains("no flow steering"), e.getMessage());
        assertThrows(SocketException.class, () -> member.join(GROUP6));
        String after = kernelGroups();
        assertFalse(after.contains(listed(GROUP4)) || after.contains(listed(GROUP6)), after);
        assertEquals(0, ears.kernelGroups());
        member.close();
    }
}
