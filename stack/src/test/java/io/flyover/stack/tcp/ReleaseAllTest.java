package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A closing stack lets go of the connections still in its table, and of what the layer above tied to them. */
class ReleaseAllTest extends TcpTestBase {
    @Test
    void aConnectionInTimeWaitLetsGoOfWhatItHoldsWhenTheStackCloses() {
        TcpConnection c = timeWait();
        AtomicBoolean released = new AtomicBoolean();
        c.heldUntilReleased = () -> released.set(true); // as the provider's kernel port reservation
        assertEquals(1, layer.connectionCount(), "TIME-WAIT keeps the connection");

        layer.releaseAll();

        assertTrue(released.get(), "the reservation is closed");
        assertEquals(0, layer.connectionCount());
        expectNothing(); // no segment: the stack is going, not the connection being reset
    }
}
