package io.flyover.stack.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrameBurstTest {
    @Test
    void keepsOrderAndDropsAcceptedPrefix() {
        FrameBurst burst = new FrameBurst(4);
        for (int f = 10; f < 14; f++) {
            assertTrue(burst.add(f));
        }
        assertFalse(burst.add(99));
        assertTrue(burst.isFull());
        burst.removeFirst(3);
        assertEquals(1, burst.count());
        assertEquals(13, burst.get(0));
        assertThrows(IndexOutOfBoundsException.class, () -> burst.get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> burst.removeFirst(2));
        burst.clear();
        assertTrue(burst.isEmpty());
    }
}
