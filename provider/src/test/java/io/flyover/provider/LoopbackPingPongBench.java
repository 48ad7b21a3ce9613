package io.flyover.provider;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A measurement, not a test: 64-byte ping-pong over loopback with blocking channels, Flyover's loopback
 * stack against the kernel's loopback in the same run, reported as percentiles and their ratio. Runs
 * only with {@code -Dflyover.bench=true}; {@code -Dflyover.bench.spin=NANOS} sets {@code flyover.spin.nanos}.
 */
@EnabledIfSystemProperty(named = "flyover.bench", matches = "true")
class LoopbackPingPongBench {
    private static final int WARMUP = 20_000;
    private static final int ROUNDS = 50_000;

    @Test
    void pingPong() throws Exception {
        String spin = System.getProperty("flyover.bench.spin", "0");
        long[] kernel = run(JdkSelectorProvider.get());
        long[] flyover;
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true",
                "flyover.spin.nanos", spin, "flyover.idle", "backoff"))) {
            flyover = run(p);
            System.out.println("flyover loopback counters: " + p.counters());
        }
        report("kernel ", kernel);
        report("flyover", flyover);
        System.out.printf("ratio flyover/kernel: p50 %.2f  p99 %.2f%n",
                (double) pct(flyover, 50) / pct(kernel, 50), (double) pct(flyover, 99) / pct(kernel, 99));
    }

    @Test
    void bulkThroughput() throws Exception {
        double kernel = throughput(JdkSelectorProvider.get());
        double flyover;
        try (FlyoverSelectorProvider p = Flyover.provider(Map.of("flyover.loopback.offload", "true",
                "flyover.loopback.frame.size", System.getProperty("flyover.bench.frame", "32768")))) {
            flyover = throughput(p);
        }
        System.out.printf("bulk MB/s: kernel %.0f  flyover %.0f  ratio %.2f%n", kernel, flyover, flyover / kernel);
    }

    private static double throughput(SelectorProvider provider) throws Exception {
        long total = 256L << 20;
        InetAddress lo = InetAddress.ofLiteral("127.0.0.1");
        try (ServerSocketChannel server = provider.openServerSocketChannel().bind(new InetSocketAddress(lo, 0));
             SocketChannel client = provider.openSocketChannel()) {
            client.connect(server.getLocalAddress());
            SocketChannel sink = server.accept();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(256 * 1024);
                try {
                    while (sink.read(b) >= 0) {
                        b.clear();
                    }
                } catch (Exception e) {
                    // closed at the end
                }
            });
            ByteBuffer b = ByteBuffer.allocateDirect(256 * 1024);
            long t0 = System.nanoTime();
            for (long sent = 0; sent < total; sent += b.capacity()) {
                b.clear();
                client.write(b);
            }
            client.shutdownOutput();
            reader.join();
            long t = System.nanoTime() - t0;
            sink.close();
            return total / (t / 1e9) / (1 << 20);
        }
    }

    private static long[] run(SelectorProvider provider) throws Exception {
        InetAddress lo = InetAddress.ofLiteral("127.0.0.1");
        try (ServerSocketChannel server = provider.openServerSocketChannel().bind(new InetSocketAddress(lo, 0));
             SocketChannel client = provider.openSocketChannel()) {
            client.connect(server.getLocalAddress());
            client.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            SocketChannel echo = server.accept();
            echo.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            Thread echoer = Thread.ofPlatform().daemon().start(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(64);
                try {
                    while (true) {
                        b.clear();
                        while (b.hasRemaining()) {
                            if (echo.read(b) < 0) {
                                return;
                            }
                        }
                        b.flip();
                        echo.write(b);
                    }
                } catch (Exception e) {
                    // closed at the end
                }
            });
            ByteBuffer b = ByteBuffer.allocateDirect(64);
            long[] rtt = new long[ROUNDS];
            for (int i = 0; i < WARMUP + ROUNDS; i++) {
                long t0 = System.nanoTime();
                b.clear();
                client.write(b);
                b.clear();
                while (b.hasRemaining()) {
                    client.read(b);
                }
                if (i >= WARMUP) {
                    rtt[i - WARMUP] = System.nanoTime() - t0;
                }
            }
            client.close();
            echoer.join(5_000);
            echo.close();
            Arrays.sort(rtt);
            return rtt;
        }
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
    }

    private static void report(String name, long[] sorted) {
        System.out.printf("%s RTT ns: p50 %d  p90 %d  p99 %d  p99.9 %d%n", name, pct(sorted, 50), pct(sorted, 90),
                pct(sorted, 99), sorted[(int) (sorted.length * 0.999)]);
    }
}
