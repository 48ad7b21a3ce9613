package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Steady-state transfer allocates nothing (ARCHITECTURE.md): two layers on one pool exchange frames
 * through an int queue, and the thread's allocation counter must not move while megabytes flow.
 * (The JMH benchmark with {@code -prof gc} is the authoritative figure; this is the regression guard.)
 */
class TcpAllocationTest {
    final FramePool pool = FramePool.allocate(2048);
    final FrameCache cache = pool.newCache(256);
    final int[] queue = new int[4096];
    final long[] dest = new long[4096];
    int head;
    int tail;

    final class Out implements SegmentOutput {
        @Override
        public boolean sendSegment(long lh, long ll, long rh, long rl, int frame) {
            if (tail - head == queue.length) {
                cache.release(frame);
                return false;
            }
            queue[tail & (queue.length - 1)] = frame;
            dest[tail & (queue.length - 1)] = rl;
            tail++;
            return true;
        }

        @Override
        public int pathMtu(long rh, long rl) { return 1500; }
    }

    @Test
    void bulkTransferAllocatesNothing() {
        long aAddr = 0x0000_FFFF_C612_0001L;
        long bAddr = 0x0000_FFFF_C612_0002L;
        TcpSettings s = new TcpSettings();
        s.receiveBufferSize = 256 * 1024;
        s.sendBufferSize = 256 * 1024;
        TcpLayer a = new TcpLayer(pool, cache, new Out(), new SeededRandom(1), s);
        TcpLayer b = new TcpLayer(pool, cache, new Out(), new SeededRandom(2), s);
        TcpListener l = b.listen(0, bAddr, 80, 8, s);
        long now = 1_000_000_000L;
        TcpConnection ca = a.connect(0, aAddr, 0, 0, bAddr, 80, s, now);
        TcpConnection cb = null;
        byte[] chunk = new byte[16 * 1024];
        byte[] sink = new byte[16 * 1024];
        long allocatedAtStart = 0;
        long moved = 0;
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] windows = new long[6];
        for (int round = 0; round < 40_000; round++) {
            if (round >= 10_000 && round % 5_000 == 0) {
                long nowAllocated = mx.getCurrentThreadAllocatedBytes();
                if (round > 10_000) {
                    windows[(round - 15_000) / 5_000] = nowAllocated - allocatedAtStart;
                }
                allocatedAtStart = nowAllocated;
                if (round == 20_000) {
                    moved = 0;
                }
            }
            while (head != tail) {
                int i = head & (queue.length - 1);
                int f = queue[i];
                long to = dest[i];
                head++;
                int off = pool.dataOffset(f);
                int len = pool.dataLength(f);
                if (to == bAddr) {
                    b.receive(now, 0, aAddr, 0, bAddr, f, off, len);
                } else {
                    a.receive(now, 0, bAddr, 0, aAddr, f, off, len);
                }
            }
            if (cb == null) {
                cb = l.accept();
            }
            if (ca.isConnected()) {
                ca.write(chunk, 0, chunk.length);
            }
            if (cb != null) {
                int n;
                while ((n = cb.read(sink, 0, sink.length)) > 0) {
                    moved += n;
                }
            }
            now += 10_000;
            a.poll(now);
            b.poll(now);
        }
        windows[5] = mx.getCurrentThreadAllocatedBytes() - allocatedAtStart;
        System.out.println("moved " + moved + " bytes in the last 20,000 rounds; bytes allocated per 5,000-round window: "
                + java.util.Arrays.toString(windows));
        assertEquals(true, moved > 10_000_000, "moved " + moved);
        // Each window moves ~80 MB (~55,000 segments each way), so even one small object per segment would
        // show as megabytes. One-off costs (class initialisation, a JIT deoptimisation) may land in a window:
        // every window stays under 1 KiB and most are exactly zero.
        int zero = 0;
        for (long w : windows) {
            assertTrue(w < 1024, java.util.Arrays.toString(windows));
            zero += w == 0 ? 1 : 0;
        }
        assertTrue(zero >= 4, java.util.Arrays.toString(windows));
        ca.abort(now);
        cb.abort(now);
        while (head != tail) {
            cache.release(queue[head++ & (queue.length - 1)]);
        }
        cache.close();
        pool.checkAllReturned();
        pool.close();
    }
}
