package io.flyover.provider.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Prerequisites;
import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.channel.FlyoverServerSocketChannel;
import io.flyover.provider.channel.FlyoverSocketChannel;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.StackCounters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6, "offload decided end to end": one process, one provider, one {@link Selector}. The provider
 * accelerates the root-namespace end of a veth over AF_XDP ({@code flyover.interfaces}); a connection
 * routed through that veth (to the kernel peer 198.18.70.1 in a namespace) is offloaded, one to a
 * kernel server on 127.0.0.1 goes to the kernel, and one select loop serves both. Which path each
 * took is read from counters: the provider's decisions, the veth stack's bytes, and the kernels' own
 * socket tables ({@code ss}) on both sides of the veth.
 *
 * <p>Sharing the interface with the kernel: the AF_XDP device (kind af_xdp, whole-queue steering) takes
 * every frame of the veth, ARP included, so Flyover's stack answers ARP for 198.18.70.2 (and resolves
 * the peer itself) and the root kernel holds no socket and no neighbour entry on that path; the kernel
 * keeps its address and route there, which is what the offload policy reads to decide. A socket sent
 * to the kernel by a rule while Flyover serves that interface gets no replies (they are steered to
 * Flyover): sharing one address between both needs port-level steering, {@code flyover.xdp.steering=ports}
 * ({@link PortSteeredInterfaceSharingTest}).
 */
@Timeout(60)
class OffloadDecidedEndToEndTest {
    private static final int ECHO_PORT = 7070;
    private static final int ROUNDS = 5;
    static final String PY_ECHO = """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4)
            print("ready", flush=True)
            while True:
                c, _ = s.accept()
                while True:
                    d = c.recv(65536)
                    if not d: break
                    c.sendall(d)
                c.close()
            """;

    @Test
    void aVethConnectionIsOffloadedAndALoopbackOneGoesToTheKernelInOneSelectLoop() throws Exception {
        Prerequisites.requirePython();
        try (VethWithKernelPeer veth = VethWithKernelPeer.open("e2e", 70);
             FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.interfaces", veth.link))) {
            Process peerEcho = veth.startAndAwait("ready", Prerequisites.PYTHON, "-c", PY_ECHO, veth.ns.peerIpv4(),
                    String.valueOf(ECHO_PORT));
            try {
                run(provider, veth);
            } finally {
                peerEcho.destroyForcibly().waitFor();
            }
        }
    }

    private static void run(FlyoverSelectorProvider provider, VethWithKernelPeer veth) throws Exception {
        StackRuntime vethStack = provider.stacks().stream()
                .filter(r -> r.interfaceName().equals(veth.link)).findFirst().orElseThrow();
        vethStack.lock();
        try {
            assertTrue(vethStack.stack().device().name().startsWith("af_xdp:" + veth.link),
                    "the veth is driven over AF_XDP: " + vethStack.stack().device().name());
        } finally {
            vethStack.unlock();
        }
        StackCounters counters = vethStack.counters();
        long txBytesBefore = counters.txBytes();
        long rxBytesBefore = counters.rxBytes();

        try (Selector selector = provider.openSelector();
             ServerSocketChannel loServer = provider.openServerSocketChannel();
             SocketChannel toVeth = provider.openSocketChannel();
             SocketChannel toLo = provider.openSocketChannel()) {
            loServer.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0)).configureBlocking(false);
            assertTrue(!((FlyoverServerSocketChannel) loServer).isOffloaded(), "loopback is not offloaded by default");
            loServer.register(selector, SelectionKey.OP_ACCEPT);

            toVeth.configureBlocking(false);
            toLo.configureBlocking(false);
            Peer veths = new Peer("through-the-veth ");
            Peer los = new Peer("through-loopback ");
            toVeth.register(selector, SelectionKey.OP_CONNECT, veths);
            toLo.register(selector, SelectionKey.OP_CONNECT, los);
            toVeth.connect(new InetSocketAddress(InetAddress.ofLiteral(veth.ns.peerIpv4()), ECHO_PORT));
            toLo.connect(loServer.getLocalAddress());

