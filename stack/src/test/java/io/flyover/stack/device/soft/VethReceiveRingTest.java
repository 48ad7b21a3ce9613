package io.flyover.stack.device.soft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class VethReceiveRingTest {

    @Test
    void boundedFifoOnOneThread() {
        VethReceiveRing ring = new VethReceiveRing(4);
        assertEquals(-1, ring.poll());
        for (int i = 0; i < 4; i++) {
            assertTrue(ring.offer(i));
        }
        assertFalse(ring.offer(9));
        assertEquals(0, ring.poll());
        assertTrue(ring.offer(4));
        for (int i = 1; i <= 4; i++) {
            assertEquals(i, ring.poll());
        }
        assertTrue(ring.isEmpty());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void producerAndConsumerThreadsSeeEveryValueInOrder() throws Exception {
        VethReceiveRing ring = new VethReceiveRing(64);
        int n = 200_000;
        Thread producer = Thread.ofPlatform().name("fc-producer").start(() -> {
            for (int i = 0; i < n; ) {
                if (ring.offer(i)) {
                    i++;
                } else {
                    Thread.yield(); // two shared cores: let the other side run
                }
            }
        });
        long sum = 0;
        for (int expected = 0; expected < n; ) {
            int v = ring.poll();
            if (v < 0) {
                Thread.yield(); // two shared cores: let the other side run
                continue;
            }
            assertEquals(expected, v);
            sum += v;
            expected++;
        }
        producer.join();
        assertEquals((long) n * (n - 1) / 2, sum);
        assertEquals(-1, ring.poll());
    }
}
