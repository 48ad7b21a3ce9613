package io.flyover.modulecheck;

import io.flyover.provider.FlyoverSelectorProvider;
import io.flyover.provider.policy.SocketRole;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * An unmodified application for {@link ModulePathIT}, on the class path while Flyover is on the module
 * path (this package is not the provider module's): it prints which provider the JDK chose, from which
 * module, and whether a loopback connection it makes was offloaded, as {@code key=value} lines.
 */
public final class ModulePathProbe {
    private ModulePathProbe() {}

    public static void main(String[] args) throws Exception {
        SelectorProvider p = SelectorProvider.provider();
        System.out.println("provider=" + p.getClass().getName());
        System.out.println("module=" + p.getClass().getModule().getName());
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel c = SocketChannel.open(l.getLocalAddress()); SocketChannel s = l.accept()) {
                c.write(ByteBuffer.wrap(new byte[] {7}));
                ByteBuffer b = ByteBuffer.allocate(1);
                while (b.hasRemaining()) {
                    s.read(b);
                }
                System.out.println("echo=" + b.get(0));
            }
        }
        if (p instanceof FlyoverSelectorProvider f) {
            System.out.println("offloadedClients=" + f.counters().offloaded(SocketRole.TCP_CLIENT));
        }
    }
}
