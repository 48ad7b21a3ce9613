package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * IPv4 multicast on the loopback interface: joining and leaving, what a {@link MembershipKey} reports, source
 * blocking, and group traffic delivered (or not). Runs where the JDK itself can join a group on {@code lo};
 * elsewhere both arms are skipped with the reason.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class MulticastTest {
    /** Administratively scoped (RFC 2365), never routed. */
    private static final InetAddress GROUP = address("239.255.77.1");
    private static final InetAddress OTHER_SOURCE = address("127.0.0.2");
    private static volatile String loopbackMulticastProblem;
    private static volatile boolean probed;

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The loopback interface, once the JDK has shown it can join a group there. */
    private static synchronized NetworkInterface loopbackInterface() throws IOException {
        NetworkInterface lo = NetworkInterface.getByInetAddress(Loopback.ADDRESS);
        if (!probed) {
            probed = true;
            if (lo == null) {
                loopbackMulticastProblem = "no interface holds " + Loopback.ADDRESS;
            } else {
                try (DatagramChannel probe = JdkSelectorProvider.get().openDatagramChannel(StandardProtocolFamily.INET)) {
                    probe.bind(new InetSocketAddress(0));
                    probe.join(GROUP, lo).drop();
                } catch (IOException e) {
                    loopbackMulticastProblem = "the JDK cannot join " + GROUP + " on " + lo.getName() + ": " + e;
                }
            }
        }
        Assumptions.assumeTrue(loopbackMulticastProblem == null, () -> loopbackMulticastProblem);
        return lo;
    }

    /** A member socket: INET, SO_REUSEADDR, bound to the wildcard address (group traffic is addressed to the group). */
    private static DatagramChannel member(Loopback lo) throws IOException {
        DatagramChannel ch = lo.track(lo.provider().openDatagramChannel(StandardProtocolFamily.INET));
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(new InetSocketAddress(0));
        return ch;
    }

    /** A sender that sends group traffic out of the loopback interface and loops it back. */
    private static DatagramChannel sender(Loopback lo, NetworkInterface ni) throws IOException {
        DatagramChannel ch = lo.track(lo.provider().openDatagramChannel(StandardProtocolFamily.INET));
        ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, ni);
        ch.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
        ch.bind(new InetSocketAddress(Loopback.ADDRESS, 0));
        return ch;
    }

    private static int port(DatagramChannel ch) throws IOException {
        return ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }

    /**
     * Sends one datagram to the group, then a unicast sentinel to the member, and returns the first byte the
     * member receives: the group byte if group traffic is delivered, else the sentinel's.
     */
    private static byte firstDelivered(DatagramChannel sender, DatagramChannel member) throws IOException {
        sender.send(ByteBuffer.wrap(new byte[] {'G'}), new InetSocketAddress(GROUP, port(member)));
        sender.send(ByteBuffer.wrap(new byte[] {'S'}), new InetSocketAddress(Loopback.ADDRESS, port(member)));
        ByteBuffer in = ByteBuffer.allocate(4);
        member.receive(in);
        return in.get(0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aMembershipKeyDescribesItsMembershipAndGroupTrafficArrives(ProviderArm arm) throws Exception {
        NetworkInterface ni = loopbackInterface();
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel member = member(lo);
            MembershipKey key = member.join(GROUP, ni);
            assertTrue(key.isValid(), arm + ": a new key is valid");
            assertEquals(GROUP, key.group(), arm + ": key.group");
            assertEquals(ni, key.networkInterface(), arm + ": key.networkInterface");
            assertSame(member, key.channel(), arm + ": key.channel");
            assertNull(key.sourceAddress(), arm + ": an any-source membership has no source");
            assertSame(key, member.join(GROUP, ni), arm + ": joining again returns the same key");
            DatagramChannel sender = sender(lo, ni);
            expect(arm, "first datagram delivered to a member", returned((byte) 'G'), of(() -> firstDelivered(sender, member)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aDroppedMembershipNoLongerReceives(ProviderArm arm) throws Exception {
        NetworkInterface ni = loopbackInterface();
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel member = member(lo);
            MembershipKey key = member.join(GROUP, ni);
            key.drop();
            assertFalse(key.isValid(), arm + ": a dropped key is invalid");
            expect(arm, "drop twice", Outcome.done(), Outcome.ofRun(key::drop));
            DatagramChannel sender = sender(lo, ni);
            // The member skips the group datagram: the sentinel comes first.
            expect(arm, "first datagram delivered after leaving", returned((byte) 'S'), of(() -> firstDelivered(sender, member)));
            MembershipKey again = member.join(GROUP, ni);
            assertTrue(again != key && again.isValid(), arm + ": joining after a drop gives a new key");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void blockingTheSenderStopsItsGroupTrafficUntilUnblocked(ProviderArm arm) throws Exception {
        NetworkInterface ni = loopbackInterface();
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel member = member(lo);
            MembershipKey key = member.join(GROUP, ni);
            DatagramChannel sender = sender(lo, ni);
            assertSame(key, key.block(Loopback.ADDRESS), arm + ": block returns the key");
            expect(arm, "first datagram delivered from a blocked source", returned((byte) 'S'), of(() -> firstDelivered(sender, member)));
            assertSame(key, key.unblock(Loopback.ADDRESS), arm + ": unblock returns the key");
            expect(arm, "first datagram delivered once unblocked", returned((byte) 'G'), of(() -> firstDelivered(sender, member)));
            expectThrows(arm, "unblock a source that is not blocked", IllegalStateException.class, () -> key.unblock(OTHER_SOURCE));
            expectThrows(arm, "block a multicast source", IllegalArgumentException.class, () -> key.block(GROUP));
            expectThrows(arm, "block the wildcard address", IllegalArgumentException.class,
                    () -> key.block(new InetSocketAddress(0).getAddress()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aSourceSpecificMembershipCannotBlock(ProviderArm arm) throws Exception {
        NetworkInterface ni = loopbackInterface();
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel member = member(lo);
            MembershipKey key = member.join(GROUP, ni, Loopback.ADDRESS);
            assertEquals(Loopback.ADDRESS, key.sourceAddress(), arm + ": key.sourceAddress");
            expectThrows(arm, "block on a source-specific key", IllegalStateException.class, () -> key.block(OTHER_SOURCE));
            DatagramChannel sender = sender(lo, ni);
            expect(arm, "first datagram delivered from the joined source", returned((byte) 'G'),
                    of(() -> firstDelivered(sender, member)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void invalidJoinsAreRefused(ProviderArm arm) throws Exception {
        NetworkInterface ni = loopbackInterface();
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel member = member(lo);
            expectThrows(arm, "join a unicast address", IllegalArgumentException.class, () -> member.join(Loopback.ADDRESS, ni));
            expectThrows(arm, "join an IPv6 group on an IPv4 channel", IllegalArgumentException.class,
                    () -> member.join(InetAddress.getByName("ff02::1"), ni));
            expectThrows(arm, "join with a multicast source", IllegalArgumentException.class,
                    () -> member.join(GROUP, ni, GROUP));
            MembershipKey key = member.join(GROUP, ni);
            member.close();
            assertFalse(key.isValid(), arm + ": closing the channel invalidates its keys");
            expectThrows(arm, "join on a closed channel", ClosedChannelException.class, () -> member.join(GROUP, ni));
        }
    }
}
