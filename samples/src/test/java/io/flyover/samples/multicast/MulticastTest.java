package io.flyover.samples.multicast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Publisher and subscribers over the JDK's default provider on {@code lo} (no MULTICAST flag needed). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MulticastTest {
    private static final SelectorProvider JDK = JdkSelectorProvider.get();

    @Test
    void everySubscriberGetsEveryMessageInOrderAndOtherGroupsNone() throws Exception {
        NetworkInterface lo = MulticastPublisher.interfaceNamed("lo");
        InetAddress group = InetAddress.getByName("239.255.0.42");
        InetAddress otherGroup = InetAddress.getByName("239.255.0.43");
        try (MulticastSubscriber first = MulticastSubscriber.open(JDK, lo, group, 0)) {
            int port = first.localPort();
            try (MulticastSubscriber second = MulticastSubscriber.open(JDK, lo, group, port);
                 MulticastSubscriber elsewhere = MulticastSubscriber.open(JDK, lo, otherGroup, port);
                 MulticastPublisher publisher = MulticastPublisher.open(JDK, lo, new InetSocketAddress(group, port))) {
                assertEquals(port, second.localPort(), "SO_REUSEADDR lets subscribers share the group's port");
                for (int i = 1; i <= 20; i++) {
                    publisher.publish(i, "tick " + i);
                }
                for (MulticastSubscriber s : new MulticastSubscriber[] {first, second}) {
                    for (int i = 1; i <= 20; i++) {
                        MulticastSubscriber.Delivery d = s.receive(5_000);
                        assertNotNull(d, "message " + i + " did not arrive");
                        assertEquals(i, d.sequence());
                        assertEquals("tick " + i, d.text());
                        assertTrue(d.from().getAddress().isLoopbackAddress(), "sent from lo's address: " + d.from());
                    }
                }
                assertNull(elsewhere.receive(100), "a socket gets only the groups it joined (IP_MULTICAST_ALL off)");
            }
        }
    }

    @Test
    void aSubscriberThatLeftGetsNothingMoreWhileOthersDo() throws Exception {
        NetworkInterface lo = MulticastPublisher.interfaceNamed("lo");
        InetAddress group = InetAddress.getByName("239.255.0.44");
        try (MulticastSubscriber staying = MulticastSubscriber.open(JDK, lo, group, 0)) {
            int port = staying.localPort();
            MulticastSubscriber leaving = MulticastSubscriber.open(JDK, lo, group, port);
            try (MulticastPublisher publisher = MulticastPublisher.open(JDK, lo, new InetSocketAddress(group, port))) {
                leaving.membership().drop();
                assertFalse(leaving.membership().isValid());
                publisher.publish(1, "after the leave");
                assertEquals("after the leave", staying.receive(5_000).text());
                assertNull(leaving.receive(100));
            } finally {
                leaving.close();
            }
        }
    }

    @Test
    void misuseFailsWithOneClearMessage() {
        IllegalArgumentException unicast = assertThrows(IllegalArgumentException.class, () -> MulticastPublisher.open(JDK,
                MulticastPublisher.interfaceNamed("lo"), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9)));
        assertEquals("/127.0.0.1 is not a multicast address", unicast.getMessage());
        IllegalArgumentException noSuch = assertThrows(IllegalArgumentException.class,
                () -> MulticastPublisher.interfaceNamed("nosuch0"));
        assertTrue(noSuch.getMessage().startsWith("no network interface nosuch0; this host has ["), noSuch.getMessage());
        assertTrue(noSuch.getMessage().contains("lo"), noSuch.getMessage());
    }
}