            String kernelViewDuring = null;
            String peerViewDuring = null;
            while (!(veths.done() && los.done())) {
                selector.select(1000);
                for (SelectionKey k : selector.selectedKeys()) {
                    if (k.isAcceptable()) {
                        SocketChannel accepted = loServer.accept();
                        if (accepted != null) {
                            accepted.configureBlocking(false).register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(4096));
                        }
                        continue;
                    }
                    if (k.attachment() instanceof ByteBuffer echo) { // the loopback server's side: echo back
                        SocketChannel c = (SocketChannel) k.channel();
                        echo.clear();
                        if (c.read(echo) < 0) {
                            k.cancel();
                            c.close();
                            continue;
                        }
                        echo.flip();
                        while (echo.hasRemaining()) {
                            c.write(echo);
                        }
                        continue;
                    }
                    Peer peer = (Peer) k.attachment();
                    SocketChannel c = (SocketChannel) k.channel();
                    if (k.isConnectable() && c.finishConnect()) {
                        k.interestOps(SelectionKey.OP_READ);
                        peer.sendNext(c);
                    } else if (k.isReadable()) {
                        peer.receive(c);
                        if (peer == veths && kernelViewDuring == null) {
                            kernelViewDuring = VethWithKernelPeer.kernelConnectionsTo(veth.ns.peerIpv4());
                            peerViewDuring = veth.peerConnectionsFrom(veth.ns.localIpv4());
                        }
                    }
                }
                selector.selectedKeys().clear();
            }

            FlyoverSocketChannel fv = (FlyoverSocketChannel) toVeth;
            FlyoverSocketChannel fl = (FlyoverSocketChannel) toLo;
            assertTrue(fv.isOffloaded(), "a route through the accelerated veth is offloaded");
            assertEquals(veth.link, fv.offloadInterface());
            assertTrue(fl.isKernel(), "a route through lo goes to the kernel");

            assertEquals(1, provider.counters().offloaded(SocketRole.TCP_CLIENT));
            assertEquals(1, provider.counters().kernel(SocketRole.TCP_CLIENT));
            assertEquals(1, provider.counters().kernel(SocketRole.TCP_SERVER));
            assertEquals(1, provider.counters().accepted(OffloadPath.KERNEL));
            assertEquals(0, provider.counters().accepted(OffloadPath.OFFLOAD));

            long payload = veths.bytes();
            assertTrue(counters.txBytes() - txBytesBefore >= payload,
                    "the veth stack sent the offloaded payload: " + (counters.txBytes() - txBytesBefore) + " < " + payload);
            assertTrue(counters.rxBytes() - rxBytesBefore >= payload,
                    "the veth stack received the echo: " + (counters.rxBytes() - rxBytesBefore) + " < " + payload);
            // The kernel peer holds a connection from 198.18.70.2, the root kernel none to 198.18.70.1: Flyover's stack is that end.
            assertTrue(peerViewDuring.contains(veth.ns.peerIpv4() + ":" + ECHO_PORT),
                    "the namespace's kernel has the connection: " + peerViewDuring);
            assertEquals("", kernelViewDuring, "the root kernel has no socket on the offloaded path");
            // ARP on the veth is Flyover's: the root kernel never resolved the peer (it saw none of its frames),
            // while the peer's kernel holds the veth's MAC for 198.18.70.2, learnt from Flyover's stack.
            assertEquals("", io.flyover.linux.testing.Shell.run("ip", "neigh", "show", veth.ns.peerIpv4(), "dev", veth.link).strip(),
                    "the root kernel has no neighbour entry for the peer");
            String mac = java.nio.file.Files.readString(java.nio.file.Path.of("/sys/class/net", veth.link, "address")).strip();
            String peerNeigh = veth.ns.exec("ip", "neigh", "show", veth.ns.localIpv4());
            assertTrue(peerNeigh.contains("lladdr " + mac), "the peer resolved 198.18.70.2 to the veth's MAC: " + peerNeigh);
        }
    }

    /** One client's side of the echo exchange: ROUNDS messages, each awaited back in full. */
    private static final class Peer {
        private final String prefix;
        private final ByteBuffer in = ByteBuffer.allocate(4096);
        private String expected;
        private int round;
        private long bytes;

        Peer(String prefix) {
            this.prefix = prefix;
        }

        void sendNext(SocketChannel c) throws Exception {
            expected = prefix + round;
            ByteBuffer out = ByteBuffer.wrap(expected.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                c.write(out);
            }
            bytes += expected.length();
        }

        void receive(SocketChannel c) throws Exception {
            if (c.read(in) < 0) {
                throw new IllegalStateException(prefix + "closed by the peer");
            }
            if (in.position() < expected.length()) {
                return;
            }
            assertEquals(expected, new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
            in.clear();
            round++;
            if (!done()) {
                sendNext(c);
            }
        }

        boolean done() {
            return round == ROUNDS;
        }

        long bytes() {
            return bytes;
        }
    }
}
