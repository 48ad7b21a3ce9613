package io.flyover.samples;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import org.HdrHistogram.Histogram;

/**
 * 64-byte UDP ping-pong through the JDK's own kernel sockets over loopback, both ends busy-polled by
 * one thread: the baseline the Flyover figures are compared with, measured in the same run.
 */
public final class KernelUdpPingPong {
    private KernelUdpPingPong() {}

    public static PingPongResult run(int warmup, int rounds, int payloadBytes) throws IOException {
        SelectorProvider jdk = JdkSelectorProvider.get();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramChannel server = jdk.openDatagramChannel(StandardProtocolFamily.INET);
             DatagramChannel client = jdk.openDatagramChannel(StandardProtocolFamily.INET)) {
            server.bind(new InetSocketAddress(loopback, 0));
            client.bind(new InetSocketAddress(loopback, 0));
            client.connect(server.getLocalAddress());
            server.configureBlocking(false);
            client.configureBlocking(false);

            ByteBuffer ping = ByteBuffer.allocateDirect(payloadBytes);
            ByteBuffer serverBuffer = ByteBuffer.allocateDirect(2048);
            ByteBuffer pong = ByteBuffer.allocateDirect(2048);
            Histogram histogram = PingPongResult.newHistogram();
            for (int i = 0; i < warmup + rounds; i++) {
                long start = System.nanoTime();
                ping.clear();
                ping.putLong(0, i);
                client.write(ping);
                InetSocketAddress from;
                serverBuffer.clear();
                while ((from = (InetSocketAddress) server.receive(serverBuffer)) == null) {
                    Thread.onSpinWait();
                }
                serverBuffer.flip();
                server.send(serverBuffer, from);
                pong.clear();
                while (client.read(pong) == 0) {
                    Thread.onSpinWait();
                }
                long rtt = System.nanoTime() - start;
                if (pong.getLong(0) != i) {
                    throw new IllegalStateException("echo of round " + i + " carried " + pong.getLong(0));
                }
                if (i >= warmup) {
                    histogram.recordValue(rtt);
                }
            }
            return new PingPongResult("kernel UDP over loopback (JDK default provider)", histogram);
        }
    }
}
