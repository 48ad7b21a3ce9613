package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.wire.TcpOptions;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Unit tests of the small TCP pieces. */
class TcpComponentsTest {

    @Nested
    class SequenceArithmetic {
        @Test
        void comparesAcrossTheWrap() {
            int max = 0xFFFF_FFFF; // 2^32 - 1
            assertTrue(SeqNum.lt(max, 0));
            assertTrue(SeqNum.gt(0, max));
            assertTrue(SeqNum.lt(0x7FFF_FFF0, 0x8000_0010));
            assertTrue(SeqNum.le(5, 5));
            assertTrue(SeqNum.ge(5, 5));
            assertEquals(17, SeqNum.diff(1, max - 15));
            assertTrue(SeqNum.inRange(max, max - 1, 3));
            assertFalse(SeqNum.inRange(3, max - 1, 3));
            assertTrue(SeqNum.inClosedRange(3, max - 1, 3));
            assertEquals(2, SeqNum.max(max, 2));
            assertEquals(max, SeqNum.min(max, 2));
        }
    }

    @Nested
    class Rto {
        @Test
        void followsRfc6298() {
            RttEstimator r = new RttEstimator(1_000_000_000L, 200_000_000L, 60_000_000_000L);
            assertEquals(1_000_000_000L, r.rtoNanos()); // §2.1
            r.sample(100_000_000L);                      // §2.2: SRTT = R, RTTVAR = R/2, RTO = R + 4 R/2 = 300 ms
            assertEquals(100_000_000L, r.srttNanos());
            assertEquals(50_000_000L, r.rttvarNanos());
            assertEquals(300_000_000L, r.rtoNanos());
            r.sample(200_000_000L);                      // §2.3
            assertEquals(112_500_000L, r.srttNanos());
            assertEquals(62_500_000L, r.rttvarNanos());
            assertEquals(362_500_000L, r.rtoNanos());
            r.backOff();                                 // §5.5
            r.backOff();
            assertEquals(4 * 362_500_000L, r.rtoNanos());
            for (int i = 0; i < 40; i++) {
                r.backOff();
            }
            assertEquals(60_000_000_000L, r.rtoNanos()); // §2.5 maximum
            r.sample(1_000L);                            // a new sample clears the backoff (§5.7 with Karn)
            assertEquals(0, r.backoff());
            assertTrue(r.rtoNanos() < 4 * 362_500_000L);
            RttEstimator fast = new RttEstimator(1_000_000_000L, 200_000_000L, 60_000_000_000L);
            fast.sample(1_000L);
            assertEquals(200_000_000L, fast.rtoNanos()); // §2.4 floor (configurable)
        }
    }

    @Nested
    class Congestion {
        @Test
        void newRenoSlowStartThenLinear() {
            NewReno n = new NewReno();
            n.init(1000, 0);
            assertEquals(10_000, n.cwnd());               // RFC 6928 IW10
            n.onAck(1000, 10_000, 0, 0);
            assertEquals(11_000, n.cwnd());
            n.onEnterRecovery(20_000, 0);
            assertEquals(10_000, n.ssthresh());
            assertEquals(10_000, n.cwnd());
            n.onExitRecovery(10_000, 0);
            for (int i = 0; i < 10; i++) {
                n.onAck(1000, 10_000, 0, 0);                // congestion avoidance: + 1 SMSS per cwnd acked
            }
            assertEquals(11_000, n.cwnd());
            n.onRetransmitTimeout(12_000, 0);
            assertEquals(1000, n.cwnd());
            assertEquals(6000, n.ssthresh());
        }

        /**
         * Linux's packetdrill test slow-start-ack-per-4pkt: a receiver that acknowledges every fourth
         * segment (GRO, LRO) still doubles the window each round trip; no growth past ssthresh.
         */
        @Test
        void slowStartCreditsAStretchAckInFull() {
            for (CongestionControl cc : new CongestionControl[] {new Cubic(), new NewReno()}) {
                cc.init(1000, 0);
                assertEquals(10_000, cc.cwnd());
                cc.onAck(4000, 10_000, 0, 0);
                cc.onAck(4000, 10_000, 0, 0);
                cc.onAck(2000, 10_000, 0, 0);
                assertEquals(20_000, cc.cwnd(), cc.getClass().getSimpleName() + ": ten segments acknowledged in three ACKs");
            }
            assertEquals(15_000, CongestionControl.slowStart(10_000, 8000, 15_000), "up to ssthresh, no further");
            assertEquals(Integer.MAX_VALUE, CongestionControl.slowStart(Integer.MAX_VALUE - 10, 1000, Integer.MAX_VALUE));
        }

