package io.flyover.samples.sockperf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link SockperfServer} against hand-made sockperf messages, good and bad, without the sockperf binary. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SockperfProtocolTest {
    private static final int CLIENT = SockperfMessage.FLAG_CLIENT;
    private static final int PONG = SockperfMessage.FLAG_PONG_REQUEST;
    private static final int WARMUP = SockperfMessage.FLAG_WARMUP;

    private SockperfServer server;
    private Thread serverThread;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        server = SockperfServer.open(JdkSelectorProvider.get(), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        address = server.localAddress();
        serverThread = Thread.ofPlatform().start(server);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        serverThread.join(5_000);
    }

    static byte[] message(long sequence, int flags, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        SockperfMessage.writeHeader(b, 0, sequence, flags, length);
        for (int i = SockperfMessage.HEADER_BYTES; i < length; i++) {
            b.put(i, (byte) i);
        }
        return b.array();
    }

    @Test
    void udpPingIsAnsweredWithTheClientFlagCleared() throws Exception {
        try (DatagramChannel client = DatagramChannel.open()) {
            client.connect(address);
            client.write(ByteBuffer.wrap(message(1, CLIENT | PONG, 100)));
            ByteBuffer reply = ByteBuffer.allocate(200);
            client.read(reply);
            reply.flip();
            byte[] expected = message(1, PONG, 100);
            assertEquals(100, reply.remaining());
            assertArrayEquals(expected, java.util.Arrays.copyOf(reply.array(), reply.limit()));
        }
        awaitEquals(1, () -> server.counters().replies()); // the server counts after its send returns

    }

    @Test
    void udpIgnoresWarmupServerAndMalformedDatagramsAndCountsEach() throws Exception {
        try (DatagramChannel client = DatagramChannel.open()) {
            client.connect(address);
            client.configureBlocking(false);
            client.write(ByteBuffer.wrap(message(1, CLIENT | PONG | WARMUP, 14)));
            client.write(ByteBuffer.wrap(message(2, PONG, 14))); // a server's reply, not a client's request
            byte[] lying = message(3, CLIENT | PONG, 14);
            lying[13] = 99; // declares 99 bytes in a 14-byte datagram
            client.write(ByteBuffer.wrap(lying));
            client.write(ByteBuffer.wrap(new byte[5])); // shorter than a header
            client.write(ByteBuffer.wrap(message(7, CLIENT, 20))); // counted, no reply wanted; 3 messages skipped
            client.write(ByteBuffer.wrap(message(6, CLIENT, 20))); // goes back in sequence
            awaitEquals(2, () -> server.counters().messages());
            assertEquals(1, server.counters().warmups());
            assertEquals(1, server.counters().notFromClient());
            assertEquals(2, server.counters().malformed());
            assertEquals(0, server.counters().sequenceGaps(), "the first message of a stream sets its start");
            assertEquals(1, server.counters().outOfOrder());
            Thread.sleep(50);
            assertEquals(0, client.read(ByteBuffer.allocate(100)), "nothing was answered");
            assertEquals(0, server.counters().replies());
        }
    }

    @Test
    void tcpMessagesArrivingOneByteAtATimeAreReassembled() throws Exception {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] first = message(1, CLIENT | PONG, 40);
            for (byte b : first) {
                out.write(b);
                out.flush();
            }
            assertArrayEquals(message(1, PONG, 40), in.readNBytes(40));
            // Two messages and half a third in one write; the rest later.
            byte[] second = message(2, CLIENT | PONG, 30);
            byte[] third = message(3, CLIENT | PONG, 5_000);
            byte[] burst = new byte[30 + 2_500];
            System.arraycopy(second, 0, burst, 0, 30);
            System.arraycopy(third, 0, burst, 30, 2_500);
            out.write(burst);
            assertArrayEquals(message(2, PONG, 30), in.readNBytes(30));
            out.write(third, 2_500, 2_500);
            assertArrayEquals(message(3, PONG, 5_000), in.readNBytes(5_000));
        }
        awaitEquals(3, () -> server.counters().replies());
        assertEquals(0, server.counters().sequenceGaps());
    }

    @Test
    void tcpLargestMessagesComeBackWhole() throws Exception {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            byte[] big = message(1, CLIENT | PONG, SockperfMessage.MAX_BYTES);
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 20; i++) {
                        socket.getOutputStream().write(big); // 1.3 MB written before any is read back
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] expected = message(1, PONG, SockperfMessage.MAX_BYTES);
            for (int i = 0; i < 20; i++) {
                assertArrayEquals(expected, socket.getInputStream().readNBytes(SockperfMessage.MAX_BYTES), "message " + i);
            }
            writer.join();
        }
        assertEquals(19, server.counters().outOfOrder(), "the same sequence number twenty times");
    }

    @Test
    void tcpImpossibleLengthEndsTheConnection() throws Exception {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.getOutputStream().write(message(1, CLIENT | PONG, 14));
            assertEquals(14, socket.getInputStream().readNBytes(14).length);
            byte[] bad = message(2, CLIENT | PONG, 14);
            ByteBuffer.wrap(bad).putInt(SockperfMessage.LENGTH, SockperfMessage.MAX_BYTES + 1);
            socket.getOutputStream().write(bad);
            socket.setSoTimeout(10_000);
            assertEquals(-1, socket.getInputStream().read(), "the server closes the connection");
        }
        assertEquals(1, server.counters().malformed());
        assertEquals(1, server.counters().messages());
    }

    @Test
    void udpAndTcpShareThePort() throws Exception {
        try (DatagramChannel client = DatagramChannel.open()) {
            client.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            assertEquals(address.getPort(), server.localAddress().getPort());
            client.send(ByteBuffer.wrap(message(1, CLIENT | PONG, 14)), address);
            ByteBuffer reply = ByteBuffer.allocate(64);
            InetSocketAddress from = (InetSocketAddress) client.receive(reply);
            assertEquals(address, from, "the reply comes from the port sockperf was pointed at");
        }
    }

    private static void awaitEquals(long expected, LongSupplier actual) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (actual.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, actual.getAsLong());
    }
}
