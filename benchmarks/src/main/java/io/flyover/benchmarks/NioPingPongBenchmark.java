package io.flyover.benchmarks;

import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;
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
 * 64-byte TCP ping-pong through plain NIO over 127.0.0.1, as an unmodified application sees it: client
 * and server are non-blocking {@link SocketChannel}s from one {@link SelectorProvider}, both ends
 * busy-polling, the server echoing on its own thread. {@code provider=flyover} is
 * {@link FlyoverSelectorProvider} with {@code flyover.loopback.offload=true} (the in-process loopback
 * stack); {@code provider=kernel} is the JDK default provider over the kernel's loopback, measured in
 * the same run. {@code poll=read} spins on {@code read}; {@code poll=select} spins on
 * {@code selectNow} and reads when the key is selected. SampleTime gives the percentiles; {@code -prof gc} the
 * allocation per round trip (none on the Flyover path).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class NioPingPongBenchmark {
    static final int PAYLOAD = 64;

    @Param({"flyover", "kernel"})
    public String provider = "flyover";

    @Param({"read"})
    public String poll = "read";

    SelectorProvider selectorProvider;
    FlyoverSelectorProvider flyover;
    SocketChannel client;
    SocketChannel serverEnd;
    Selector clientSelector;
    Thread echoer;
    volatile boolean running;
    volatile Throwable echoFailure;
    ByteBuffer request;
    ByteBuffer response;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        selectorProvider = switch (provider) {
            case "flyover" -> flyover = new FlyoverSelectorProvider(Map.of("flyover.loopback.offload", "true"));
            case "kernel" -> JdkSelectorProvider.get();
            default -> throw new IllegalArgumentException("provider must be flyover or kernel: " + provider);
        };
        boolean select = switch (poll) {
            case "read" -> false;
            case "select" -> true;
            default -> throw new IllegalArgumentException("poll must be read or select: " + poll);
        };
        InetAddress lo = InetAddress.ofLiteral("127.0.0.1");
        try (ServerSocketChannel listener = selectorProvider.openServerSocketChannel()) {
            listener.bind(new InetSocketAddress(lo, 0));
            client = selectorProvider.openSocketChannel();
            client.connect(listener.getLocalAddress());
            serverEnd = listener.accept();
        }
        for (SocketChannel c : new SocketChannel[] {client, serverEnd}) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.configureBlocking(false);
        }
        if (select) {
            clientSelector = selectorProvider.openSelector();
            client.register(clientSelector, SelectionKey.OP_READ);
        }
        request = ByteBuffer.allocateDirect(PAYLOAD);
        for (int i = 0; i < PAYLOAD; i++) {
            request.put(i, (byte) i);
        }
        response = ByteBuffer.allocateDirect(PAYLOAD);
        running = true;
        echoer = Thread.ofPlatform().daemon().name("nio-echo").start(() -> echo(select));
    }

    /** One round trip: the request out, the whole 64-byte echo back; returns its last byte. */
    @Benchmark
    public byte roundTrip() throws IOException {
        request.clear();
        response.clear();
        while (request.hasRemaining()) {
            client.write(request);
        }
        if (clientSelector == null) {
            readFully(client, response);
        } else {
            selectAndRead(clientSelector, client, response);
        }
        return response.get(PAYLOAD - 1);
    }

    private void readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("end of stream");
            }
        }
    }

    private void selectAndRead(Selector s, SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (s.selectNow() > 0) {
                s.selectedKeys().clear();
                if (c.read(b) < 0) {
                    throw new IOException("end of stream");
                }
            }
        }
    }

    /** The server end's loop: read the whole request (spinning on {@code read}, or on {@code selectNow} when selecting), echo it. */
    private void echo(boolean select) {
        ByteBuffer b = ByteBuffer.allocateDirect(PAYLOAD);
        try (Selector s = select ? selectorProvider.openSelector() : null) {
            if (s != null) {
                serverEnd.register(s, SelectionKey.OP_READ);
            }
            while (running) {
                b.clear();
                while (b.hasRemaining() && running) {
                    if (s != null) {
                        if (s.selectNow() == 0) {
                            continue;
                        }
                        s.selectedKeys().clear();
                    }
                    if (serverEnd.read(b) < 0) {
                        return;
                    }
                }
                b.flip();
                while (b.hasRemaining() && running) {
                    serverEnd.write(b);
                }
            }
        } catch (Throwable t) {
            if (running) {
                echoFailure = t;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        running = false;
        echoer.join(5_000);
        if (clientSelector != null) {
            clientSelector.close();
        }
        client.close();
        serverEnd.close();
        if (flyover != null) {
            flyover.close();
        }
        if (echoFailure != null) {
            throw new IllegalStateException("echo thread failed", echoFailure);
        }
    }
}
