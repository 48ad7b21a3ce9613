package io.flyover.stack.device.soft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class HoldingQueueTest {

    @Test
    void framesLeaveByReleaseTimeAndInArrivalOrderOnTies() {
        SeededRandom random = new SeededRandom(5);
        for (int round = 0; round < 50; round++) {
            HoldingQueue queue = new HoldingQueue(64);
            List<long[]> expected = new ArrayList<>(); // {time, frame}
            for (int frame = 0; frame < 64; frame++) {
                long at = random.nextInt(10); // many ties
                queue.add(frame, at);
                expected.add(new long[] {at, frame});
            }
            assertTrue(queue.isFull());
            expected.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
            for (long[] e : expected) {
                assertEquals(e[0], queue.earliest());
                assertEquals(e[1], queue.poll());
            }
            assertTrue(queue.isEmpty());
            assertEquals(Long.MAX_VALUE, queue.earliest());
        }
    }

    @Test
    void impairmentsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> Impairment.builder().loss(1.5).build());
        assertThrows(IllegalArgumentException.class, () -> Impairment.builder().duplicate(-0.1).build());
        assertThrows(IllegalArgumentException.class, () -> Impairment.builder().corrupt(Double.NaN).build());
        assertThrows(IllegalArgumentException.class, () -> Impairment.builder().delay(-1).build());
        assertThrows(IllegalArgumentException.class, () -> Impairment.builder().queueLimit(0).build());
        assertTrue(Impairment.NONE.isNone());
        Impairment some = Impairment.builder().loss(0.1).delay(5, 2).rate(1000).build();
        assertEquals(some, some.toBuilder().build());
    }
}
