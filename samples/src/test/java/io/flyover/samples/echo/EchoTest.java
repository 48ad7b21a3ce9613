package io.flyover.samples.echo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The echo pair over the JDK's default provider on loopback. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EchoTest {
    private EchoServer server;
    private Thread serverThread;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        server = EchoServer.open(JdkSelectorProvider.get(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        address = server.localAddress();
        serverThread = Thread.ofPlatform().name("echo-server").start(server);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        serverThread.join(5_000);
        assertTrue(!serverThread.isAlive(), "the server thread ends after close()");
    }

    @Test
    void clientRecordsEveryRoundTripAndPrintsPercentiles() throws Exception {
        Histogram h = EchoClient.run(JdkSelectorProvider.get(), address, 64, 100, 2_000); // run() checks each echo byte for byte
        assertEquals(2_000, h.getTotalCount());
        assertTrue(h.getValueAtPercentile(50) > 0 && h.getValueAtPercentile(50) <= h.getValueAtPercentile(99));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EchoClient.printPercentiles(new PrintStream(bytes, true, StandardCharsets.UTF_8), h);
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(table.startsWith("2000 round trips (us):"), table);
        for (String row : new String[] {"p50.0", "p99.0", "p99.9", "p99.99", "max"}) {
            assertTrue(table.contains(row), row + " in " + table);
        }
    }

    @Test
    void messagesLargerThanTheServersBufferComeBackWhole() throws Exception {
        // 1 MiB messages: the server's 64 KiB buffer fills, it stops reading and waits for OP_WRITE.
        Histogram h = EchoClient.run(JdkSelectorProvider.get(), address, 1 << 20, 0, 5);
        assertEquals(5, h.getTotalCount());
    }

    @Test
    void severalClientsAtOnceEachGetTheirOwnEcho() throws Exception {
        Thread[] clients = new Thread[4];
        Throwable[] failures = new Throwable[clients.length];
        for (int i = 0; i < clients.length; i++) {
            int id = i;
            clients[i] = Thread.ofPlatform().start(() -> {
                try {
                    EchoClient.run(JdkSelectorProvider.get(), address, 100 + id * 1000, 0, 300);
                } catch (Throwable t) {
                    failures[id] = t;
                }
            });
        }
        for (int i = 0; i < clients.length; i++) {
            clients[i].join();
            if (failures[i] != null) {
                throw new AssertionError("client " + i + " failed", failures[i]);
            }
        }
    }

    @Test
    void aHalfClosedClientGetsAllItsEchoAndThenEndOfStream() throws Exception {
        byte[] sent = new byte[200_000];
        new Random(7).nextBytes(sent);
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    socket.getOutputStream().write(sent);
                    socket.shutdownOutput();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            InputStream in = socket.getInputStream();
            byte[] back = in.readAllBytes(); // returns at the server's FIN
            writer.join();
            assertArrayEquals(sent, back);
        }
    }

    @Test
    void clientFailsClearlyWhenTheServerIsGone() throws Exception {
        server.close();
        serverThread.join(5_000);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.net.ConnectException.class,
                () -> EchoClient.run(JdkSelectorProvider.get(), address, 64, 0, 1));
        assertTrue(e.getMessage() != null, "a connect failure names its cause");
    }
}
