package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.policy.SocketRole;
import io.flyover.provider.runtime.StackRuntime;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Options set on a connected Flyover socket take effect on the live connection, as on Linux. */
@Timeout(30)
class LiveOptionsTest {
    private final FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"));

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void keepAliveSwitchedOnAfterConnectProbesTheIdleConnection() throws Exception {
        try (ServerSocketChannel server = provider.openServerSocketChannel()) {
            server.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
            try (SocketChannel client = provider.openSocketChannel()) {
                client.connect(server.getLocalAddress());
                try (SocketChannel accepted = server.accept()) {
                    assertEquals(0, keepAliveProbes(), "keep-alive is off by default");
                    // RFC 1122 §4.2.3.6, as Linux's setsockopt: the idle interval starts when the option is set.
                    client.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 1);
                    client.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, 1);
                    client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                    long giveUp = System.nanoTime() + 20_000_000_000L;
                    while (keepAliveProbes() == 0 && System.nanoTime() < giveUp) {
                        Thread.sleep(50);
                    }
                    assertTrue(keepAliveProbes() > 0, "the idle connection was probed");
                    assertTrue(client.isConnected() && accepted.isConnected(), "the peer answered the probes");
                }
            }
        }
    }

    private long keepAliveProbes() {
        StackRuntime lo = provider.stacks().stream().filter(StackRuntime::isLoopback).findFirst().orElseThrow();
        lo.lock();
        try {
            return lo.stack().tcp().stats().keepAliveProbes;
        } finally {
            lo.unlock();
        }
    }

    @Test
    void soLingerZeroSetAfterConnectMakesCloseReset() throws Exception {
        try (ServerSocketChannel server = provider.openServerSocketChannel()) {
            server.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
            SocketChannel client = provider.openSocketChannel();
            client.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                assertEquals(1, provider.counters().offloaded(SocketRole.TCP_CLIENT), "the connection is Flyover's");
                client.setOption(StandardSocketOptions.SO_LINGER, 0);
                assertEquals(0, client.getOption(StandardSocketOptions.SO_LINGER));
                client.close(); // RFC 9293 §3.10.4: linger 0 aborts with a RST instead of a FIN
                IOException reset = assertThrows(IOException.class, () -> {
                    ByteBuffer b = ByteBuffer.allocate(16);
                    while (accepted.read(b) >= 0) {
                        b.clear();
                    }
                });
                assertEquals("Connection reset", reset.getMessage());
            }
        }
    }
}
