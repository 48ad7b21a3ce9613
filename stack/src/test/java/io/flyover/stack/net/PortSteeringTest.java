package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flyover.stack.TwoStacks;
import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.ForwardingNetDevice;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.udp.UdpSocket;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The flow rules a stack asks its device for (what ibverbs flow steering or an AF_XDP program steering by
 * port needs): one per listening or bound port, per actively opened connection and per joined multicast
 * group, none per accepted connection, each removed when its last holder goes, and a device that refuses
 * a rule fails the open.
 */
class PortSteeringTest {
    private static final IpAddress A4 = TwoStacks.A4;
    private static final IpAddress B4 = TwoStacks.B4;
    private static final byte[] A4_BYTES = {(byte) 198, 18, 0, 1};

    private RecordingDevice device;
    private final TwoStacks net = new TwoStacks(io.flyover.stack.StackConfig.builder(),
            io.flyover.stack.StackConfig.builder(), d -> device = new RecordingDevice(d), d -> d);

    @AfterEach
    void close() {
        net.close();
    }

    @Test
    void aListenerHoldsOneRuleThatItsAcceptedConnectionsShareUntilTheLastGoes() {
        TcpListener l = net.a.tcp().listen(0, 0, 7000, 16, null);
        assertEquals(List.of("+" + new FlowRule(6, null, 7000, null, 0)), device.events);

        TcpConnection c1 = net.b.tcp().connect(B4.hi(), B4.lo(), 0, A4.hi(), A4.lo(), 7000, null, net.now);
        TcpConnection c2 = net.b.tcp().connect(B4.hi(), B4.lo(), 0, A4.hi(), A4.lo(), 7000, null, net.now);
        net.run(10);
        TcpConnection s1 = l.accept();
        TcpConnection s2 = l.accept();
        assertEquals(1, device.events.size(), "no rule per accepted connection: " + device.events);

        l.close(net.now);
        assertEquals(1, device.events.size(), "the accepted connections still hold the port");
        s1.abort(net.now);
        assertEquals(1, net.a.netInterface().portSteering().rules());
        s2.abort(net.now);
        assertEquals(List.of("+" + new FlowRule(6, null, 7000, null, 0), "-" + new FlowRule(6, null, 7000, null, 0)),
                device.events);
        assertEquals(0, net.a.netInterface().portSteering().rules());
        net.run(10);
        c1.abort(net.now);
        c2.abort(net.now);
    }

    @Test
    void anActiveOpenHoldsItsOwnAddressAndPortUntilItIsReleased() {
        net.b.tcp().listen(0, 0, 7001, 16, null);
        TcpConnection c = net.a.tcp().connect(A4.hi(), A4.lo(), 0, B4.hi(), B4.lo(), 7001, null, net.now);
        FlowRule rule = new FlowRule(6, A4_BYTES, c.localPort(), null, 0);
        assertEquals(List.of("+" + rule), device.events);
        net.run(10);
        c.abort(net.now);
        assertEquals(List.of("+" + rule, "-" + rule), device.events);
    }

    /**
     * What the layer above ties to a connection (the provider's kernel socket reserving its port) lives
     * until the connection leaves the table: through FIN-WAIT and TIME-WAIT after the application closed.
     * The stack reports the release; letting go is the layer above's.
     */
    @Test
    void aConnectionIsReportedReleasedWhenItLeavesTheTableNotAtClose() {
        io.flyover.stack.tcp.TcpSettings shortTimeWait = new io.flyover.stack.tcp.TcpSettings();
        shortTimeWait.timeWaitNanos = 1_000_000_000L;
        TcpListener l = net.b.tcp().listen(0, 0, 7003, 16, null);
        TcpConnection c = net.a.tcp().connect(A4.hi(), A4.lo(), 0, B4.hi(), B4.lo(), 7003, shortTimeWait, net.now);
        List<TcpConnection> released = new ArrayList<>();
        net.a.tcp().setReadinessListener(new io.flyover.stack.tcp.TcpReadinessListener() {
            @Override
            public void onReleased(TcpConnection r) {
                released.add(r);
            }
        });
        net.run(10);
        TcpConnection s = l.accept();
        c.close(net.now); // active close: FIN-WAIT, then TIME-WAIT once the peer closes too
        net.run(10);
        s.close(net.now);
        net.run(10);
        assertEquals(io.flyover.stack.tcp.TcpState.TIME_WAIT, c.state());
        assertEquals(List.of(), released, "still held in TIME-WAIT");
        assertEquals(1, net.a.netInterface().portSteering().rules());
        net.advance(2_000_000_000L, 100_000_000L);
        assertEquals(List.of(c), released, "released once, with the port's rule");
        assertEquals(0, net.a.netInterface().portSteering().rules());
    }

