package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code DatagramChannel}: send/receive, truncation, connect and its filtering, port unreachable, bind rules. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class DatagramChannelTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aDatagramArrivesWithItsSender(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel a = lo.datagram();
            DatagramChannel b = lo.datagram();
            expect(arm, "send", returned(3), of(() -> a.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), b.getLocalAddress())));
            ByteBuffer in = ByteBuffer.allocate(16);
            expect(arm, "receive's sender", returned(a.getLocalAddress()), of(() -> b.receive(in)));
            assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOf(in.array(), in.position()), arm + ": payload");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void nonBlockingReceiveReturnsNullWhenNothingArrived(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel b = lo.datagram();
            b.configureBlocking(false);
            expect(arm, "non-blocking receive with nothing queued", returned(null), of(() -> b.receive(ByteBuffer.allocate(4))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aDatagramLargerThanTheBufferIsTruncatedAndTheRestDiscarded(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel a = lo.datagram();
            DatagramChannel b = lo.datagram();
            a.send(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), b.getLocalAddress());
            a.send(ByteBuffer.wrap(new byte[] {11}), b.getLocalAddress());
            ByteBuffer small = ByteBuffer.allocate(4);
            b.receive(small);
            assertArrayEquals(new byte[] {1, 2, 3, 4}, small.array(), arm + ": the first bytes of the long datagram");
            ByteBuffer next = ByteBuffer.allocate(4);
            b.receive(next);
            assertEquals(1, next.position(), arm + ": the next receive gets the next datagram, not the rest");
            assertEquals(11, next.get(0), arm + ": the next datagram's byte");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void anEmptyDatagramIsADatagram(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel a = lo.datagram();
            DatagramChannel b = lo.datagram();
            expect(arm, "send of an empty datagram", returned(0), of(() -> a.send(ByteBuffer.allocate(0), b.getLocalAddress())));
            ByteBuffer in = ByteBuffer.allocate(4);
            expect(arm, "receive of an empty datagram", returned(a.getLocalAddress()), of(() -> b.receive(in)));
            assertEquals(0, in.position(), arm + ": no bytes");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aConnectedChannelTalksOnlyToItsPeer(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel a = lo.datagram();
            DatagramChannel b = lo.datagram();
            DatagramChannel stranger = lo.datagram();
            b.connect(a.getLocalAddress());
            assertTrue(b.isConnected(), arm + ": isConnected");
            assertEquals(a.getLocalAddress(), b.getRemoteAddress(), arm + ": remote address");
            stranger.send(ByteBuffer.wrap(new byte[] {66}), b.getLocalAddress());
            a.send(ByteBuffer.wrap(new byte[] {1}), b.getLocalAddress());
            ByteBuffer in = ByteBuffer.allocate(4);
            expect(arm, "read on a connected channel", returned(1), of(() -> b.read(in)));
            assertEquals(1, in.get(0), arm + ": only the peer's datagram is read");
            expect(arm, "write on a connected channel", returned(2), of(() -> b.write(ByteBuffer.wrap(new byte[] {7, 8}))));
            ByteBuffer atA = ByteBuffer.allocate(4);
            expect(arm, "the peer receives from the connected channel", returned(b.getLocalAddress()), of(() -> a.receive(atA)));
            expectThrows(arm, "send to another address while connected", AlreadyConnectedException.class,
                    () -> b.send(ByteBuffer.wrap(new byte[1]), stranger.getLocalAddress()));
            b.configureBlocking(false);
            expect(arm, "the stranger's datagram was never queued", returned(0), of(() -> b.read(ByteBuffer.allocate(4))));
            b.disconnect();
            assertFalse(b.isConnected(), arm + ": disconnected");
            expect(arm, "remote address after disconnect", returned(null), of(b::getRemoteAddress));
            stranger.send(ByteBuffer.wrap(new byte[] {67}), b.getLocalAddress());
            b.configureBlocking(true);
            expect(arm, "a disconnected channel receives from anyone", returned(stranger.getLocalAddress()),
                    of(() -> b.receive(ByteBuffer.allocate(4))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void readAndWriteNeedAConnection(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel a = lo.datagram();
            expectThrows(arm, "read unconnected", NotYetConnectedException.class, () -> a.read(ByteBuffer.allocate(1)));
            expectThrows(arm, "write unconnected", NotYetConnectedException.class, () -> a.write(ByteBuffer.allocate(1)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aConnectedChannelLearnsThatNobodyListens(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm); Selector selector = lo.provider().openSelector()) {
            InetSocketAddress nobody = closedDatagramPort(lo);
            DatagramChannel a = lo.datagram();
            a.connect(nobody);
            a.write(ByteBuffer.wrap(new byte[] {1}));
            a.configureBlocking(false);
            a.register(selector, SelectionKey.OP_READ);
            Outcome read = Outcome.returned(0);
            for (int i = 0; i < 50 && read.equals(Outcome.returned(0)); i++) {
                selector.select(100);
                selector.selectedKeys().clear();
                read = Outcome.of(() -> a.read(ByteBuffer.allocate(4)));
            }
            expect(arm, "read after ICMP port unreachable", Outcome.threw(PortUnreachableException.class), read);
        }
    }

    private static InetSocketAddress closedDatagramPort(Loopback lo) throws Exception {
        try (DatagramChannel probe = lo.provider().openDatagramChannel()) {
            probe.bind(new InetSocketAddress(Loopback.ADDRESS, 0));
            return (InetSocketAddress) probe.getLocalAddress();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void bindingTwiceOrToATakenPortFails(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel a = lo.datagram();
            expectThrows(arm, "second bind", AlreadyBoundException.class, () -> a.bind(new InetSocketAddress(Loopback.ADDRESS, 0)));
            DatagramChannel b = lo.track(lo.provider().openDatagramChannel());
            expectThrows(arm, "bind to a taken port", BindException.class, () -> b.bind(a.getLocalAddress()));
            DatagramChannel c = lo.track(lo.provider().openDatagramChannel());
            expect(arm, "send from an unbound channel binds it", returned(1),
                    of(() -> c.send(ByteBuffer.wrap(new byte[1]), a.getLocalAddress())));
            assertTrue(((InetSocketAddress) c.getLocalAddress()).getPort() > 0, arm + ": implicitly bound to a port");
        }
    }
}
