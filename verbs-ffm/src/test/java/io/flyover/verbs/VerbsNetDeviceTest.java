package io.flyover.verbs;

import static io.flyover.verbs.FakeProvider.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FrameFlags;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.FlowRule;
import io.flyover.verbs.bindings.verbs_h;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The device's data path, driven against the fake provider: every work request it builds is checked. */
class VerbsNetDeviceTest {
    static final long MAC = 0x02_00_00_00_00_01L;
    static final int MAX_INLINE = 128;

    private FakeProvider fake;
    private FramePool pool;
    private FrameCache app;
    private FakeRawQueue queue;
    private VerbsNetDevice device;

    @BeforeEach
    void open() {
        NativeToolchain.assumeAvailable();
        fake = FakeProvider.get();
        fake.reset();
        pool = FramePool.allocate(256);
        app = pool.newCache(16);
    }

    private VerbsNetDevice device(int sendDepth, int recvDepth, int signalEvery) {
        queue = new FakeRawQueue(fake, sendDepth, recvDepth, MAX_INLINE, true);
        device = new VerbsNetDevice("verbs:fake0", queue, pool,
                new DeviceCapabilities(MAC, 1500, 1, 1, Set.of(DeviceCapabilities.Offload.TX_IPV4_CHECKSUM)), signalEvery);
        return device;
    }

    @AfterEach
    void close() {
        if (fake == null) {
            return;
        }
        if (device != null) {
            device.close();
        } else if (queue != null) {
            queue.close();
        }
        app.close();
        pool.checkAllReturned();
        pool.close();
    }

