package io.flyover.linux.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.Shell;
import io.flyover.linux.testing.StackOnLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a Flyover stack must do on every Linux device, with the kernel of a namespace as the peer:
 * answer ping and ping -6, and serve HTTP/1.1 to curl over IPv4 and IPv6.
 */
abstract class StackInteropContract {
    protected StackOnLink link;

    protected abstract StackOnLink open() throws Exception;

    @BeforeEach
    void openLink() throws Exception {
        link = open();
    }

    @AfterEach
    void closeLink() {
        if (link != null) {
            link.close();
        }
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void kernelPingIsAnsweredByTheStack(boolean v4) {
        int count = 5;
        Shell.Result ping = link.ns.tryExec("ping", v4 ? "-4" : "-6", "-n", "-c", String.valueOf(count), "-i", "0.2",
                "-W", "5", v4 ? link.ns.localIpv4() : link.ns.localIpv6());
        System.out.println(link.kind + (v4 ? " ping: " : " ping -6: ") + ping.output());
        assertEquals(0, ping.exitCode(), ping.output());
        assertTrue(ping.output().contains(count + " received"), ping.output());
        String counters = link.runner.call(() -> link.stack.counters().toString());
        System.out.println(link.kind + " stack counters: " + counters);
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void curlGetsPagesFromAStackServedHttpServerOverOnePersistentConnection(boolean v4) throws Exception {
        Prerequisites.requireTools("curl");
        byte[] hello = "hello from flyover\n".getBytes(StandardCharsets.US_ASCII);
        byte[] big = textLines(256 * 1024);
        TinyHttpServer server = serve(Map.of("/hello", hello, "/big", big));
        Path dir = Files.createTempDirectory("flyover-curl");
        try {
            String base = "http://" + link.urlHost(v4) + ":" + HTTP_PORT;
            Shell.Result r = link.ns.tryExec("curl", "-sS", "-g", "--max-time", "10",
                    "-w", "%{http_code} %{num_connects} %{size_download} %{speed_download}\n",
                    "-o", dir.resolve("hello").toString(), base + "/hello",
                    "-o", dir.resolve("big").toString(), base + "/big");
            System.out.println(link.kind + " curl " + (v4 ? "IPv4" : "IPv6") + " (code, new connections, bytes, bytes/s):\n"
                    + r.output());
            assertEquals(0, r.exitCode(), "curl exit code; output:\n" + r.output());
            assertArrayEquals(hello, Files.readAllBytes(dir.resolve("hello")));
            assertArrayEquals(big, Files.readAllBytes(dir.resolve("big")));
            String[] lines = r.output().strip().split("\n");
            assertEquals(2, lines.length, r.output());
            assertTrue(lines[0].startsWith("200 1 "), "first transfer: 200 on a new connection: " + lines[0]);
            assertTrue(lines[1].startsWith("200 0 "), "second transfer: 200 on the same connection: " + lines[1]);
            assertTrue(link.runner.await(() -> server.responses() == 2, 5_000_000_000L));
            assertEquals(1, server.accepted(), "one connection served both requests");

            Shell.Result missing = link.ns.tryExec("curl", "-sS", "-g", "--max-time", "20", "-o", "/dev/null",
                    "-w", "%{http_code}", base + "/missing");
            assertEquals(0, missing.exitCode(), missing.output());
            assertEquals("404", missing.output().strip());
        } finally {
            deleteTree(dir);
        }
    }

    static final int HTTP_PORT = 8080;

    /** Starts {@link TinyHttpServer} on the stack thread; the link's close stops it. */
    protected TinyHttpServer serve(Map<String, byte[]> routes) {
        TinyHttpServer server = link.runner.call(() -> TinyHttpServer.listen(link.stack, HTTP_PORT, routes));
        link.runner.add(server);
        return server;
    }

    /** {@code size} bytes of numbered text lines: easy to read in a failure, no two lines alike. */
    static byte[] textLines(int size) {
        StringBuilder b = new StringBuilder(size + 64);
        for (int i = 0; b.length() < size; i++) {
            b.append(String.format("flyover line %08d abcdefghijklmnopqrstuvwxyz%n", i));
        }
        b.setLength(size);
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
