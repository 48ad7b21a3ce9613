package io.flyover.provider.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The parser against the kernel itself: a network namespace of the test's own, with interfaces and
 * routes it adds (198.18.0.0/15 and fd00::/8 only), read back through that namespace's /proc.
 * Needs root and iproute2; skips with one line elsewhere, and fails instead under CI=true.
 */
class LiveKernelRoutesTest {
    private static final String NS = "fp-routes";

    @BeforeEach
    void createNamespace() throws Exception {
        boolean canRun = "root".equals(System.getProperty("user.name"))
                && (Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")));
        if (!canRun) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but this test cannot create a network namespace (needs root and iproute2)");
            }
            assumeTrue(false, "skipped: needs root and iproute2 to create a network namespace");
        }
        ip("netns", "del", NS); // a leftover from a killed run
        ip("netns", "add", NS);
        ns("ip", "link", "add", "fp0", "type", "veth", "peer", "name", "fp1");
        ns("ip", "link", "set", "fp0", "up");
        ns("ip", "link", "set", "fp1", "up");
        ns("ip", "addr", "add", "198.18.5.1/24", "dev", "fp0");
        ns("ip", "addr", "add", "198.18.6.1/24", "dev", "fp1");
        ns("ip", "-6", "addr", "add", "fd42:5::1/64", "dev", "fp0", "nodad");
        ns("ip", "route", "add", "198.19.0.0/16", "via", "198.18.6.2", "dev", "fp1", "metric", "7");
        ns("ip", "-6", "route", "add", "fd42:99::/48", "via", "fd42:5::2", "dev", "fp0");
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        ip("netns", "del", NS);
    }

    @Test
    void lookupsAgreeWithTheKernelsOwnRouting() throws Exception {
        KernelRoutingTable t = KernelRoutingTable.parse(lines(ns("cat", "/proc/net/route")), lines(ns("cat", "/proc/net/ipv6_route")));
        assertEquals(Optional.of("fp0"), t.lookup(InetAddress.ofLiteral("198.18.5.77")));
        assertEquals(Optional.of("fp1"), t.lookup(InetAddress.ofLiteral("198.18.6.77")));
        KernelRoute viaGateway = t.bestRoute(InetAddress.ofLiteral("198.19.3.4")).orElseThrow();
        assertEquals("fp1", viaGateway.interfaceName());
        assertEquals(InetAddress.ofLiteral("198.18.6.2"), viaGateway.gateway());
        assertEquals(7, viaGateway.metric());
        assertEquals(Optional.of("fp0"), t.lookup(InetAddress.ofLiteral("fd42:5::9")));
        assertEquals(InetAddress.ofLiteral("fd42:5::2"), t.bestRoute(InetAddress.ofLiteral("fd42:99::1")).orElseThrow().gateway());
        assertEquals(Optional.empty(), t.lookup(InetAddress.ofLiteral("198.20.0.1")), "the namespace has no default route");
        // And the kernel agrees: ask it for the same lookup.
        assertTrue(ns("ip", "route", "get", "198.19.3.4").contains("dev fp1"));
    }

    private static List<String> lines(String text) {
        return text.lines().toList();
    }

    private static String ns(String... command) throws IOException, InterruptedException {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = NS;
        System.arraycopy(command, 0, full, 4, command.length);
        return run(true, full);
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        String[] full = new String[args.length + 1];
        full[0] = "ip";
        System.arraycopy(args, 0, full, 1, args.length);
        run(false, full);
    }

    private static String run(boolean mustSucceed, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        if (mustSucceed && p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }
}
