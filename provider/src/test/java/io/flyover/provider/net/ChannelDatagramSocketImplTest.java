package io.flyover.provider.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The parts of {@link ChannelDatagramSocketImpl} that {@code java.net.DatagramSocket} no longer reaches: peeking
 * (held back for the next receive) and the legacy loopback-mode option's inverted meaning.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ChannelDatagramSocketImplTest {

    @Test
    void peekDataHoldsTheDatagramForTheNextReceive() throws Exception {
        ChannelDatagramSocketImpl receiver = new ChannelDatagramSocketImpl(JdkSelectorProvider.get());
        ChannelDatagramSocketImpl sender = new ChannelDatagramSocketImpl(JdkSelectorProvider.get());
        try {
            receiver.create();
            receiver.bind(0, NetLoopback.ADDRESS);
            sender.create();
            sender.bind(0, NetLoopback.ADDRESS);
            InetSocketAddress to = (InetSocketAddress) receiver.channel().getLocalAddress();
            sender.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, to));
            sender.send(new DatagramPacket(new byte[] {4}, 1, to));

            DatagramPacket peeked = new DatagramPacket(new byte[2], 2);
            assertEquals(((InetSocketAddress) sender.channel().getLocalAddress()).getPort(), receiver.peekData(peeked), "peekData returns the sender's port");
            assertEquals(2, peeked.getLength(), "a peek is truncated to the packet");
            DatagramPacket again = new DatagramPacket(new byte[8], 8);
            receiver.peekData(again);
            assertEquals(3, again.getLength(), "peeking again sees the same, whole datagram");

            DatagramPacket first = new DatagramPacket(new byte[8], 8);
            receiver.receive(first);
            assertEquals(3, first.getLength(), "receive delivers the peeked datagram whole");
            assertEquals(3, first.getData()[2]);
            DatagramPacket second = new DatagramPacket(new byte[8], 8);
            receiver.receive(second);
            assertEquals(1, second.getLength(), "then the next one");
            assertEquals(4, second.getData()[0]);
        } finally {
            receiver.close();
            sender.close();
        }
    }

    @Test
    void theLegacyLoopbackOptionMeansDisabled() throws Exception {
        ChannelDatagramSocketImpl impl = new ChannelDatagramSocketImpl(JdkSelectorProvider.get());
        try {
            impl.create();
            assertEquals(false, impl.getOption(SocketOptions.IP_MULTICAST_LOOP), "loopback is enabled by default: 'disabled' is false");
            impl.setOption(SocketOptions.IP_MULTICAST_LOOP, true);
            assertEquals(false, impl.channel().getOption(java.net.StandardSocketOptions.IP_MULTICAST_LOOP), "true disables the loop");
            assertEquals(true, impl.getOption(SocketOptions.IP_MULTICAST_LOOP));
        } finally {
            impl.close();
        }
        assertThrows(SocketException.class, () -> impl.getOption(SocketOptions.SO_TIMEOUT), "after close");
    }
}
