package io.flyover.provider.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.Shell;
import io.flyover.provider.Flyover;
import io.flyover.provider.FlyoverSelectorProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One of the complaints XLIO's users file: a crash at start when an accelerated interface has no address.
 * Here {@code flyover.interfaces} names an up veth with none (not even IPv6 link-local: disabled); the
 * provider starts, and sockets work as ever (loopback offload, and the kernel for everything else).
 */
@Timeout(60)
class InterfaceWithoutAddressTest {
    @Test
    void anAcceleratedInterfaceWithoutAnAddressDoesNotStopTheProvider() throws Exception {
        Prerequisites.requireNetworkAdmin();
        String link = "fwa0";
        Shell.tryRun("ip", "link", "del", link);
        Shell.run("ip", "link", "add", link, "type", "veth", "peer", "name", "fwa1");
        try {
            Shell.run("sysctl", "-q", "-w", "net.ipv6.conf." + link + ".disable_ipv6=1");
            Shell.run("ip", "link", "set", link, "up");
            Shell.run("ip", "link", "set", "fwa1", "up");
            try (FlyoverSelectorProvider provider = Flyover.provider(Map.of(
                         "flyover.interfaces", link, "flyover.loopback.offload", "true"));
                 ServerSocketChannel listener = provider.openServerSocketChannel()) {
                listener.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
                try (SocketChannel client = provider.openSocketChannel()) {
                    client.connect(listener.getLocalAddress());
                    try (SocketChannel served = listener.accept()) {
                        client.write(ByteBuffer.wrap(new byte[] {42}));
                        ByteBuffer in = ByteBuffer.allocate(1);
                        while (in.hasRemaining()) {
                            served.read(in);
                        }
                        assertEquals(42, in.get(0));
                    }
                }
                assertTrue(provider.stacks().stream().anyMatch(r -> r.interfaceName().equals("lo")),
                        "the loopback stack serves: " + provider.stacks());
                assertTrue(provider.stacks().stream().noneMatch(r -> r.interfaceName().equals(link)),
                        "nothing to offload through an interface without an address");
            }
        } finally {
            Shell.tryRun("ip", "link", "del", link);
        }
    }
}
