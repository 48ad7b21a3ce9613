package io.flyover.samples.multicast;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;

/**
 * Publishes numbered messages to an IPv4 multicast group out of one named interface. Each datagram is
 * an 8-byte sequence number followed by UTF-8 text (see {@link MulticastSubscriber}). The kernel's
 * requirements are in the package documentation.
 *
 * <p>Start two subscribers, then publish ten messages, one every 100 ms, over {@code lo}:
 * <pre>
 *   samples/run io.flyover.samples.multicast.MulticastSubscriber 239.255.0.42 45678 lo &amp;
 *   samples/run io.flyover.samples.multicast.MulticastSubscriber 239.255.0.42 45678 lo &amp;
 *   samples/run io.flyover.samples.multicast.MulticastPublisher  239.255.0.42 45678 lo 10 100
 * </pre>
 * Over Flyover: {@code JAVA_OPTS=-Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider}.
 */
public final class MulticastPublisher implements Closeable {
    private final DatagramChannel channel;
    private final InetSocketAddress group;
    private final ByteBuffer datagram = ByteBuffer.allocateDirect(1500);

    private MulticastPublisher(DatagramChannel channel, InetSocketAddress group) {
        this.channel = channel;
        this.group = group;
    }

    /** A publisher to {@code group} out of {@code nif}, looping its datagrams back to this host's subscribers. */
    public static MulticastPublisher open(SelectorProvider provider, NetworkInterface nif, InetSocketAddress group) throws IOException {
        if (!group.getAddress().isMulticastAddress()) {
            throw new IllegalArgumentException(group.getAddress() + " is not a multicast address");
        }
        DatagramChannel channel = provider.openDatagramChannel(StandardProtocolFamily.INET);
        try {
            channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1);
            return new MulticastPublisher(channel, group);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Sends one message; UDP gives no delivery guarantee, the subscribers see gaps in the sequence. */
    public void publish(long sequence, String text) throws IOException {
        datagram.clear();
        datagram.putLong(sequence).put(text.getBytes(StandardCharsets.UTF_8)).flip();
        channel.send(datagram, group);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** The interface named {@code name}, or one clear exception saying which ones exist. */
    static NetworkInterface interfaceNamed(String name) throws SocketException {
        NetworkInterface nif = NetworkInterface.getByName(name);
        if (nif == null) {
            throw new IllegalArgumentException("no network interface " + name + "; this host has "
                    + NetworkInterface.networkInterfaces().map(NetworkInterface::getName).toList());
        }
        return nif;
    }

    public static void main(String[] args) throws Exception {
        InetAddress group = InetAddress.getByName(args.length > 0 ? args[0] : "239.255.0.42");
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 45678;
        NetworkInterface nif = interfaceNamed(args.length > 2 ? args[2] : "lo");
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        long intervalMillis = args.length > 4 ? Long.parseLong(args[4]) : 100;
        SelectorProvider provider = SelectorProvider.provider();
        try (MulticastPublisher publisher = open(provider, nif, new InetSocketAddress(group, port))) {
            System.out.println("publishing " + count + " messages to " + group.getHostAddress() + ":" + port + " on " + nif.getName()
                    + " over " + provider.getClass().getName());
            for (int i = 1; i <= count; i++) {
                publisher.publish(i, "tick " + i + " of " + count);
                Thread.sleep(intervalMillis);
            }
        }
    }
}
