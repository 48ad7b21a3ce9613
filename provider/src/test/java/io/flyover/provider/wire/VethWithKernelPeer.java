package io.flyover.provider.wire;

import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.Shell;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A veth whose root-namespace end {@code fl-TAG0} carries 198.18.N.2/24 in the root namespace (so the
 * kernel's routing table sends 198.18.N.0/24 through it, and Flyover opens its stack there with that
 * address), and whose other end is the kernel peer 198.18.N.1 in the namespace {@code fl-TAG}.
 * The peer sends full checksums ({@code ethtool -K tx off}): AF_XDP sees no checksum metadata.
 */
final class VethWithKernelPeer implements AutoCloseable {
    final Namespace ns;
    final String link;

    private VethWithKernelPeer(Namespace ns) {
        this.ns = ns;
        this.link = ns.hostLink();
    }

    static VethWithKernelPeer open(String tag, int subnet) {
        Prerequisites.requireTools("ethtool", "ss");
        Namespace ns = Namespace.withVeth(tag, subnet);
        try {
            ns.setPeerOffloads("tx", "off");
            Shell.run("ip", "addr", "add", ns.localIpv4() + "/24", "dev", ns.hostLink());
            return new VethWithKernelPeer(ns);
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /**
     * Starts a command in the namespace and waits until it prints a line containing {@code ready}
     * (a server that listens before it says so); the caller destroys it.
     */
    Process startAndAwait(String ready, String... command) throws IOException, InterruptedException {
        Process p = ns.start(command);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.contains(ready)) {
                return p;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException(List.of(command) + " did not print '" + ready + "'");
    }

    /** TCP connections the root namespace's kernel holds in state established to {@code remoteIp}, as {@code ss} lists them. */
    static String kernelConnectionsTo(String remoteIp) {
        return Shell.run("ss", "-Htn", "state", "established", "dst", remoteIp).strip();
    }

    /** The same inside the namespace, from the kernel peer's side. */
    String peerConnectionsFrom(String remoteIp) {
        return ns.exec("ss", "-Htn", "state", "established", "dst", remoteIp).strip();
    }

    @Override
    public void close() {
        ns.close();
    }
}
