package io.flyover.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flyover.pcap.dir}: the loopback stack records a TCP exchange into a pcap file, and the real
 * {@code tcpdump -r} reads the handshake, the data and the close from it (skipped where tcpdump is
 * missing, except under {@code CI=true}, where that fails).
 */
class PcapCaptureTest {
    @TempDir
    Path dir;

    @Test
    void tcpdumpReadsWhatTheLoopbackStackSentAndReceived() throws Exception {
        Path tcpdump = tcpdump();
        Path captures = dir.resolve("captures"); // created by the provider
        int serverPort;
        int clientPort;
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true",
                "flyover.pcap.dir", captures.toString()))) {
            try (ServerSocketChannel server = p.openServerSocketChannel()
                    .bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                 SocketChannel client = p.openSocketChannel()) {
                client.connect(server.getLocalAddress());
                serverPort = ((InetSocketAddress) server.getLocalAddress()).getPort();
                clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
                try (SocketChannel accepted = server.accept()) {
                    client.write(ByteBuffer.wrap("hello pcap".getBytes(StandardCharsets.US_ASCII)));
                    ByteBuffer in = ByteBuffer.allocate(10);
                    while (in.hasRemaining()) {
                        assertTrue(accepted.read(in) >= 0);
                    }
                }
            }
        }
        Path file = PcapCapture.file(captures, "lo");
        assertTrue(Files.size(file) > 24, "more than the file header");

        String out = run(tcpdump.toString(), "-nn", "-r", file.toString());
        String client = "127.0.0.1." + clientPort;
        String server = "127.0.0.1." + serverPort;
        assertTrue(out.contains(client + " > " + server + ": Flags [S]"), out);
        assertTrue(out.contains(server + " > " + client + ": Flags [S.]"), out);
        assertTrue(out.contains(client + " > " + server + ": Flags [P.]") && out.contains("length 10"), out);
        assertTrue(out.contains("Flags [F.]") || out.contains("Flags [R"), "the close: " + out);
    }

    private static Path tcpdump() {
        for (String d : new String[] {"/usr/bin", "/usr/sbin", "/bin", "/sbin"}) {
            Path p = Path.of(d, "tcpdump");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError("tcpdump is not installed (CI=true requires it for this test)");
        }
        Assumptions.abort("tcpdump is not installed");
        return null;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process proc = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), out);
        return out;
    }
}
