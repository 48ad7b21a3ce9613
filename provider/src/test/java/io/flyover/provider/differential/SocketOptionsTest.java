package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Socket options of each channel type: the supported set (compared with the JDK's by name), defaults,
 * round trips, the JDK's clamping, and the exceptions for invalid values and unsupported options.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SocketOptionsTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void supportedOptionsMatchTheJdksForEveryChannelType(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Loopback jdk = new Loopback(ProviderArm.JDK)) {
            assertSameOptionNames(arm, "SocketChannel", jdk.socket(), lo.socket());
            assertSameOptionNames(arm, "ServerSocketChannel", jdk.server(), lo.server());
            assertSameOptionNames(arm, "DatagramChannel", jdk.datagram(), lo.datagram());
            assertTrue(lo.socket().supportedOptions().containsAll(Set.of(StandardSocketOptions.SO_SNDBUF,
                    StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_REUSEADDR,
                    StandardSocketOptions.SO_LINGER, StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.IP_TOS)),
                    arm + ": SocketChannel lists the standard TCP options");
        }
    }

    private static void assertSameOptionNames(ProviderArm arm, String type, NetworkChannel reference, NetworkChannel tested) {
        Set<String> expected = names(reference.supportedOptions());
        Set<String> actual = names(tested.supportedOptions());
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertEquals(expected, actual, arm + ": " + type + ".supportedOptions() lacks " + missing + ", adds " + extra);
    }

    private static Set<String> names(Set<SocketOption<?>> options) {
        Set<String> names = new TreeSet<>();
        options.forEach(o -> names.add(o.name()));
        return names;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void socketChannelDefaultsAndRoundTrips(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            SocketChannel ch = lo.connected().client();
            expect(arm, "TCP_NODELAY default", returned(false), of(() -> ch.getOption(StandardSocketOptions.TCP_NODELAY)));
            expect(arm, "SO_KEEPALIVE default", returned(false), of(() -> ch.getOption(StandardSocketOptions.SO_KEEPALIVE)));
            expect(arm, "SO_LINGER default", returned(-1), of(() -> ch.getOption(StandardSocketOptions.SO_LINGER)));
            expect(arm, "SO_REUSEADDR default", returned(false), of(() -> ch.getOption(StandardSocketOptions.SO_REUSEADDR)));
            expect(arm, "IP_TOS default", returned(0), of(() -> ch.getOption(StandardSocketOptions.IP_TOS)));
            assertTrue(ch.getOption(StandardSocketOptions.SO_SNDBUF) > 0, arm + ": SO_SNDBUF is positive");
            assertTrue(ch.getOption(StandardSocketOptions.SO_RCVBUF) > 0, arm + ": SO_RCVBUF is positive");

            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            expect(arm, "TCP_NODELAY set", returned(true), of(() -> ch.getOption(StandardSocketOptions.TCP_NODELAY)));
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            expect(arm, "SO_KEEPALIVE set", returned(true), of(() -> ch.getOption(StandardSocketOptions.SO_KEEPALIVE)));
            ch.setOption(StandardSocketOptions.SO_LINGER, 5);
            expect(arm, "SO_LINGER 5", returned(5), of(() -> ch.getOption(StandardSocketOptions.SO_LINGER)));
            // sun.nio.ch.Net: a linger above 65535 is 65535, a negative one is "off" (-1).
            ch.setOption(StandardSocketOptions.SO_LINGER, 70_000);
            expect(arm, "SO_LINGER 70000 clamped", returned(65_535), of(() -> ch.getOption(StandardSocketOptions.SO_LINGER)));
            ch.setOption(StandardSocketOptions.SO_LINGER, -7);
            expect(arm, "SO_LINGER negative is off", returned(-1), of(() -> ch.getOption(StandardSocketOptions.SO_LINGER)));
            ch.setOption(StandardSocketOptions.IP_TOS, 0x10);
            expect(arm, "IP_TOS 0x10", returned(0x10), of(() -> ch.getOption(StandardSocketOptions.IP_TOS)));
            // Linux keeps a TCP socket's ECN bits for TCP (ip_sockglue.c __ip_sock_set_tos): 0xFF reads 0xFC.
            ch.setOption(StandardSocketOptions.IP_TOS, 0xFF);
            expect(arm, "IP_TOS 0xFF on TCP", returned(0xFC), of(() -> ch.getOption(StandardSocketOptions.IP_TOS)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void socketChannelRejectsInvalidValuesAndForeignOptions(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            SocketChannel ch = lo.socket();
            expectThrows(arm, "IP_TOS 256", IllegalArgumentException.class, () -> ch.setOption(StandardSocketOptions.IP_TOS, 256));
            expectThrows(arm, "IP_TOS -1", IllegalArgumentException.class, () -> ch.setOption(StandardSocketOptions.IP_TOS, -1));
            expectThrows(arm, "SO_RCVBUF -1", IllegalArgumentException.class, () -> ch.setOption(StandardSocketOptions.SO_RCVBUF, -1));
            expectThrows(arm, "SO_SNDBUF -1", IllegalArgumentException.class, () -> ch.setOption(StandardSocketOptions.SO_SNDBUF, -1));
            expectThrows(arm, "TCP_NODELAY null", IllegalArgumentException.class, () -> ch.setOption(StandardSocketOptions.TCP_NODELAY, null));
            expectThrows(arm, "set IP_MULTICAST_TTL on TCP", UnsupportedOperationException.class,
                    () -> ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1));
            expectThrows(arm, "get SO_BROADCAST on TCP", UnsupportedOperationException.class,
                    () -> ch.getOption(StandardSocketOptions.SO_BROADCAST));
            expectThrows(arm, "null option", NullPointerException.class, () -> ch.getOption(null));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void serverSocketChannelOptions(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.track(lo.provider().openServerSocketChannel());
            // ServerSocketChannelImpl sets SO_REUSEADDR on creation (Net.serverSocket).
            expect(arm, "server SO_REUSEADDR default", returned(true), of(() -> server.getOption(StandardSocketOptions.SO_REUSEADDR)));
            server.setOption(StandardSocketOptions.SO_REUSEADDR, false);
            expect(arm, "server SO_REUSEADDR cleared", returned(false), of(() -> server.getOption(StandardSocketOptions.SO_REUSEADDR)));
            assertTrue(server.getOption(StandardSocketOptions.SO_RCVBUF) > 0, arm + ": server SO_RCVBUF is positive");
            expectThrows(arm, "server SO_RCVBUF -1", IllegalArgumentException.class,
                    () -> server.setOption(StandardSocketOptions.SO_RCVBUF, -1));
            expectThrows(arm, "server TCP_NODELAY", UnsupportedOperationException.class,
                    () -> server.setOption(StandardSocketOptions.TCP_NODELAY, true));
            expectThrows(arm, "server SO_LINGER", UnsupportedOperationException.class,
                    () -> server.getOption(StandardSocketOptions.SO_LINGER));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void datagramChannelOptions(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel dc = lo.datagram();
            expect(arm, "SO_BROADCAST default", returned(false), of(() -> dc.getOption(StandardSocketOptions.SO_BROADCAST)));
            expect(arm, "IP_MULTICAST_TTL default", returned(1), of(() -> dc.getOption(StandardSocketOptions.IP_MULTICAST_TTL)));
            expect(arm, "IP_MULTICAST_LOOP default", returned(true), of(() -> dc.getOption(StandardSocketOptions.IP_MULTICAST_LOOP)));
            expect(arm, "IP_MULTICAST_IF default", returned(null), of(() -> dc.getOption(StandardSocketOptions.IP_MULTICAST_IF)));
            expect(arm, "datagram SO_REUSEADDR default", returned(false), of(() -> dc.getOption(StandardSocketOptions.SO_REUSEADDR)));
            dc.setOption(StandardSocketOptions.SO_BROADCAST, true);
            expect(arm, "SO_BROADCAST set", returned(true), of(() -> dc.getOption(StandardSocketOptions.SO_BROADCAST)));
            dc.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 5);
            expect(arm, "IP_MULTICAST_TTL 5", returned(5), of(() -> dc.getOption(StandardSocketOptions.IP_MULTICAST_TTL)));
            dc.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, false);
            expect(arm, "IP_MULTICAST_LOOP cleared", returned(false), of(() -> dc.getOption(StandardSocketOptions.IP_MULTICAST_LOOP)));
            expectThrows(arm, "IP_MULTICAST_TTL 256", IllegalArgumentException.class,
                    () -> dc.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 256));
            dc.setOption(StandardSocketOptions.IP_TOS, 0xFF);
            expect(arm, "datagram IP_TOS 0xFF keeps all bits", returned(0xFF), of(() -> dc.getOption(StandardSocketOptions.IP_TOS)));
            expectThrows(arm, "datagram IP_TOS 300", IllegalArgumentException.class,
                    () -> dc.setOption(StandardSocketOptions.IP_TOS, 300));
            expectThrows(arm, "datagram TCP_NODELAY", UnsupportedOperationException.class,
                    () -> dc.setOption(StandardSocketOptions.TCP_NODELAY, true));
            expectThrows(arm, "datagram SO_LINGER", UnsupportedOperationException.class,
                    () -> dc.getOption(StandardSocketOptions.SO_LINGER));
        }
    }
}