        @Test
        void cubicReducesByBetaAndRegrowsTowardsWmax() {
            Cubic c = new Cubic();
            c.init(1000, 0);
            for (int i = 0; i < 90; i++) {
                c.onAck(1000, c.cwnd(), 10_000_000L, 0);   // slow start to 100 segments
            }
            assertEquals(100_000, c.cwnd());
            c.onEnterRecovery(100_000, 0);
            assertEquals(70_000, c.ssthresh());             // RFC 9438 §4.6 beta = 0.7
            c.onExitRecovery(70_000, 0);
            long t = 0;
            int previous = c.cwnd();
            int atK = 0;
            double k = Math.cbrt(100 * (1 - Cubic.BETA) / Cubic.C); // seconds to regain W_max
            // RTT 100 ms: long enough that the cubic function, not the Reno-friendly estimate, leads (§4.3)
            for (int step = 0; step < 100; step++) {
                t += 100_000_000L;
                c.onAck(c.cwnd(), c.cwnd(), 100_000_000L, t);
                assertTrue(c.cwnd() >= previous);            // never shrinks while ACKs arrive
                previous = c.cwnd();
                if (atK == 0 && t >= (long) (k * 1e9)) {
                    atK = c.cwnd();
                }
            }
            assertTrue(Math.abs(atK - 100_000) < 10_000, "cwnd at K = " + atK); // plateau near W_max at t = K
            assertTrue(previous > 100_000);                 // then probes beyond (convex region)
        }
    }

    @Nested
    class Buffers {
        @Test
        void ringWrapsAndKeepsOutOfOrderBytesAcrossEmptying() {
            ByteRing r = new ByteRing(8);
            assertEquals(6, r.write(ByteBuffer.wrap("abcdef".getBytes())));
            byte[] out = new byte[8];
            assertEquals(6, r.read(out, 0, 8));
            // ring is empty, head at 6: write ahead of the tail, then fill the gap
            r.writeAt(2, MemorySegment.ofArray("XY".getBytes()), 0, 2);
            r.writeAt(0, MemorySegment.ofArray("uv".getBytes()), 0, 2);
            r.commit(4);
            assertEquals(4, r.read(out, 0, 8));
            assertEquals("uvXY", new String(out, 0, 4));
        }

        @Test
        void growingAWrappedRingKeepsCommittedAndAheadBytesAtTheirOffsets() {
            ByteRing r = new ByteRing(8);
            byte[] out = new byte[16];
            r.write(ByteBuffer.wrap("abcdef".getBytes()));
            r.read(out, 0, 5);                                       // head at 5: "f" committed
            r.write(ByteBuffer.wrap("ghi".getBytes()));              // wraps: "fghi"
            r.writeAt(2, MemorySegment.ofArray("XY".getBytes()), 0, 2); // ahead of the tail, wrapped
            r.resize(16);
            assertEquals(16, r.capacity());
            assertEquals(4, r.readable());
            assertEquals(12, r.writable());
            r.writeAt(0, MemorySegment.ofArray("jk".getBytes()), 0, 2);
            r.commit(4);
            assertEquals(8, r.read(out, 0, 16));
            assertEquals("fghijkXY", new String(out, 0, 8));
        }

