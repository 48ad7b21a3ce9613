package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flyover.stack.device.FlowRule;
import io.flyover.stack.device.ForwardingNetDevice;
import io.flyover.stack.device.NetDevice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A close from another thread that lands while connect is creating the stack's connection (after the
 * connect checked that the channel is open, before the channel knows its connection) must not leak
 * that connection: the connect sees the close, aborts the connection and throws, as
 * {@code SocketChannelImpl.connect} throws {@link AsynchronousCloseException}. The device's flow-rule
 * request for the active open is the moment: the connection exists, the channel does not know it yet.
 */
class CloseDuringConnectTest {
    @Test
    void aCloseWhileTheConnectionIsBeingCreatedAbortsItAndConnectThrows() throws Exception {
        AtomicReference<Runnable> onFlowRule = new AtomicReference<>();
        AtomicReference<Throwable> closeFailure = new AtomicReference<>();
        try (TwoHosts hosts = new TwoHosts("", "veth-a", "veth-b", d -> watching(d, onFlowRule));
             ServerSocketChannel server = hosts.b.openServerSocketChannel().bind(new InetSocketAddress(TwoHosts.B4, 0))) {
            SocketChannel client = hosts.a.openSocketChannel();
            onFlowRule.set(() -> {
                Thread closer = Thread.ofPlatform().start(() -> {
                    try {
                        client.close();
                    } catch (IOException | RuntimeException e) {
                        closeFailure.set(e);
                    }
                });
                try {
                    closer.join(10_000); // the connect holds the stack lock: a close that needed it would hang here
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (closer.isAlive()) {
                    closeFailure.set(new AssertionError("close waited for the connect"));
                }
            });
            assertThrows(AsynchronousCloseException.class, () -> client.connect(server.getLocalAddress()));
            assertNull(closeFailure.get());
            assertNull(onFlowRule.get(), "the connect asked for its flow rule");
            assertFalse(client.isOpen());
            hosts.stackA.lock();
            try {
                assertEquals(0, hosts.stackA.stack().tcp().connectionCount(), "the connection is aborted, not leaked");
            } finally {
                hosts.stackA.unlock();
            }
        }
    }

    /** {@code device}, running {@code hook} (once) when the stack asks it for a flow rule. */
    private static NetDevice watching(NetDevice device, AtomicReference<Runnable> hook) {
        return new ForwardingNetDevice(device) {
            @Override
            public void addFlowRule(FlowRule rule) {
                Runnable r = hook.getAndSet(null);
                if (r != null) {
                    r.run();
                }
                super.addFlowRule(rule);
            }
        };
    }
}
