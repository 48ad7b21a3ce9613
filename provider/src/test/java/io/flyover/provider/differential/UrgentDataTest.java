package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.ofRun;
import static io.flyover.provider.differential.Outcome.returned;
import static io.flyover.provider.differential.Outcome.threw;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TCP urgent data through the socket adaptor ({@code Socket.sendUrgentData}, {@code SO_OOBINLINE}): on the
 * JDK arm the Linux kernel is the oracle; Flyover must leave the same bytes in the stream.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UrgentDataTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void theUrgentByteLeavesTheStreamUnlessOobInline(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            expect(arm, "SO_OOBINLINE default", returned(false), of(() -> pair.accepted().socket().getOOBInline()));
            assertEquals("abcd", exchange(pair, "ab", '!', "cd"), arm + ": received with SO_OOBINLINE off");
        }
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            pair.accepted().socket().setOOBInline(true);
            expect(arm, "SO_OOBINLINE set", returned(true), of(() -> pair.accepted().socket().getOOBInline()));
            assertEquals("ab!cd", exchange(pair, "ab", '!', "cd"), arm + ": received with SO_OOBINLINE on");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void onlyTheNewestUrgentByteLeavesTheStream(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            Socket client = pair.client().socket();
            Loopback.writeFully(pair.client(), "ab".getBytes());
            client.sendUrgentData('!');
            Loopback.writeFully(pair.client(), "cd".getBytes());
            client.sendUrgentData('?');
            Loopback.writeFully(pair.client(), "ef".getBytes());
            // Both marks arrive before the reader starts (FIONREAD then counts up to the second one):
            // Linux forgets the first, which stays data.
            awaitAvailable(pair.accepted().socket().getInputStream(), 5);
            pair.client().shutdownOutput();
            assertEquals("ab!cdef", readToEnd(pair.accepted()), arm + ": received");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void sendUrgentDataFailsAsTheJdkSays(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            SocketChannel unconnected = lo.socket();
            expect(arm, "sendUrgentData unconnected", threw(NotYetConnectedException.class),
                    ofRun(() -> unconnected.socket().sendUrgentData(1)));
            Loopback.Pair pair = lo.connected();
            pair.client().shutdownOutput();
            // SocketChannelImpl.sendOutOfBandData's finally turns the ClosedChannelException into this
            expect(arm, "sendUrgentData after shutdownOutput", threw(AsynchronousCloseException.class),
                    ofRun(() -> pair.client().socket().sendUrgentData(1)));
            pair.client().close();
            expect(arm, "sendUrgentData after close", threw(ClosedChannelException.class),
                    ofRun(() -> pair.client().socket().sendUrgentData(1)));
        }
    }

    /** Sends {@code before}, the urgent byte, {@code after}; returns what the reader sees until end of stream. */
    private static String exchange(Loopback.Pair pair, String before, char urgent, String after) throws Exception {
        Loopback.writeFully(pair.client(), before.getBytes());
        pair.client().socket().sendUrgentData(urgent);
        Loopback.writeFully(pair.client(), after.getBytes());
        pair.client().shutdownOutput();
        return readToEnd(pair.accepted());
    }

    /** Waits until FIONREAD reaches {@code n}: with a mark pending, the bytes before it (Linux's tcp_inq). */
    private static void awaitAvailable(InputStream in, int n) throws Exception {
        while (in.available() < n) {
            Thread.sleep(1);
        }
    }

    private static String readToEnd(SocketChannel channel) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(256);
        while (channel.read(in) >= 0) {
            // until end of stream
        }
        in.flip();
        return StandardCharsets.US_ASCII.decode(in).toString();
    }
}
