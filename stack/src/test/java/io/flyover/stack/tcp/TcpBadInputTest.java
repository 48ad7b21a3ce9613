package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.DropReason;
import io.flyover.stack.SeededRandom;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Hostile input: dropped or answered as the RFCs say, counted, never thrown, no frame leaked. */
class TcpBadInputTest extends TcpTestBase {

    private long totalDrops() {
        long n = 0;
        for (DropReason r : DropReason.values()) {
            n += layer.dropCount(r);
        }
        return n;
    }

    Supplier<TcpConnection> state(String name) {
        return switch (name) {
            case "LISTEN" -> () -> { listen(); return null; };
            case "SYN_SENT" -> this::synSent;
            case "SYN_RECEIVED" -> this::synReceived;
            case "ESTABLISHED" -> this::established;
            case "FIN_WAIT_1" -> this::finWait1;
            case "FIN_WAIT_2" -> this::finWait2;
            case "CLOSE_WAIT" -> this::closeWait;
            case "CLOSING" -> this::closing;
            case "LAST_ACK" -> this::lastAck;
            case "TIME_WAIT" -> this::timeWait;
            default -> () -> null;
        };
    }

    /** Every combination of the eight control bits, at several sequence/ack positions, in every state. */
    @ParameterizedTest
    @ValueSource(strings = {"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
            "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"})
    void everyFlagCombination(String stateName) {
        int[] seqOffsets = {0, 1, 2, -1, 100_000, 1 << 31};
        int[] ackOffsets = {0, 1, 2, -1, 100_000, 1 << 31};
        boolean first = true;
        for (int f = 0; f < 256; f++) {
            final int flags = f;
            for (int so : seqOffsets) {
                for (int ao : ackOffsets) {
                    if (!first) {
                        tearDownFresh();
                        setUpFresh();
                    }
                    first = false;
                    TcpConnection c = state(stateName).get();
                    out.sent.clear();
                    int iss = c == null ? 0 : c.iss;
                    Seg s = Seg.of(flags, REMOTE_ISN + 1 + so, iss + 1 + ao);
                    if ((flags & 1) == 0 && so == 0) {
                        s.payload("x");
                    }
                    long before = totalDrops();
                    assertDoesNotThrow(() -> send(s));
                    // A reply is at most one segment (RST, ACK, challenge ACK or SYN-ACK), plus data/FIN output.
                    assertTrue(out.sent.size() <= 3, () -> stateName + " flags " + flags + " -> " + out.sent);
                    for (Seg r : out.sent) {
                        // Never answer a RST with a RST (RFC 9293 §3.10.7).
                        assertTrue((flags & RST) == 0 || (r.flags & RST) == 0, () -> "RST answered with " + r);
                    }
                    if ((flags & (SYN | RST)) == (SYN | RST) || (flags & (SYN | FIN)) == (SYN | FIN)) {
                        assertEquals(before + 1, totalDrops());
                        assertEquals(java.util.List.of(), out.sent);
                    }
                    out.sent.clear();
                }
            }
        }
    }

    private void setUpFresh() {
        setUpLayer();
    }

    private void tearDownFresh() {
        checkFrames();
    }

