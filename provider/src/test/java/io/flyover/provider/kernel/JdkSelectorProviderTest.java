package io.flyover.provider.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import org.junit.jupiter.api.Test;

class JdkSelectorProviderTest {
    @Test
    void isTheJdksOwnProviderAndCarriesTraffic() throws Exception {
        SelectorProvider jdk = JdkSelectorProvider.get();
        assertSame(jdk, JdkSelectorProvider.get());
        assertEquals("sun.nio.ch", jdk.getClass().getPackageName());
        try (ServerSocketChannel server = jdk.openServerSocketChannel()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel client = jdk.openSocketChannel()) {
                client.connect(server.getLocalAddress());
                try (SocketChannel accepted = server.accept()) {
                    client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                    ByteBuffer in = ByteBuffer.allocate(3);
                    while (in.hasRemaining()) {
                        accepted.read(in);
                    }
                    assertEquals(3, in.get(2));
                }
            }
        }
    }
}
