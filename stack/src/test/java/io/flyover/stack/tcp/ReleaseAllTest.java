package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A closing stack lets go of the connections still in its table and reports each released, so that the
 * layer above lets go of what it tied to them.
 */
class ReleaseAllTest extends TcpTestBase {
    @Test
    void aConnectionInTimeWaitIsReportedReleasedWhenTheStackCloses() {
        TcpConnection c = timeWait();
        List<TcpConnection> released = new ArrayList<>();
        layer.setReadinessListener(new TcpReadinessListener() {
            @Override
            public void onReleased(TcpConnection r) {
                released.add(r);
            }
        });
        assertEquals(1, layer.connectionCount(), "TIME-WAIT keeps the connection");

        layer.releaseAll();

        assertEquals(List.of(c), released, "reported released once, for the layer above to let go of its holdings");
        assertEquals(0, layer.connectionCount());
        expectNothing(); // no segment: the stack is going, not the connection being reset
    }
}