    @Test
    void udpSocketsSharingAPortHoldOneRuleAndTheWildcardHasNoAddress() throws Exception {
        UdpSocket s1 = net.a.openUdp();
        UdpSocket s2 = net.a.openUdp();
        UdpSocket s3 = net.a.openUdp();
        s1.setReuseAddress(true);
        s2.setReuseAddress(true);
        s1.bind(IpAddress.ANY_V4, 5000);
        s2.bind(IpAddress.ANY_V6, 5000); // 0.0.0.0 and :: are one wildcard
        s3.bind(A4, 5001);
        FlowRule any5000 = new FlowRule(17, null, 5000, null, 0);
        FlowRule a5001 = new FlowRule(17, A4_BYTES, 5001, null, 0);
        assertEquals(List.of("+" + any5000, "+" + a5001), device.events);
        s1.close();
        assertEquals(2, device.events.size(), "s2 still holds 5000");
        s2.close();
        s3.close();
        assertEquals(List.of("+" + any5000, "+" + a5001, "-" + any5000, "-" + a5001), device.events);
    }

    @Test
    void aDeviceThatRefusesTheRuleFailsTheOpenAndNothingIsHeld() throws Exception {
        device.refuse = true;
        assertThrows(SteeringRefusedException.class, () -> net.a.tcp().listen(0, 0, 7002, 16, null));
        assertThrows(SteeringRefusedException.class,
                () -> net.a.tcp().connect(A4.hi(), A4.lo(), 0, B4.hi(), B4.lo(), 7002, null, net.now));
        UdpSocket u = net.a.openUdp();
        assertThrows(BindException.class, () -> u.bind(IpAddress.ANY_V4, 5002));
        assertEquals(0, net.a.netInterface().portSteering().rules());

        device.refuse = false;
        TcpListener l = net.a.tcp().listen(0, 0, 7002, 16, null); // the refused listen left no listener behind
        u.bind(IpAddress.ANY_V4, 5002);
        assertEquals(2, net.a.netInterface().portSteering().rules());
        l.close(net.now);
        u.close();
        assertEquals(0, net.a.netInterface().portSteering().rules());
    }

    @Test
    void theInterfaceJoiningAGroupSteersItsDatagramsOnAnyPortUntilItLeaves() throws Exception {
        IpAddress group = IpAddress.parse("239.1.2.3");
        FlowRule rule = new FlowRule(17, new byte[] {(byte) 239, 1, 2, 3}, 0, null, 0);
        UdpSocket s1 = net.a.openUdp();
        UdpSocket s2 = net.a.openUdp();
        s1.join(group);
        s2.join(group, B4); // a source-specific member of a group the interface has joined already
        assertEquals(List.of("+" + rule), device.events);
        s1.leave(group);
        assertEquals(1, device.events.size(), "s2 is still a member");
        s2.close();
        assertEquals(List.of("+" + rule, "-" + rule), device.events);

        device.refuse = true;
        UdpSocket s3 = net.a.openUdp();
        assertThrows(java.net.SocketException.class, () -> s3.join(group));
        device.refuse = false;
        s3.join(group); // the refused join left no membership behind: joining again works and is steered
        assertEquals("+" + rule, device.events.get(2));
        s3.close();
        assertEquals(0, net.a.netInterface().portSteering().rules());
    }

    /** A release runs inside segment input and timers: a device failing to remove a rule is counted, not thrown. */
    @Test
    void aDeviceFailingToRemoveARuleIsCountedNotThrown() throws Exception {
        UdpSocket u = net.a.openUdp();
        u.bind(IpAddress.ANY_V4, 5003);
        device.refuse = true;
        u.close();
        assertEquals(0, net.a.netInterface().portSteering().rules(), "no longer held");
        assertEquals(1, net.a.netInterface().portSteering().removalFailures());
    }

    /** Passes frames to the veth end; records each rule added ("+") and removed ("-"), or refuses them. */
    private static final class RecordingDevice extends ForwardingNetDevice {
        final List<String> events = new ArrayList<>();
        boolean refuse;

        RecordingDevice(NetDevice inner) {
            super(inner);
        }

        @Override
        public void addFlowRule(FlowRule rule) {
            if (refuse) {
                throw new IllegalStateException("no flow steering");
            }
            events.add("+" + rule);
        }

        @Override
        public void removeFlowRule(FlowRule rule) {
            if (refuse) {
                throw new IllegalStateException("cannot remove");
            }
            events.add("-" + rule);
        }
    }
}
