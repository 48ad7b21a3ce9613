package io.flyover.provider.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.net.IpAddress;
import java.net.BindException;
import org.junit.jupiter.api.Test;

/** Ports of addresses only Flyover serves, and the listener directory: shared under SO_REUSEPORT, counted per holder. */
class TcpPortReservationsTest {

    @Test
    void aPortIsSharedOnlyByHoldersThatAllSetReusePortAndFreedByTheLast() throws Exception {
        TcpPortReservations r = new TcpPortReservations(0);
        assertEquals(5000, r.reserve(5000, false));
        assertThrows(BindException.class, () -> r.reserve(5000, false));
        assertThrows(BindException.class, () -> r.reserve(5000, true));
        r.release(5000);

        assertEquals(5000, r.reserve(5000, true));
        assertEquals(5000, r.reserve(5000, true));
        BindException e = assertThrows(BindException.class, () -> r.reserve(5000, false));
        assertEquals("Address already in use", e.getMessage());
        r.release(5000);
        assertThrows(BindException.class, () -> r.reserve(5000, false)); // one holder left
        r.release(5000);
        assertEquals(5000, r.reserve(5000, false));
    }

    @Test
    void anEphemeralPortIsNeverSharedEvenUnderReusePort() throws Exception {
        TcpPortReservations r = new TcpPortReservations(0);
        int a = r.reserve(0, true);
        int b = r.reserve(0, true);
        assertTrue(a >= 49_152 && b >= 49_152);
        assertNotEquals(a, b);
    }

    @Test
    void theDirectoryKeepsAnEntryUntilItsLastListenerLeaves() {
        ListenerDirectory d = new ListenerDirectory();
        IpAddress at = IpAddress.parse("127.0.0.1");
        d.add(null, ListenerDirectory.Protocol.TCP, at, 80);
        d.add(null, ListenerDirectory.Protocol.TCP, at, 80);
        d.remove(null, ListenerDirectory.Protocol.TCP, at, 80);
        assertTrue(d.serves(null, ListenerDirectory.Protocol.TCP, at, 80));
        d.remove(null, ListenerDirectory.Protocol.TCP, at, 80);
        assertTrue(!d.serves(null, ListenerDirectory.Protocol.TCP, at, 80));
        d.remove(null, ListenerDirectory.Protocol.TCP, at, 80); // an extra remove is harmless
        d.add(null, ListenerDirectory.Protocol.TCP, at, 80);
        assertTrue(d.serves(null, ListenerDirectory.Protocol.TCP, at, 80));
    }
}
