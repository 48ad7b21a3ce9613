package io.flyover.provider.channel;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;

/** The family a channel opened without one gets: the JDK's own choice (INET6 when IPv6 is available). */
final class Families {
    private static volatile ProtocolFamily defaultFamily;

    private Families() {}

    static ProtocolFamily defaultFamily() {
        ProtocolFamily f = defaultFamily;
        if (f == null) {
            f = StandardProtocolFamily.INET;
            try (ServerSocketChannel probe = JdkSelectorProvider.get().openServerSocketChannel()) {
                probe.bind(new InetSocketAddress(0), 1);
                if (((InetSocketAddress) probe.getLocalAddress()).getAddress() instanceof Inet6Address) {
                    f = StandardProtocolFamily.INET6;
                }
            } catch (IOException e) {
                // keep INET
            }
            defaultFamily = f;
        }
        return f;
    }

    static ProtocolFamily checkInet(ProtocolFamily family) {
        if (family != StandardProtocolFamily.INET && family != StandardProtocolFamily.INET6) {
            throw new UnsupportedOperationException("Protocol family not supported");
        }
        return family;
    }
}
