package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Timeouts through the socket adaptors ({@code channel.socket()}): {@code SO_TIMEOUT} ends a blocking read,
 * accept or receive with {@link SocketTimeoutException} and leaves the channel usable.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AdaptorTimeoutTest {
    private static final int TIMEOUT_MILLIS = 50;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void readTimesOutAndTheSocketStaysUsable(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            Socket socket = pair.accepted().socket();
            expect(arm, "SO_TIMEOUT default", returned(0), of(socket::getSoTimeout));
            socket.setSoTimeout(TIMEOUT_MILLIS);
            expect(arm, "SO_TIMEOUT set", returned(TIMEOUT_MILLIS), of(socket::getSoTimeout));
            InputStream in = socket.getInputStream();
            expectThrows(arm, "adaptor read with nothing to read", SocketTimeoutException.class, in::read);
            assertTrue(pair.accepted().isOpen() && !socket.isClosed(), arm + ": a timeout does not close the socket");
            Loopback.writeFully(pair.client(), new byte[] {9});
            expect(arm, "adaptor read once data came", returned(9), of(in::read));
            expectThrows(arm, "negative SO_TIMEOUT", IllegalArgumentException.class, () -> socket.setSoTimeout(-1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void acceptTimesOutAndTheServerStaysUsable(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            ServerSocketChannel server = lo.server();
            ServerSocket adaptor = server.socket();
            adaptor.setSoTimeout(TIMEOUT_MILLIS);
            expectThrows(arm, "adaptor accept with no client", SocketTimeoutException.class, adaptor::accept);
            assertTrue(server.isOpen(), arm + ": a timeout does not close the server");
            SocketChannel client = lo.socket();
            client.connect(server.getLocalAddress());
            Socket accepted = adaptor.accept();
            lo.track(accepted.getChannel());
            assertEquals(client.getLocalAddress(), accepted.getRemoteSocketAddress(), arm + ": the adaptor accepted the client");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void receiveTimesOutAndTheDatagramSocketStaysUsable(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            DatagramChannel receiver = lo.datagram();
            DatagramSocket adaptor = receiver.socket();
            adaptor.setSoTimeout(TIMEOUT_MILLIS);
            DatagramPacket packet = new DatagramPacket(new byte[16], 16);
            expectThrows(arm, "adaptor receive with nothing sent", SocketTimeoutException.class, () -> adaptor.receive(packet));
            assertTrue(receiver.isOpen(), arm + ": a timeout does not close the channel");
            DatagramChannel sender = lo.datagram();
            sender.send(java.nio.ByteBuffer.wrap(new byte[] {4, 5}), receiver.getLocalAddress());
            adaptor.receive(packet);
            assertEquals(2, packet.getLength(), arm + ": the datagram's length");
            assertEquals(sender.getLocalAddress(), packet.getSocketAddress(), arm + ": the datagram's sender");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void adaptorConnectWithATimeoutIsRefusedByAClosedPort(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            var nobody = lo.closedPort();
            SocketChannel ch = lo.socket();
            expectThrows(arm, "adaptor connect(timeout) to a closed port", ConnectException.class,
                    () -> ch.socket().connect(nobody, 2_000));
            expect(arm, "channel open after the adaptor's failed connect", returned(false), of(ch::isOpen));
        }
    }
}
