package io.flyover.provider.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What only {@link ChannelSocketImpl} itself can show: its channel's life. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelSocketImplTest {

    @Test
    void aSocketDroppedWithoutCloseStillClosesItsChannel() throws Exception {
        try (ServerSocketChannel server = JdkSelectorProvider.get().openServerSocketChannel()) {
            server.bind(new InetSocketAddress(NetLoopback.ADDRESS, 0));
            SocketChannel channel = connectAndForget((InetSocketAddress) server.getLocalAddress());
            assertTrue(channel.isOpen(), "open while the socket may still be reachable");
            for (int i = 0; i < 200 && channel.isOpen(); i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertFalse(channel.isOpen(), "the cleaner closed the channel of an unreachable socket");
        }
    }

    /** Connects a socket, reads from it once with a timeout (so it waits in a selector), and drops it. */
    private static SocketChannel connectAndForget(InetSocketAddress server) throws IOException {
        ChannelSocketImpl impl = new ChannelSocketImpl(JdkSelectorProvider.get());
        Socket socket = new Socket(impl) { };
        socket.connect(server);
        socket.setSoTimeout(10);
        try {
            socket.getInputStream().read();
        } catch (SocketTimeoutException expected) {
            // the read waited in the read selector, which the cleaner must close too
        }
        return impl.channel();
    }
}
