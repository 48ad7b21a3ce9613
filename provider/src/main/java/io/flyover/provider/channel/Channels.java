package io.flyover.provider.channel;

import io.flyover.provider.runtime.FlyoverNetwork;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * Opens Flyover channels for a provider: the one entry point from {@code FlyoverSelectorProvider} into
 * this package. {@code family} null means the JDK's default (INET6, dual-stack, when IPv6 is available).
 */
public final class Channels {
    private Channels() {}

    public static SocketChannel socket(SelectorProvider provider, FlyoverNetwork network, SelectorProvider kernel,
            ProtocolFamily family) {
        return new FlyoverSocketChannel(provider, network, kernel, inet(family));
    }

    public static ServerSocketChannel serverSocket(SelectorProvider provider, FlyoverNetwork network,
            SelectorProvider kernel, ProtocolFamily family) {
        return new FlyoverServerSocketChannel(provider, network, kernel, inet(family));
    }

    public static java.nio.channels.DatagramChannel datagram(SelectorProvider provider, FlyoverNetwork network,
            SelectorProvider kernel, ProtocolFamily family) {
        return new FlyoverDatagramChannel(provider, network, kernel, inet(family));
    }

    public static AbstractSelector selector(SelectorProvider provider, FlyoverNetwork network, SelectorProvider kernel)
            throws IOException {
        return new FlyoverSelector(provider, network, kernel);
    }

    /** Whether this family is served by Flyover's channels (INET, INET6); UNIX goes to the kernel. */
    public static boolean isInet(ProtocolFamily family) {
        return family == StandardProtocolFamily.INET || family == StandardProtocolFamily.INET6;
    }

    private static ProtocolFamily inet(ProtocolFamily family) {
        return family == null ? Families.defaultFamily() : Families.checkInet(family);
    }
}