    @Test
    void badDataOffsetsAreDroppedAndCounted() {
        TcpConnection c = established();
        for (int words = 0; words < 16; words++) {
            int frame = cache.acquire();
            long base = pool.frameBase(frame) + pool.headroom();
            MemorySegment r = pool.region();
            for (int i = 0; i < 24; i++) {
                r.set(ValueLayout.JAVA_BYTE, base + i, (byte) 0);
            }
            r.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), base, (short) REMOTE_PORT);
            r.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), base + 2, (short) LOCAL_PORT);
            r.set(ValueLayout.JAVA_BYTE, base + 12, (byte) (words << 4));
            r.set(ValueLayout.JAVA_BYTE, base + 13, (byte) ACK);
            layer.receive(now, REMOTE_HI, REMOTE_LO, LOCAL_HI, LOCAL_LO, frame, pool.headroom(), 24);
        }
        // 0-4 words: below minimum; 7-15 words: beyond the 24 bytes given; 5 and 6 parse (6 = 4 bytes of zero options = EOL)
        assertEquals(5 + 9, layer.dropCount(DropReason.TCP_BAD_DATA_OFFSET));
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void truncatedAndEmptySegmentsAreDropped() {
        listen();
        int frame = cache.acquire();
        layer.receive(now, REMOTE_HI, REMOTE_LO, LOCAL_HI, LOCAL_LO, frame, pool.headroom(), 7);
        frame = cache.acquire();
        layer.receive(now, REMOTE_HI, REMOTE_LO, LOCAL_HI, LOCAL_LO, frame, pool.headroom(), -5);
        frame = cache.acquire();
        layer.receive(now, REMOTE_HI, REMOTE_LO, LOCAL_HI, LOCAL_LO, frame, pool.frameSize() - 10, 100);
        assertEquals(3, layer.dropCount(DropReason.TCP_MALFORMED));
        expectNothing();
    }

    @Test
    void illegalOptionLengthIsDroppedAndCounted() {
        TcpConnection c = established();
        Seg s = Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc");
        // TcpOptions cannot express a bad option, so write the raw segment
        int frame = cache.acquire();
        long base = pool.frameBase(frame) + pool.headroom();
        MemorySegment r = pool.region();
        var be16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
        var be32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
        r.set(be16, base, (short) REMOTE_PORT);
        r.set(be16, base + 2, (short) LOCAL_PORT);
        r.set(be32, base + 4, s.seq);
        r.set(be32, base + 8, s.ack);
        r.set(ValueLayout.JAVA_BYTE, base + 12, (byte) (6 << 4));
        r.set(ValueLayout.JAVA_BYTE, base + 13, (byte) ACK);
        r.set(be16, base + 14, (short) WINDOW);
        r.set(be32, base + 16, 0);
        r.set(ValueLayout.JAVA_BYTE, base + 20, (byte) 8);  // timestamps kind
        r.set(ValueLayout.JAVA_BYTE, base + 21, (byte) 0);  // length 0
        r.set(be16, base + 22, (short) 0);
        layer.receive(now, REMOTE_HI, REMOTE_LO, LOCAL_HI, LOCAL_LO, frame, pool.headroom(), 24);
        assertEquals(1, layer.dropCount(DropReason.TCP_BAD_OPTIONS));
        expectNothing();
        assertEquals(0, c.bytesToRead());
    }

    @Test
    void forgedRstsWithWrongSequenceNeverReset() {
        TcpConnection c = established();
        SeededRandom random = new SeededRandom(7);
        for (int i = 0; i < 10_000; i++) {
            int seq = (int) random.nextLong();
            if (seq == REMOTE_ISN + 1) {
                continue;
            }
            send(Seg.of(RST, seq, 0));
            send(Seg.of(RST | ACK, seq, (int) random.nextLong()));
            now += 1_000_000; // keep the challenge-ACK budget from hiding anything
        }
        assertEquals(TcpState.ESTABLISHED, c.state());
        for (Seg r : out.sent) {
            assertEquals(ACK, r.flags); // only challenge/duplicate ACKs
        }
        out.sent.clear();
    }

    @Test
    void forgedSynsNeverReset() {
        TcpConnection c = established();
        SeededRandom random = new SeededRandom(8);
        for (int i = 0; i < 2_000; i++) {
            send(Seg.of(SYN, (int) random.nextLong(), 0));
            now += 1_000_000;
        }
        assertEquals(TcpState.ESTABLISHED, c.state());
        // In-window SYNs get a challenge ACK (RFC 5961 §4.2); the others fail the sequence check first
        // and get the same ACK as a duplicate (RFC 9293 §3.10.7.4).
        assertEquals(2_000, layer.stats().challengeAcks + layer.dropCount(DropReason.TCP_OUT_OF_WINDOW));
        assertEquals(2_000, out.sent.size());
        for (Seg r : out.sent) {
            assertEquals(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1), r);
        }
        out.sent.clear();
    }

    @Test
    void challengeAcksAreRateLimited() {
        established();
        for (int i = 0; i < 1500; i++) {
            send(Seg.of(RST, REMOTE_ISN + 10, 0));
        }
        assertEquals(TcpLayer.CHALLENGE_ACKS_PER_SECOND, out.sent.size());
        assertEquals(500, layer.stats().challengeAcksSuppressed);
        out.sent.clear();
    }

    @Test
    void oldDuplicatesAndOutOfWindowDataAreNotDelivered() {
        TcpConnection c = established();
        send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc"));
        out.sent.clear();
        for (int i = 1; i < 50; i++) {
            send(Seg.of(ACK, REMOTE_ISN + 1 - i * 1000, c.iss + 1).payload("old"));
            send(Seg.of(ACK, REMOTE_ISN + 4 + WINDOW + i * 1000, c.iss + 1).payload("future"));
        }
        assertEquals(3, c.bytesToRead());
        assertEquals(98, layer.dropCount(DropReason.TCP_OUT_OF_WINDOW));
        out.sent.clear();
    }

    @Test
    void randomGarbageNeverThrows() {
        SeededRandom random = new SeededRandom(99);
        TcpConnection c = established();
        long before = layer.stats().segmentsIn;
        for (int i = 0; i < 20_000; i++) {
            int frame = cache.acquire();
            long base = pool.frameBase(frame) + pool.headroom();
            int len = random.nextInt(120);
            for (int k = 0; k < len; k++) {
                pool.region().set(ValueLayout.JAVA_BYTE, base + k, (byte) random.nextLong());
            }
            if (len >= 4 && random.nextInt(2) == 0) {
                // aim at the connection so the state machine sees it
                var be16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
                pool.region().set(be16, base, (short) REMOTE_PORT);
                pool.region().set(be16, base + 2, (short) LOCAL_PORT);
            }
            int f = frame;
            assertDoesNotThrow(() -> layer.receive(now, REMOTE_HI, REMOTE_LO, LOCAL_HI, LOCAL_LO, f, pool.headroom(), len));
            now += 1_000;
            layer.poll(now);
            out.sent.clear();
        }
        assertEquals(before + 20_000, layer.stats().segmentsIn);
        assertTrue(c.state() != null);
    }
}
