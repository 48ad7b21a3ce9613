package io.flyover.provider.frameworks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.runtime.StackRuntime;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Netty's NIO transport, unmodified, over Flyover's provider with loopback offload: an echo server and
 * client on Netty event loops whose selectors and channels come from Flyover (Netty takes the
 * {@code SelectorProvider} as a constructor argument). The counters prove both ends ran offloaded.
 */
@Timeout(60)
class NettyEchoTest {
    private final FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"));
    private EventLoopGroup boss;
    private EventLoopGroup workers;

    @AfterEach
    void close() {
        if (boss != null) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        provider.close();
    }

    /** Echoes every byte it reads. */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Collects {@code expected} bytes, then completes. */
    static final class Collector extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        final int expected;

        Collector(int expected) {
            this.expected = expected;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] chunk = new byte[buf.readableBytes()];
                buf.readBytes(chunk);
                received.writeBytes(chunk);
            } finally {
                buf.release();
            }
            if (received.size() >= expected) {
                done.complete(received.toByteArray());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void nettyEchoRunsOverFlyover(String address) throws Exception {
        boss = new NioEventLoopGroup(1, (Executor) null, provider);
        workers = new NioEventLoopGroup(1, (Executor) null, provider);
        Channel server = new ServerBootstrap().group(boss, workers)
                .channelFactory(() -> new NioServerSocketChannel(provider))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Echo());
                    }
                })
                .bind(new InetSocketAddress(address, 0)).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();

        byte[] payload = new byte[256 * 1024];
        new Random(7).nextBytes(payload);
        Collector collector = new Collector(payload.length);
        Channel client = new Bootstrap().group(workers)
                .channelFactory(() -> new NioSocketChannel(provider))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(collector)
                .connect(new InetSocketAddress(address, port)).sync().channel();
        for (int at = 0; at < payload.length; at += 4096) {
            client.write(client.alloc().buffer(4096).writeBytes(payload, at, 4096));
        }
        client.flush();
        assertArrayEquals(payload, collector.done.get(30, TimeUnit.SECONDS));
        client.close().sync();
        server.close().sync();

        assertEquals(1, provider.counters().offloaded(SocketRole.TCP_CLIENT), provider.counters().toString());
        assertEquals(0, provider.counters().kernel(SocketRole.TCP_CLIENT), provider.counters().toString());
        assertEquals(1, provider.counters().accepted(OffloadPath.OFFLOAD), provider.counters().toString());
        StackRuntime lo = provider.stacks().stream().filter(StackRuntime::isLoopback).findFirst().orElseThrow();
        assertTrue(lo.counters().rxFrames() > 0, "the loopback stack carried the traffic");
    }
}
