package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random datagrams cut into random fragments, shuffled and duplicated, come back whole exactly once. */
class ReassemblerTest {

    @Test
    void shuffledAndDuplicatedFragmentsReassembleExactlyOnce() {
        SeededRandom rnd = new SeededRandom(5);
        Reassembler r = new Reassembler(2, 1_000_000_000L);
        for (int round = 0; round < 2_000; round++) {
            int size = 1 + rnd.nextInt(20_000);
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) (round * 7 + i * 13);
            }
            List<int[]> pieces = new ArrayList<>();
            for (int at = 0; at < size; ) {
                int n = Math.min(size - at, 8 * (1 + rnd.nextInt(200)));
                pieces.add(new int[] {at, n});
                if (rnd.nextInt(5) == 0) {
                    pieces.add(new int[] {at, n}); // duplicated on the link
                }
                at += n;
            }
            Collections.shuffle(pieces, new Random(round));
            int completions = 0;
            MemorySegment src = MemorySegment.ofArray(data);
            int fed = 0;
            for (int[] p : pieces) {
                if (completions > 0) {
                    break; // what arrives after completion (late duplicates) starts afresh and times out
                }
                fed++;
                boolean more = p[0] + p[1] < size;
                int v = r.add(round % 2 == 0 ? 4 : 6, 0, 1, 0, 2, round, 17, p[0], more, src, p[0], p[1], 0);
                assertTrue(v == Reassembler.STORED || v == Reassembler.COMPLETE, "round " + round + " answered " + v);
                if (v == Reassembler.COMPLETE) {
                    completions++;
                    assertEquals(size, r.completedLength());
                    assertEquals(-1, r.completedSegment().asSlice(0, size).mismatch(src));
                    assertEquals(17, r.completedProtocol());
                }
            }
            assertEquals(1, completions, "round " + round);
            java.util.Set<Integer> fedOffsets = new java.util.HashSet<>();
            for (int k = 0; k < fed; k++) {
                fedOffsets.add(pieces.get(k)[0]);
            }
            for (int k = fed; k < pieces.size(); k++) {
                assertTrue(fedOffsets.contains(pieces.get(k)[0]), "completed before a needed piece arrived");
            }
            r.poll(2_000_000_000L * (round + 1));
        }
        assertEquals(0, r.inProgress());
    }

    @Test
    void partialOverlapAndInconsistentEndsAreMalformed() {
        Reassembler r = new Reassembler(1, 1_000_000_000L);
        MemorySegment src = MemorySegment.ofArray(new byte[64]);
        src.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        assertEquals(Reassembler.STORED, r.add(4, 0, 1, 0, 2, 1, 17, 0, true, src, 0, 16, 0));
        assertEquals(Reassembler.MALFORMED, r.add(4, 0, 1, 0, 2, 1, 17, 8, true, src, 0, 16, 0));
        assertEquals(Reassembler.STORED, r.add(4, 0, 1, 0, 2, 2, 17, 16, false, src, 0, 16, 0));
        assertEquals(Reassembler.MALFORMED, r.add(4, 0, 1, 0, 2, 2, 17, 24, false, src, 0, 16, 0));
        assertEquals(Reassembler.MALFORMED, r.add(4, 0, 1, 0, 2, 3, 17, 0, true, src, 0, 12, 0)); // not a multiple of 8
        assertEquals(Reassembler.MALFORMED, r.add(4, 0, 1, 0, 2, 3, 17, 65_528, false, src, 0, 16, 0)); // past 64 KiB
    }
}
