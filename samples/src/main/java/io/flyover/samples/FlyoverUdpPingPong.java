package io.flyover.samples;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.VethPair;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.udp.UdpSocket;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.HdrHistogram.Histogram;

/**
 * 64-byte UDP ping-pong between two Flyover stacks joined by an in-process veth pair, both stacks and
 * both sockets driven by one thread: every datagram crosses Flyover's UDP, IPv4, ARP-resolved Ethernet
 * and the link copy on both sides, and never the kernel.
 */
public final class FlyoverUdpPingPong {
    private static final int PORT = 7;

    private FlyoverUdpPingPong() {}

    public static PingPongResult run(int warmup, int rounds, int payloadBytes) throws IOException {
        try (FramePool clientPool = FramePool.allocate(1024); FramePool serverPool = FramePool.allocate(1024)) {
            VethPair veth = VethPair.create(clientPool, 0x0200_0000_000AL, serverPool, 0x0200_0000_000BL, 256);
            Stack client = new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).build(), veth.a(), new SeededRandom(1));
            Stack server = new Stack(StackConfig.builder().ipv4("198.18.0.2", 24).build(), veth.b(), new SeededRandom(2));
            UdpSocket serverSocket = server.openUdp();
            UdpSocket clientSocket = client.openUdp();
            try {
                serverSocket.bind(IpAddress.parse("198.18.0.2"), PORT);
                clientSocket.connect(IpAddress.parse("198.18.0.2"), PORT);
                MemorySegment ping = MemorySegment.ofArray(new byte[payloadBytes]);
                MemorySegment serverBuffer = MemorySegment.ofArray(new byte[2048]);
                MemorySegment pong = MemorySegment.ofArray(new byte[2048]);
                Histogram histogram = PingPongResult.newHistogram();
                for (int i = 0; i < warmup + rounds; i++) {
                    long start = System.nanoTime();
                    ping.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                    clientSocket.send(ping, 0, payloadBytes);
                    int n = -1;
                    // One pass normally; the first round also resolves ARP both ways.
                    for (int pass = 0; pass < 64 && n < 0; pass++) {
                        long now = System.nanoTime();
                        server.poll(now);
                        int got = serverSocket.receive(serverBuffer, 0, 2048);
                        if (got >= 0) {
                            serverSocket.sendTo(serverBuffer, 0, got, serverSocket.sourceHi(), serverSocket.sourceLo(),
                                    serverSocket.sourcePort());
                        }
                        client.poll(now);
                        n = clientSocket.receive(pong, 0, 2048);
                    }
                    long rtt = System.nanoTime() - start;
                    if (n != payloadBytes || pong.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != i) {
                        throw new IllegalStateException("echo of round " + i + " did not come back intact (length " + n + ")");
                    }
                    if (i >= warmup) {
                        histogram.recordValue(rtt);
                    }
                }
                return new PingPongResult("Flyover UDP, two user-space stacks over an in-process veth", histogram);
            } finally {
                clientSocket.close();
                serverSocket.close();
                client.close();
                server.close();
                veth.close();
                clientPool.checkAllReturned();
                serverPool.checkAllReturned();
            }
        }
    }
}
