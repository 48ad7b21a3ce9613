package io.flyover.samples.multicast;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;

/**
 * Joins an IPv4 multicast group on one named interface and receives what {@link MulticastPublisher}
 * sends to it: a non-blocking {@link DatagramChannel} bound to the group's port with
 * {@code SO_REUSEADDR} (so several subscribers share it) and a {@link Selector} to wait with a timeout.
 * The kernel's requirements are in the package documentation.
 *
 * <p>Run it (group, port, interface), then start the publisher; Ctrl-C stops it:
 * <pre>
 *   samples/run io.flyover.samples.multicast.MulticastSubscriber 239.255.0.42 45678 lo
 * </pre>
 */
public final class MulticastSubscriber implements Closeable {
    /** One message: the publisher's sequence number and text, and where it came from. */
    public record Delivery(long sequence, String text, InetSocketAddress from) {}

    private final Selector selector;
    private final DatagramChannel channel;
    private final MembershipKey membership;
    private final ByteBuffer datagram = ByteBuffer.allocateDirect(65_536);

    private MulticastSubscriber(Selector selector, DatagramChannel channel, MembershipKey membership) {
        this.selector = selector;
        this.channel = channel;
        this.membership = membership;
    }

    /** Binds {@code port} on all addresses (0 picks one) and joins {@code group} on {@code nif}. */
    public static MulticastSubscriber open(SelectorProvider provider, NetworkInterface nif, InetAddress group, int port)
            throws IOException {
        Selector selector = provider.openSelector();
        DatagramChannel channel = provider.openDatagramChannel(StandardProtocolFamily.INET);
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(port));
            MembershipKey membership = channel.join(group, nif);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            return new MulticastSubscriber(selector, channel, membership);
        } catch (IOException | RuntimeException e) {
            channel.close();
            selector.close();
            throw e;
        }
    }

    public int localPort() throws IOException {
        return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    public MembershipKey membership() {
        return membership;
    }

    /**
     * The next message, waiting at most {@code timeoutMillis}; {@code null} when none came. Datagrams
     * too short to carry a sequence number are skipped.
     */
    public Delivery receive(long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            datagram.clear();
            InetSocketAddress from = (InetSocketAddress) channel.receive(datagram);
            if (from != null && datagram.flip().remaining() >= Long.BYTES) {
                long sequence = datagram.getLong();
                return new Delivery(sequence, StandardCharsets.UTF_8.decode(datagram).toString(), from);
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (from == null && left <= 0) {
                return null;
            }
            if (from == null) {
                selector.select(left);
                selector.selectedKeys().clear();
            }
        }
    }

    /** Leaves the group and closes the channel. */
    @Override
    public void close() throws IOException {
        membership.drop();
        channel.close();
        selector.close();
    }

    public static void main(String[] args) throws IOException {
        InetAddress group = InetAddress.getByName(args.length > 0 ? args[0] : "239.255.0.42");
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 45678;
        NetworkInterface nif = MulticastPublisher.interfaceNamed(args.length > 2 ? args[2] : "lo");
        SelectorProvider provider = SelectorProvider.provider();
        try (MulticastSubscriber subscriber = open(provider, nif, group, port)) {
            System.out.println("joined " + group.getHostAddress() + " on " + nif.getName() + ", port " + subscriber.localPort()
                    + ", over " + provider.getClass().getName());
            while (true) {
                Delivery d = subscriber.receive(60_000);
                if (d != null) {
                    System.out.println("#" + d.sequence() + " from " + d.from() + ": " + d.text());
                }
            }
        }
    }
}
