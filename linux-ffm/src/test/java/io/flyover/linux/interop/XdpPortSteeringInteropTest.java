package io.flyover.linux.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.StackOnLink;
import io.flyover.linux.testing.Shell;
import io.flyover.linux.testing.StackRunner;
import io.flyover.linux.xdp.XdpDevice;
import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link XdpDevice.Steering#PORTS} with a whole stack on an interface the kernel shares: the host kernel
 * and the Flyover stack both own 198.18.77.2 on the veth, as they would own a NIC's address; the kernel of
 * the namespace (198.18.77.1) is the peer. Flyover's ports reach the stack, every other port and ICMP
 * reach the kernel, and the stack learns its neighbours from the ARP tap.
 */
class XdpPortSteeringInteropTest {
    private static final String LOCAL = "198.18.77.2";
    private static final String PEER = "198.18.77.1";
    private static final long WAIT = TimeUnit.SECONDS.toNanos(10);

    private FramePool pool;
    private Namespace ns;
    private XdpDevice device;
    private Stack stack;
    private StackRunner runner;

    @BeforeEach
    void open() throws Exception {
        Prerequisites.requireNetworkAdmin();
        Prerequisites.requireTools("ethtool");
        pool = FramePool.allocate(4096);
        try {
            ns = Namespace.withVeth("xq", 77);
            ns.setPeerOffloads("tx", "off"); // AF_XDP cannot tell a partial checksum from a bad one
            Shell.run("ip", "addr", "add", LOCAL + "/24", "dev", ns.hostLink()); // the kernel's address too
            device = new XdpDevice(ns.hostLink(), 0, 1, pool, 1024, false, XdpDevice.Attach.DRIVER,
                    XdpDevice.Steering.PORTS);
            stack = new Stack(StackConfig.builder().ipv4(LOCAL, 24).build(), device, new SeededRandom(71));
            runner = new StackRunner(stack, device.fd(0), "xq");
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    @AfterEach
    void close() {
        StackOnLink.closeAll(runner, stack, device, ns, pool, null);
    }

    @Test
    void theStackResolvesItsPeerThroughTheArpTap() {
        IpAddress peer = IpAddress.parse(PEER);
        long peerMac = ns.peerMac();
        assertTrue(runner.call(() -> stack.ping(peer, 0x71, 1, 8)), "the ping was queued or sent");
        assertTrue(runner.awaitUntil(now -> stack.netInterface().neighbors().lookup(peer.hi(), peer.lo(), now) == peerMac,
                WAIT), "the peer's ARP reply reached the neighbour cache");
        assertTrue(device.tapReceivedFrames() > 0, "heard on the tap");
        assertEquals(0, device.receivedFrames(0), "nothing came through the AF_XDP socket: ARP is not steered");
        assertEquals(0, runner.call(() -> stack.counters().echoRepliesReceived()), "the echo reply went to the kernel");
    }

    @Test
    void flyoverPortsReachTheStackWhileTheKernelKeepsPingAndItsOwnPorts() throws Exception {
        EchoServer flyover = runner.call(() -> new EchoServer(stack.tcp().listen(0, 0, 7300, 16, null)));
        runner.add(flyover);
        assertEquals(1, device.steeredPorts());
        try (ServerSocket kernel = new ServerSocket()) {
            kernel.bind(new InetSocketAddress(LOCAL, 7301));
            CompletableFuture<byte[]> kernelSide = CompletableFuture.supplyAsync(() -> echoOnce(kernel));

            String out = peerClients(7300, "to flyover", 7301, "to the kernel");
            assertTrue(out.contains("7300 to flyover"), out);
            assertTrue(out.contains("7301 to the kernel"), out);
            assertEquals("to the kernel", new String(kernelSide.get(10, TimeUnit.SECONDS), StandardCharsets.US_ASCII));
            assertTrue(runner.await(() -> flyover.finished == 1, WAIT), "the stack served exactly the Flyover port");
            assertEquals(1, flyover.accepted);
        }
        long steeredBefore = device.receivedFrames(0);
        Shell.Result ping = ns.tryExec("ping", "-n", "-c", "2", "-i", "0.2", "-W", "5", LOCAL);
        assertEquals(0, ping.exitCode(), "the kernel answers ping for the shared address: " + ping.output());
        assertEquals(steeredBefore, device.receivedFrames(0), "no echo request came through the AF_XDP socket");
    }

    @Test
    void overIpv6NeighbourDiscoveryComesThroughItsTap() throws Exception {
        String local6 = ns.localIpv6();
        ns.enableIpv6();
        Shell.run("sysctl", "-q", "-w", "net.ipv6.conf." + ns.hostLink() + ".disable_ipv6=0");
        Shell.run("ip", "-6", "addr", "add", local6 + "/64", "dev", ns.hostLink(), "nodad");
        runner.close();
        stack.close();
        stack = new Stack(StackConfig.builder().ipv4(LOCAL, 24).ipv6(local6, 64).build(), device, new SeededRandom(72));
        runner = new StackRunner(stack, device.fd(0), "xq6");
        EchoServer flyover = runner.call(() -> new EchoServer(stack.tcp().listen(0, 0, 7306, 16, null)));
        runner.add(flyover);
        long tapBefore = device.tapReceivedFrames();
        String out = ns.exec(Prerequisites.PYTHON, "-c", """
                import socket, sys
                s = socket.create_connection((sys.argv[1], 7306), timeout=5)
                s.sendall(b'over ipv6'); s.shutdown(socket.SHUT_WR); data = b''
                while True:
                    d = s.recv(4096)
                    if not d: break
                    data += d
                print(data.decode(), flush=True)
                """, local6);
        assertEquals("over ipv6", out.strip());
        assertTrue(runner.await(() -> flyover.finished == 1, WAIT));
        assertTrue(device.tapReceivedFrames() > tapBefore, "neighbour discovery heard on the tap");
        Shell.Result ping = ns.tryExec("ping", "-6", "-n", "-c", "1", "-W", "5", local6);
        assertEquals(0, ping.exitCode(), "the kernel answers ping -6 for the shared address: " + ping.output());
    }

    @Test
    void aReleasedPortGoesBackToTheKernel() throws Exception {
        EchoServer flyover = runner.call(() -> new EchoServer(stack.tcp().listen(0, 0, 7302, 16, null)));
        runner.add(flyover);
        assertTrue(peerClients(7302, "first").contains("7302 first"));
        assertTrue(runner.await(() -> flyover.finished == 1, WAIT));
        runner.run(() -> flyover.listener.close(System.nanoTime()));
        // the peer closed first, so the stack's side ends without TIME_WAIT and the port is free at once
        assertTrue(runner.await(() -> device.steeredPorts() == 0, WAIT), "the last holder released the rule");
        try (ServerSocket kernel = new ServerSocket()) {
            kernel.bind(new InetSocketAddress(LOCAL, 7302));
            CompletableFuture<byte[]> kernelSide = CompletableFuture.supplyAsync(() -> echoOnce(kernel));
            String out = peerClients(7302, "second");
            assertTrue(out.contains("7302 second"), out);
            assertEquals("second", new String(kernelSide.get(10, TimeUnit.SECONDS), StandardCharsets.US_ASCII));
        }
        assertEquals(1, flyover.accepted, "the second connection went to the kernel");
    }

    @Test
    void anActiveOpenIsSteeredByItsEphemeralPort() throws Exception {
        Process server = ns.start(Prerequisites.PYTHON, "-c", """
                import socket, sys
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((sys.argv[1], 7400)); s.listen(1); print('ready', flush=True)
                c, _ = s.accept(); data = b''
                while True:
                    d = c.recv(4096)
                    if not d: break
                    data += d
                c.sendall(data.upper()); c.close()
                """, PEER);
        try {
            awaitLine(server.getInputStream(), "ready");
            IpAddress local = IpAddress.parse(LOCAL);
            IpAddress peer = IpAddress.parse(PEER);
            TcpConnection c = runner.call(() -> stack.tcp().connect(local.hi(), local.lo(), 0, peer.hi(), peer.lo(),
                    7400, null, System.nanoTime()));
            assertTrue(runner.await(c::isConnected, WAIT), "connected through ARP and the steered ephemeral port");
            assertEquals(1, device.steeredPorts());
            runner.run(() -> {
                c.write(ByteBuffer.wrap("active open".getBytes(StandardCharsets.US_ASCII)));
                c.shutdownOutput();
            });
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buffer = new byte[256];
            assertTrue(runner.await(() -> {
                int n;
                while ((n = c.read(buffer, 0, buffer.length)) > 0) {
                    got.write(buffer, 0, n);
                }
                return n == TcpConnection.EOF;
            }, WAIT), "the reply and the peer's FIN arrived");
            assertEquals("ACTIVE OPEN", got.toString(StandardCharsets.US_ASCII));
            runner.run(() -> c.close(System.nanoTime()));
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Connects from the namespace to LOCAL:port for each (port, message), sends, half-closes, prints "port reply". */
    private String peerClients(Object... portsAndMessages) {
        List<String> cmd = new ArrayList<>(List.of(Prerequisites.PYTHON, "-c", """
                import socket, sys
                host, args = sys.argv[1], sys.argv[2:]
                for i in range(0, len(args), 2):
                    s = socket.create_connection((host, int(args[i])), timeout=5)
                    s.sendall(args[i + 1].encode()); s.shutdown(socket.SHUT_WR); data = b''
                    while True:
                        d = s.recv(4096)
                        if not d: break
                        data += d
                    s.close(); print(args[i], data.decode(), flush=True)
                """, LOCAL));
        for (Object o : portsAndMessages) {
            cmd.add(String.valueOf(o));
        }
        return ns.exec(cmd.toArray(String[]::new));
    }

    /** A kernel socket's side: accepts one connection, echoes until EOF, answers what it read. */
    private static byte[] echoOnce(ServerSocket server) {
        try (Socket s = server.accept()) {
            byte[] data = s.getInputStream().readAllBytes();
            s.getOutputStream().write(data);
            s.shutdownOutput();
            return data;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitLine(InputStream in, String line) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                if (b.toString().equals(line)) {
                    return;
                }
                b.setLength(0);
            } else {
                b.append((char) c);
            }
        }
        throw new IOException("the peer exited before printing " + line);
    }

    /** A Flyover echo server on the stack: echoes each connection until EOF, then closes it. */
    private static final class EchoServer implements StackRunner.Job {
        final TcpListener listener;
        final List<TcpConnection> open = new ArrayList<>();
        final byte[] buffer = new byte[4096];
        volatile int accepted;
        volatile int finished;

        EchoServer(TcpListener listener) {
            this.listener = listener;
        }

        @Override
        public boolean step(long now) {
            boolean progress = false;
            TcpConnection c;
            while ((c = listener.accept()) != null) {
                open.add(c);
                accepted++;
                progress = true;
            }
            for (int i = open.size() - 1; i >= 0; i--) {
                TcpConnection conn = open.get(i);
                int n = conn.read(buffer, 0, buffer.length);
                if (n > 0) {
                    conn.write(ByteBuffer.wrap(buffer, 0, n)); // small messages: the send buffer takes them whole
                    progress = true;
                } else if (n == TcpConnection.EOF || n == TcpConnection.FAILED) {
                    conn.close(now);
                    open.remove(i);
                    finished++;
                    progress = true;
                }
            }
            return progress;
        }
    }
}
