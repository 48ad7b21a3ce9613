package io.flyover.provider;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * What {@link SystemPropertyEntryTest} runs in a child JVM: an unmodified NIO program (the JDK's static
 * factories only) that echoes over loopback through a selector, then reports which provider served it
 * and the provider's path counters on standard output.
 */
public final class ChildJvmMain {
    private ChildJvmMain() {}

    public static void main(String[] args) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(loopback, 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept();
             Selector selector = Selector.open()) {
            accepted.configureBlocking(false);
            accepted.register(selector, SelectionKey.OP_READ);
            client.write(ByteBuffer.wrap("hello".getBytes()));
            ByteBuffer in = ByteBuffer.allocate(5);
            while (in.hasRemaining()) {
                selector.select(5_000);
                selector.selectedKeys().clear();
                accepted.read(in);
            }
            System.out.println("echo=" + new String(in.array()));
        }
        SelectorProvider p = SelectorProvider.provider();
        System.out.println("provider=" + p.getClass().getName());
        if (p instanceof FlyoverSelectorProvider f) {
            System.out.println("counters=" + f.counters());
        }
    }
}
