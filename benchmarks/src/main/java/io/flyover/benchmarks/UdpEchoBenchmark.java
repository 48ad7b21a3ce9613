package io.flyover.benchmarks;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.VethPair;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.udp.UdpSocket;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 64-byte UDP echo between two stacks over an in-process {@link VethPair}, both driven by the
 * benchmark thread: client send, server stack poll, server receive and send back, client stack poll,
 * client receive. The score is the round-trip time through both stacks (IPv4 or IPv6, Ethernet,
 * checksums, resolved neighbours, the veth copy). Run with {@code -prof gc} to see the allocation per echo.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UdpEchoBenchmark {
    static final int PAYLOAD = 64;
    static final int PORT = 7;

    /** IP version of the echo: 4 (ARP) or 6 (neighbour discovery). */
    @Param({"4", "6"})
    public int ipVersion = 4;

    FramePool poolA;
    FramePool poolB;
    VethPair veth;
    Stack client;
    Stack server;
    UdpSocket clientSocket;
    UdpSocket serverSocket;
    MemorySegment request;
    MemorySegment clientBuffer;
    MemorySegment serverBuffer;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        poolA = FramePool.allocate(1024);
        poolB = FramePool.allocate(1024);
        veth = VethPair.create(poolA, 0x0200_0000_000AL, poolB, 0x0200_0000_000BL, 256);
        client = new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).ipv6("fd00::1", 64).build(), veth.a(), new SeededRandom(1));
        server = new Stack(StackConfig.builder().ipv4("198.18.0.2", 24).ipv6("fd00::2", 64).build(), veth.b(), new SeededRandom(2));
        serverSocket = server.openUdp();
        serverSocket.bind(IpAddress.ANY_V6, PORT); // the IPv6 wildcard takes both families
        clientSocket = client.openUdp();
        clientSocket.connect(IpAddress.parse(ipVersion == 4 ? "198.18.0.2" : "fd00::2"), PORT);
        request = MemorySegment.ofArray(new byte[PAYLOAD]);
        for (int i = 0; i < PAYLOAD; i++) {
            request.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        clientBuffer = MemorySegment.ofArray(new byte[2048]);
        serverBuffer = MemorySegment.ofArray(new byte[2048]);
        if (echo() != PAYLOAD) { // resolves ARP both ways
            throw new IllegalStateException("the first echo did not come back");
        }
    }

    /** One round trip; returns the length of the echoed datagram, or -1 if it did not come back. */
    @Benchmark
    public int echo() throws IOException {
        long now = System.nanoTime();
        clientSocket.send(request, 0, PAYLOAD);
        // Normally one pass suffices; a few more cover an ARP refresh after the cache entry expired.
        for (int pass = 0; pass < 8; pass++) {
            server.poll(now);
            int n = serverSocket.receive(serverBuffer, 0, 2048);
            if (n >= 0) {
                serverSocket.sendTo(serverBuffer, 0, n, serverSocket.sourceHi(), serverSocket.sourceLo(), serverSocket.sourcePort());
            }
            client.poll(now);
            int m = clientSocket.receive(clientBuffer, 0, 2048);
            if (m >= 0) {
                return m;
            }
        }
        return -1;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        clientSocket.close();
        serverSocket.close();
        client.close();
        server.close();
        veth.close();
        poolA.checkAllReturned();
        poolB.checkAllReturned();
        poolA.close();
        poolB.close();
    }
}