    @Test
    void receiveBuffersArePostedFromThePoolRegion() {
        device(32, 64, 8);
        assertEquals(64, fake.recvCount());
        assertEquals(64, fake.rqPosted(queue.qp));
        assertEquals(64, device.postedReceiveBuffers());
        assertEquals(64, pool.inUse());
        Set<Long> frames = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            MemorySegment r = fake.recvRecord(i);
            int frame = (int) u64(r, REC_WR_ID);
            assertTrue(frames.add((long) frame), "each buffer once");
            assertEquals(1, u64(r, REC_NUM_SGE));
            assertEquals(pool.region().address() + pool.frameBase(frame) + pool.headroom(), sgeAddr(r, 0));
            assertEquals(pool.frameSize() - pool.headroom(), sgeLength(r, 0));
            assertEquals(FakeRawQueue.LKEY, sgeLkey(r, 0));
            long next = u64(r, REC_NEXT);
            boolean lastOfPost = i + 1 == 64 || u64(fake.recvRecord(i + 1), REC_CALL) != u64(r, REC_CALL);
            assertEquals(lastOfPost ? 0 : u64(fake.recvRecord(i + 1), REC_SELF), next, "next chains one post");
        }
        assertEquals(1, fake.recvCalls(), "64 buffers in one chained post");
    }

    @Test
    void receivedPacketsComeUpWithLengthFlagsAndBytesAndAreReplaced() {
        device(32, 64, 8);
        byte[][] packets = new byte[5][];
        for (int p = 0; p < packets.length; p++) {
            packets[p] = new byte[60 + 300 * p];
            for (int i = 0; i < packets[p].length; i++) {
                packets[p][i] = (byte) (p * 31 + i);
            }
            assertTrue(fake.deliver(queue.qp, packets[p], p % 2 == 0 ? verbs_h.IBV_WC_IP_CSUM_OK() : 0));
        }
        FrameBurst burst = new FrameBurst(3);
        assertEquals(3, device.receive(0, burst, 0));
        FrameBurst rest = new FrameBurst(8);
        assertEquals(2, device.receive(0, rest, 0));
        for (int p = 0; p < packets.length; p++) {
            int frame = p < 3 ? burst.get(p) : rest.get(p - 3);
            assertEquals(packets[p].length, pool.dataLength(frame));
            assertEquals(pool.headroom(), pool.dataOffset(frame));
            byte[] got = pool.region().asSlice(pool.dataAddress(frame), packets[p].length).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(packets[p], got);
            int expected = p % 2 == 0 ? FrameFlags.RX_IP_CHECKSUM_GOOD | FrameFlags.RX_L4_CHECKSUM_GOOD : 0;
            assertEquals(expected, pool.flags(frame));
        }
        assertEquals(64, fake.rqPosted(queue.qp), "every consumed buffer was replaced");
        assertEquals(5, device.rxPackets());
        releaseAll(burst);
        releaseAll(rest);
    }

    @Test
    void flushedReceivesReturnTheirFrames() {
        device(32, 16, 8);
        assertEquals(16, fake.flushRq(queue.qp));
        FrameBurst burst = new FrameBurst(64);
        assertEquals(0, device.receive(0, burst, 0));
        assertEquals(16, device.rxErrors());
        assertEquals(16, fake.rqPosted(queue.qp), "replaced by fresh buffers");
        assertEquals(16, pool.inUse());
    }

    @Test
    void transmitBuildsOneWorkRequestPerFrameSignalledEveryN() {
        device(64, 16, 8);
        fake.setAutoComplete(true);
        FrameBurst burst = new FrameBurst(40);
        int[] lengths = new int[40];
        for (int i = 0; i < 40; i++) {
            int frame = app.acquire();
            lengths[i] = i % 3 == 0 ? 60 : 200 + 30 * i; // 60 fits inline (128), the rest do not
            pool.setData(frame, pool.headroom(), lengths[i]);
            MemorySegment data = pool.region().asSlice(pool.dataAddress(frame), lengths[i]);
            for (int b = 0; b < lengths[i]; b++) {
                data.set(ValueLayout.JAVA_BYTE, b, (byte) (i + b));
            }
            pool.setFlags(frame, i % 4 == 0 ? FrameFlags.TX_IPV4_CHECKSUM | FrameFlags.TX_L4_CHECKSUM : 0);
            burst.add(frame);
        }
        assertEquals(40, device.transmit(0, burst, 0));
        assertEquals(40, fake.sendCount());
        for (int i = 0; i < 40; i++) {
            MemorySegment r = fake.sendRecord(i);
            assertEquals(i, u64(r, REC_WR_ID), "wr_id is the send sequence");
            assertEquals(verbs_h.IBV_WR_SEND(), u64(r, REC_OPCODE));
            assertEquals(1, u64(r, REC_NUM_SGE));
            assertEquals(lengths[i], sgeLength(r, 0));
            assertEquals(FakeRawQueue.LKEY, sgeLkey(r, 0));
            int expected = ((i + 1) % 8 == 0 ? verbs_h.IBV_SEND_SIGNALED() : 0)
                    | (i % 4 == 0 ? verbs_h.IBV_SEND_IP_CSUM() : 0)
                    | (lengths[i] <= MAX_INLINE ? verbs_h.IBV_SEND_INLINE() : 0);
            assertEquals(expected, u64(r, REC_SEND_FLAGS), "send_flags of wr " + i);
            byte[] first = new byte[Math.min(64, lengths[i])];
            for (int b = 0; b < first.length; b++) {
                first[b] = (byte) (i + b);
            }
            assertArrayEquals(first, data(r, first.length), "the provider read the frame's bytes at post time");
            boolean lastOfPost = i + 1 == 40 || u64(fake.sendRecord(i + 1), REC_CALL) != u64(r, REC_CALL);
            assertEquals(lastOfPost ? 0 : u64(fake.sendRecord(i + 1), REC_SELF), u64(r, REC_NEXT), "chain");
        }
        assertEquals(1, fake.sendCalls(), "one chained post for the burst");
        long inlined = java.util.stream.IntStream.of(lengths).filter(l -> l <= MAX_INLINE).count();
        assertEquals(inlined, device.txInline());
        // The fake completed the signalled sends 7, 15, 23, 31, 39: the next call retires all 40.
        assertEquals(40, device.outstandingSends());
        device.receive(0, new FrameBurst(4), 0);
        assertEquals(0, device.outstandingSends());
        assertEquals(16, pool.inUse(), "only the receive buffers are out");
    }

    @Test
    void aFullRingStopsAtTheLastSignalledSendAndResumesAfterItsCompletion() {
        device(8, 16, 4);
        FrameBurst burst = burstOf(12, 400);
        assertEquals(8, device.transmit(0, burst, 0), "ring of 8");
        assertEquals(8, device.outstandingSends());
        burst.removeFirst(8);
        assertEquals(0, device.transmit(0, burst, 0), "full, no completion yet");
        fake.pushWc(queue.sendCq, 3, verbs_h.IBV_WC_SUCCESS(), verbs_h.IBV_WC_SEND(), 0, 0, FakeRawQueue.QP_NUM);
        assertEquals(4, device.transmit(0, burst, 0), "sends 0..3 retired by one completion");
        burst.removeFirst(4);
        assertTrue(burst.isEmpty());
        assertEquals(verbs_h.IBV_SEND_SIGNALED(), u64(fake.sendRecord(7), REC_SEND_FLAGS), "the ring's last slot is signalled");
        assertEquals(8, u64(fake.sendRecord(8), REC_WR_ID));
        assertEquals(8, device.outstandingSends());
    }

    @Test
    void aFailedPostKeepsTheRestWithTheCaller() {
        device(32, 16, 4);
        fake.failSendAt(2, 12);
        FrameBurst burst = burstOf(5, 300);
        int second = burst.get(2);
        assertEquals(2, device.transmit(0, burst, 0));
        assertEquals(1, device.txPostErrors());
        burst.removeFirst(2);
        assertEquals(second, burst.get(0), "the caller still owns the frames not taken");
        assertEquals(3, device.transmit(0, burst, 0));
        assertEquals(2, u64(fake.sendRecord(2), REC_WR_ID), "the sequence resumes where the failure left it");
        assertEquals(verbs_h.IBV_SEND_SIGNALED(), u64(fake.sendRecord(3), REC_SEND_FLAGS), "wr 3 is the signalled one");
    }

    @Test
    void closeReturnsEveryFrameAndIsIdempotent() {
        device(32, 64, 8);
        assertEquals(3, device.transmit(0, burstOf(3, 500), 0), "held until a completion that never comes");
        fake.deliver(queue.qp, new byte[100], 0);
        FrameBurst got = new FrameBurst(4);
        assertEquals(1, device.receive(0, got, 0));
        releaseAll(got);
        device.close();
        device.close();
        assertTrue(queue.closed);
        assertEquals(0, pool.inUse());
        assertEquals(0, device.receive(0, new FrameBurst(4), 0));
    }

    @Test
    void queueIndexOtherThanZeroIsMisuse() {
        device(32, 16, 8);
        assertThrows(IndexOutOfBoundsException.class, () -> device.receive(1, new FrameBurst(1), 0));
    }

    @Test
    void signalCadenceMustDivideTheRing() {
        queue = new FakeRawQueue(fake, 12, 16, MAX_INLINE, true);
        assertThrows(IllegalArgumentException.class, () -> new VerbsNetDevice("x", queue, pool,
                new DeviceCapabilities(MAC, 1500, 1, 1, Set.of()), 8));
    }

    @Test
    void theSteadyStateDataPathAllocatesNothing() {
        device(64, 64, 8);
        fake.setAutoComplete(true);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] small = new byte[60];
        byte[] large = new byte[600];
        FrameBurst burst = new FrameBurst(8);
        long allocated = 0;
        long echoed = 0;
        for (int round = 0; round < 40_000; round++) {
            for (int p = 0; p < 4; p++) {
                fake.deliver(queue.qp, p % 2 == 0 ? small : large, 0); // test-side work, outside the window
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            int got = device.receive(0, burst, round);
            int sent = device.transmit(0, burst, round);
            long after = threads.getCurrentThreadAllocatedBytes();
            burst.removeFirst(sent);
            echoed += sent;
            assertEquals(4, got);
            if (round >= 20_000) { // after warm-up, once the JIT has compiled the path
                allocated += after - before;
            }
        }
        System.out.println("data path: " + echoed + " frames received and echoed; " + allocated
                + " bytes allocated in the last 20000 rounds (80000 frames each way)");
        assertEquals(160_000, echoed);
        // One object per frame would be >= 16 B x 160000 = 2.5 MB; allow a few stray objects (JIT, TLAB accounting).
        assertTrue(allocated < 8_192, "the data path allocated " + allocated + " bytes for 160000 frames");
    }

    private FrameBurst burstOf(int n, int length) {
        FrameBurst burst = new FrameBurst(n);
        for (int i = 0; i < n; i++) {
            int frame = app.acquire();
            pool.setData(frame, pool.headroom(), length);
            burst.add(frame);
        }
        return burst;
    }

    private void releaseAll(FrameBurst burst) {
        for (int i = 0; i < burst.count(); i++) {
            app.release(burst.get(i));
        }
        burst.clear();
    }
}
