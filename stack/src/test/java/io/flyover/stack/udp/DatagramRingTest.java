package io.flyover.stack.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import org.junit.jupiter.api.Test;

/** The receive ring against a reference queue, through many wraps with datagrams of every size. */
class DatagramRingTest {

    @Test
    void behavesLikeABoundedFifoThroughWraps() {
        SeededRandom rnd = new SeededRandom(99);
        DatagramRing ring = new DatagramRing(4096);
        ArrayDeque<int[]> reference = new ArrayDeque<>(); // {length, seed, port}
        MemorySegment src = MemorySegment.ofArray(new byte[2048]);
        MemorySegment dst = MemorySegment.ofArray(new byte[2048]);
        int accepted = 0, refused = 0;
        for (int step = 0; step < 200_000; step++) {
            if (rnd.nextInt(3) != 0) {
                int length = rnd.nextInt(1500);
                int seed = step;
                for (int i = 0; i < length; i++) {
                    src.set(ValueLayout.JAVA_BYTE, i, (byte) (seed + i));
                }
                if (ring.offer(src, 0, length, 7, seed, step & 0xFFFF)) {
                    reference.add(new int[] {length, seed, step & 0xFFFF});
                    accepted++;
                } else {
                    refused++;
                    // A refusal is only allowed when the datagram could not fit beside what is queued.
                    int queued = 0;
                    for (int[] r : reference) {
                        queued += 32 + ((r[0] + 7) & ~7);
                    }
                    assertTrue(queued + 32 + ((length + 7) & ~7) > 4096 / 2 || !reference.isEmpty(), "refused into an empty ring");
                }
            } else {
                int[] expected = reference.poll();
                int n = ring.poll(dst, 0, 2048);
                if (expected == null) {
                    assertEquals(-1, n);
                    continue;
                }
                assertEquals(expected[0], n);
                assertEquals(expected[1], ring.lastSourceLo());
                assertEquals(7, ring.lastSourceHi());
                assertEquals(expected[2], ring.lastSourcePort());
                for (int i = 0; i < n; i++) {
                    assertEquals((byte) (expected[1] + i), dst.get(ValueLayout.JAVA_BYTE, i));
                }
            }
            assertEquals(reference.size(), ring.count());
        }
        assertTrue(accepted > 50_000 && refused > 1_000, accepted + " " + refused);
    }

    @Test
    void anEmptyRingAcceptsTheLargestDatagramThatFits() {
        DatagramRing ring = new DatagramRing(4096);
        MemorySegment src = MemorySegment.ofArray(new byte[4096]);
        assertTrue(ring.offer(src, 0, 4096 - 32, 0, 0, 1));
        assertFalse(ring.offer(src, 0, 0, 0, 0, 1));
        assertEquals(4064, ring.poll(MemorySegment.ofArray(new byte[10]), 0, 10));
        assertTrue(ring.offer(src, 0, 4096 - 32, 0, 0, 1));
    }

    @Test
    void resizingWhileDatagramsAreQueuedKeepsEveryOneInOrder() {
        SeededRandom rnd = new SeededRandom(7);
        DatagramRing ring = new DatagramRing(2048);
        ArrayDeque<int[]> reference = new ArrayDeque<>(); // {length, seed}
        MemorySegment src = MemorySegment.ofArray(new byte[1500]);
        MemorySegment dst = MemorySegment.ofArray(new byte[1500]);
        int grown = 0, refusedBySize = 0;
        for (int step = 0; step < 50_000; step++) {
            int op = rnd.nextInt(10);
            if (op == 0) {
                // SO_RCVBUF changed at any moment, the ring possibly wrapped: nothing queued may be lost.
                int before = ring.size();
                ring.resize(256 + rnd.nextInt(16_384));
                grown += ring.size() > before ? 1 : 0;
            } else if (op < 6) {
                int length = rnd.nextInt(1500);
                for (int i = 0; i < length; i++) {
                    src.set(ValueLayout.JAVA_BYTE, i, (byte) (step + i));
                }
                int queued = 0;
                for (int[] r : reference) {
                    queued += 32 + ((r[0] + 7) & ~7);
                }
                if (ring.offer(src, 0, length, 0, step, 1)) {
                    reference.add(new int[] {length, step});
                    assertTrue(queued + 32 + ((length + 7) & ~7) <= ring.size(), "queued beyond the buffer size");
                } else if (queued + 32 + ((length + 7) & ~7) > ring.size()) {
                    refusedBySize++;
                }
            } else {
                int[] expected = reference.poll();
                int n = ring.poll(dst, 0, 1500);
                if (expected == null) {
                    assertEquals(-1, n);
                    continue;
                }
                assertEquals(expected[0], n);
                assertEquals(expected[1], ring.lastSourceLo());
                for (int i = 0; i < n; i++) {
                    assertEquals((byte) (expected[1] + i), dst.get(ValueLayout.JAVA_BYTE, i));
                }
            }
            assertEquals(reference.size(), ring.count());
        }
        assertTrue(grown > 100 && refusedBySize > 100, grown + " " + refusedBySize);
    }

    @Test
    void aSmallerSizeKeepsWhatIsQueuedAndRefusesMoreUntilItDrains() {
        DatagramRing ring = new DatagramRing(4096);
        MemorySegment src = MemorySegment.ofArray(new byte[1000]);
        for (int i = 0; i < 3; i++) {
            assertTrue(ring.offer(src, 0, 1000, 0, i, 1));
        }
        ring.resize(1024);
        assertEquals(3, ring.count(), "nothing queued is dropped");
        assertFalse(ring.offer(src, 0, 100, 0, 9, 1), "nothing more while above the new size");
        MemorySegment dst = MemorySegment.ofArray(new byte[1000]);
        for (int i = 0; i < 3; i++) {
            assertEquals(1000, ring.poll(dst, 0, 1000));
            assertEquals(i, ring.lastSourceLo());
        }
        assertTrue(ring.offer(src, 0, 900, 0, 10, 1));
        assertFalse(ring.offer(src, 0, 100, 0, 11, 1), "the new size holds one such datagram");
    }
}
