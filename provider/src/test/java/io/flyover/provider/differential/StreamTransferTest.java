package io.flyover.provider.differential;

import static io.flyover.provider.differential.Outcome.expect;
import static io.flyover.provider.differential.Outcome.expectThrows;
import static io.flyover.provider.differential.Outcome.of;
import static io.flyover.provider.differential.Outcome.returned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Data on a connection: read/write, scatter/gather, end of stream, half-close. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StreamTransferTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void bytesArriveInOrderBothWays(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            Loopback.writeFully(pair.client(), "ping".getBytes());
            assertArrayEquals("ping".getBytes(), Loopback.readFully(pair.accepted(), 4), arm + ": client to server");
            Loopback.writeFully(pair.accepted(), "pong!".getBytes());
            assertArrayEquals("pong!".getBytes(), Loopback.readFully(pair.client(), 5), arm + ": server to client");
            expect(arm, "write of an empty buffer", returned(0), of(() -> pair.client().write(ByteBuffer.allocate(0))));
            expect(arm, "read into a full buffer", returned(0), of(() -> pair.client().read(ByteBuffer.allocate(0))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void aMegabyteCrossesIntactWhileBothSidesRun(ProviderArm arm) throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(5).nextBytes(data);
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return Loopback.readFully(pair.accepted(), data.length);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Loopback.writeFully(pair.client(), data);
            byte[] got = received.get(20, TimeUnit.SECONDS);
            assertEquals(data.length, got.length, arm + ": bytes received");
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data),
                    MessageDigest.getInstance("SHA-256").digest(got), arm + ": digest of the received bytes");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void gatheringWriteAndScatteringReadCountEveryBuffer(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            ByteBuffer[] out = {ByteBuffer.wrap(new byte[] {1, 2}), ByteBuffer.allocate(0), ByteBuffer.wrap(new byte[] {3, 4, 5})};
            long written = 0;
            while (written < 5) {
                written += pair.client().write(out, 0, 3);
            }
            expect(arm, "gathering write total", returned(5L), returned(written));
            ByteBuffer[] in = {ByteBuffer.allocate(1), ByteBuffer.allocate(3), ByteBuffer.allocate(4)};
            long read = 0;
            while (read < 5) {
                read += pair.accepted().read(in, 0, 3);
            }
            assertEquals(5, read, arm + ": scattering read total");
            assertArrayEquals(new byte[] {1}, in[0].array(), arm + ": first buffer");
            assertArrayEquals(new byte[] {2, 3, 4}, in[1].array(), arm + ": second buffer");
            assertEquals(1, in[2].position(), arm + ": third buffer's fill");
            assertEquals(5, in[2].get(0), arm + ": third buffer's byte");
            expectThrows(arm, "gathering write with a bad offset", IndexOutOfBoundsException.class,
                    () -> pair.client().write(out, 2, 2));
            expectThrows(arm, "scattering read with a bad length", IndexOutOfBoundsException.class,
                    () -> pair.accepted().read(in, 0, 4));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void nonBlockingReadReturnsZeroThenDataThenEndOfStream(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            pair.accepted().configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(8);
            expect(arm, "non-blocking read with nothing queued", returned(0), of(() -> pair.accepted().read(in)));
            Loopback.writeFully(pair.client(), new byte[] {7, 8, 9});
            int got = 0;
            while (got < 3) {
                int n = pair.accepted().read(in);
                assertTrue(n >= 0, arm + ": no end of stream before the data");
                got += n;
            }
            pair.client().close();
            int last;
            do {
                last = pair.accepted().read(in);
            } while (last == 0);
            expect(arm, "read after the peer closed", returned(-1), returned(last));
            expect(arm, "read again after end of stream", returned(-1), of(() -> pair.accepted().read(in)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void shutdownOutputSendsEndOfStreamButKeepsReading(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            SocketChannel client = pair.client();
            client.shutdownOutput();
            expect(arm, "peer reads after shutdownOutput", returned(-1), of(() -> pair.accepted().read(ByteBuffer.allocate(1))));
            // SocketChannelImpl.implWrite: "if (n <= 0 && isOutputClosed) throw new AsynchronousCloseException()".
            expectThrows(arm, "write after shutdownOutput", AsynchronousCloseException.class,
                    () -> client.write(ByteBuffer.wrap(new byte[1])));
            expect(arm, "shutdownOutput twice", Outcome.done(), Outcome.ofRun(client::shutdownOutput));
            Loopback.writeFully(pair.accepted(), new byte[] {42});
            assertArrayEquals(new byte[] {42}, Loopback.readFully(client, 1), arm + ": a half-closed channel still reads");
            assertTrue(client.isConnected() && client.isOpen(), arm + ": still open and connected");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flyover.provider.differential.ProviderArm#arms")
    void shutdownInputMakesReadsEndButKeepsWriting(ProviderArm arm) throws Exception {
        try (Loopback lo = new Loopback(arm)) {
            Loopback.Pair pair = lo.connected();
            SocketChannel client = pair.client();
            client.shutdownInput();
            expect(arm, "read after shutdownInput", returned(-1), of(() -> client.read(ByteBuffer.allocate(1))));
            expect(arm, "shutdownInput twice", Outcome.done(), Outcome.ofRun(client::shutdownInput));
            Loopback.writeFully(client, new byte[] {1, 2});
            assertArrayEquals(new byte[] {1, 2}, Loopback.readFully(pair.accepted(), 2), arm + ": writes still flow");
        }
    }
}