        @Test
        void aLargeRingHoldsLittleUntilBytesNeedMoreAndKeepsThemAcrossGrowth() {
            int size = 1 << 20;
            ByteRing r = new ByteRing(size);
            assertEquals(ByteRing.INITIAL_STORAGE, r.storage(), "a 1 MiB buffer starts small");
            assertEquals(size, r.writable());
            assertEquals(size, r.room(), "out-of-order data may still land anywhere in the window");

            byte[] pattern = new byte[3 * ByteRing.INITIAL_STORAGE];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i * 31 + 7);
            }
            byte[] out = new byte[pattern.length];
            r.write(pattern, 0, 10_000);
            r.read(out, 0, 9_000);                                   // head moves: the next write wraps
            r.write(pattern, 10_000, 7_000);                         // 8,000 queued, wrapped in 16 KiB
            assertEquals(ByteRing.INITIAL_STORAGE, r.storage());
            int ahead = 200_000;                                     // a segment far ahead of a hole
            r.writeAt(ahead, MemorySegment.ofArray(pattern), 0, 1_000);
            assertTrue(r.storage() >= 8_000 + ahead + 1_000 && r.storage() <= size, "grown: " + r.storage());
            r.write(pattern, 17_000, 1_000);                         // committed bytes after growth
            assertEquals(9_000, r.read(out, 0, 9_000));
            assertArrayEquals(java.util.Arrays.copyOfRange(pattern, 9_000, 18_000), java.util.Arrays.copyOf(out, 9_000),
                    "the wrapped bytes came through the growth in order");
            r.commit(ahead - 1_000 + 1_000);                          // fill the hole's length, then the ahead bytes
            byte[] tail = new byte[ahead];
            r.read(tail, 0, ahead);
            assertArrayEquals(java.util.Arrays.copyOf(pattern, 1_000),
                    java.util.Arrays.copyOfRange(tail, ahead - 1_000, ahead), "the bytes written ahead kept their offset");
        }

        /** Found in review: a shrink before the storage grew must not drop data the old window let in. */
        @Test
        void aShrunkRingStillTakesDataInTheWindowItAdvertisedBefore() {
            ByteRing r = new ByteRing(1 << 20);
            r.resize(8192);
            assertEquals((1 << 20), r.room(), "the window advertised under 1 MiB may still be filled");
            r.writeAt(500_000, MemorySegment.ofArray(new byte[] {42}), 0, 1);
            assertTrue(r.storage() > 500_000);
            assertEquals(8192, r.writable(), "the application's writes are bounded by the smaller size");
        }

        @Test
        void rackTracksMoreSegmentsOnceGrownForALargerSendBuffer() {
            Rack rack = new Rack(2);
            rack.onSend(0, 10, 1);
            rack.onSend(10, 20, 2);
            rack.onSend(20, 30, 3);
            assertEquals(2, rack.tracked(), "full: a later segment is not tracked");
            rack.ensureCapacity(4);
            rack.onSend(20, 30, 4);
            rack.onSend(30, 40, 5);
            assertEquals(4, rack.tracked());
        }

        @Test
        void shrinkingKeepsQueuedBytesAndAcceptsWritesOnlyBelowTheNewSize() {
            ByteRing r = new ByteRing(8);
            r.write(ByteBuffer.wrap("abcdef".getBytes()));
            r.resize(4);
            assertEquals(6, r.readable(), "nothing queued is dropped");
            assertEquals(0, r.writable());
            assertEquals(2, r.room(), "the storage still holds what was offered before");
            assertEquals(0, r.write(ByteBuffer.wrap("z".getBytes())));
            byte[] out = new byte[8];
            assertEquals(3, r.read(out, 0, 3));
            assertEquals(1, r.write(ByteBuffer.wrap("gh".getBytes())), "fills up to the new size only");
            assertEquals(4, r.read(out, 0, 8));
            assertEquals("defg", new String(out, 0, 4));
        }

        /** Found by the stack simulation (seed 6699): a full queue dropped every copy of the head segment. */
        @Test
        void reassemblyAlwaysTakesTheSegmentAtRcvNxt() {
            ReassemblyQueue q = new ReassemblyQueue(3);
            assertTrue(q.add(20, 30));
            assertTrue(q.add(40, 50));
            assertTrue(q.add(60, 70));
            assertFalse(q.add(80, 90));    // out of order, out of ranges: dropped
            assertTrue(q.add(0, 10));      // in sequence: the farthest range is forgotten instead
            assertEquals(3, q.ranges());
            assertEquals(10, q.popContiguous());
            assertEquals(2, q.ranges());
            assertEquals(10, q.start(0));  // [20, 30) shifted by 10
            assertEquals(30, q.start(1));  // [40, 50); [60, 70) is to be retransmitted
            assertEquals(-1, q.latest());  // the range touched last was committed
        }

        @Test
        void reassemblyMergesAndPops() {
            ReassemblyQueue q = new ReassemblyQueue(3);
            assertTrue(q.add(10, 20));
            assertTrue(q.add(30, 40));
            assertTrue(q.add(50, 60));
            assertFalse(q.add(70, 80));    // out of ranges
            assertTrue(q.add(15, 35));     // bridges two
            assertEquals(2, q.ranges());
            assertEquals(0, q.popContiguous());
            assertTrue(q.add(0, 10));
            assertEquals(40, q.popContiguous());
            assertEquals(1, q.ranges());
            assertEquals(10, q.start(0));  // shifted by 40
        }

        @Test
        void scoreboardLossEdgeFollowsRfc6675() {
            SackScoreboard sb = new SackScoreboard(8);
            TcpOptions o = new TcpOptions();
            o.sackBlocks = 1;
            o.sackLeft[0] = 2000;
            o.sackRight[0] = 3000;
            sb.update(o, 1000, 10_000);
            assertEquals(1000, sb.lossEdge(1000, 1000));  // 1000 bytes SACKed: not > 2 SMSS
            o.sackLeft[0] = 4000;
            o.sackRight[0] = 5001;
            sb.update(o, 1000, 10_000);
            assertEquals(2000, sb.lossEdge(1000, 1000));  // > 2 SMSS above 2000: [1000, 2000) lost
            assertEquals(1000, sb.nextHole(1000, 2000));
            assertEquals(2000, sb.unsackedBetween(1000, 5001));
            o.sackLeft[0] = 6000;
            o.sackRight[0] = 6100;
            sb.update(o, 1000, 10_000);
            assertEquals(2000, sb.lossEdge(1000, 1000));  // three ranges: DupThresh discontiguous
            sb.onCumulativeAck(4500);
            assertEquals(501 + 100, sb.sackedBytes());
            o.sackLeft[0] = 9000;
            o.sackRight[0] = 20_000;                      // beyond SND.MAX: ignored
            sb.update(o, 4500, 10_000);
            assertEquals(2, sb.ranges());
        }

        @Test
        void isnDependsOnTupleSecretAndTime() {
            IsnGenerator g = new IsnGenerator(1, 2);
            int a = g.isn(0, 1, 80, 0, 2, 5000, 0);
            assertEquals(a, g.isn(0, 1, 80, 0, 2, 5000, 0));
            assertNotEquals(a, g.isn(0, 1, 80, 0, 2, 5001, 0));
            assertNotEquals(a, new IsnGenerator(1, 3).isn(0, 1, 80, 0, 2, 5000, 0));
            assertEquals(a + 250, g.isn(0, 1, 80, 0, 2, 5000, 1_000_000L)); // RFC 6528: M ticks every 4 us
        }
    }
}
