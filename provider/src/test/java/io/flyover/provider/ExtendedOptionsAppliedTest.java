package io.flyover.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Linux options the JDK offers beyond the standard ones, applied on Flyover sockets rather than only
 * stored: IP_DONTFRAGMENT refuses a datagram above the path MTU (here the loopback stack's 32 KiB), as
 * Linux answers EMSGSIZE, where without it the datagram is fragmented and delivered; TCP_QUICKACK on a
 * connected socket is accepted and read back.
 */
@Timeout(30)
class ExtendedOptionsAppliedTest {
    private static final InetAddress LO = InetAddress.ofLiteral("127.0.0.1");
    private final FlyoverSelectorProvider provider = Flyover.provider(Map.of("flyover.loopback.offload", "true"));

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void dontFragmentRefusesADatagramAboveThePathMtu() throws Exception {
        try (DatagramChannel receiver = provider.openDatagramChannel().bind(new InetSocketAddress(LO, 0));
             DatagramChannel sender = provider.openDatagramChannel().bind(new InetSocketAddress(LO, 0))) {
            ByteBuffer big = ByteBuffer.allocate(40_000);
            assertEquals(40_000, sender.send(big, receiver.getLocalAddress()), "fragmented and sent");
            ByteBuffer in = ByteBuffer.allocate(65_536);
            assertNotNull(receiver.receive(in));
            assertEquals(40_000, in.position(), "reassembled whole");

            sender.setOption(ExtendedSocketOptions.IP_DONTFRAGMENT, true);
            assertTrue(sender.getOption(ExtendedSocketOptions.IP_DONTFRAGMENT));
            SocketException e = assertThrows(SocketException.class, () -> sender.send(big.clear(), receiver.getLocalAddress()));
            assertEquals("Message too long", e.getMessage());
            assertEquals(1000, sender.send(ByteBuffer.allocate(1000), receiver.getLocalAddress()), "below the MTU it goes");
        }
    }

    @Test
    void quickAckIsAcceptedOnAConnectedSocket() throws Exception {
        try (ServerSocketChannel listener = provider.openServerSocketChannel().bind(new InetSocketAddress(LO, 0));
             SocketChannel client = provider.openSocketChannel()) {
            client.connect(listener.getLocalAddress());
            try (SocketChannel server = listener.accept()) {
                server.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
                assertTrue(server.getOption(ExtendedSocketOptions.TCP_QUICKACK));
                client.write(ByteBuffer.wrap(new byte[] {7}));
                ByteBuffer in = ByteBuffer.allocate(1);
                server.read(in);
                assertEquals(7, in.get(0));
            }
        }
    }
}
