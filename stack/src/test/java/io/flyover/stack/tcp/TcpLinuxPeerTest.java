package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.wire.TcpHeader;
import io.flyover.stack.wire.TcpHeaderTest;
import io.flyover.stack.wire.TcpOptions;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A SYN captured from Linux (test resource) answered by our listener: the SYN-ACK negotiates every option. */
class TcpLinuxPeerTest {
    @Test
    void answersLinuxSynWithAllOptions() throws Exception {
        byte[] syn = TcpHeaderTest.linuxSegments().get(0);
        FramePool pool = FramePool.allocate(64);
        FrameCache cache = pool.newCache(8);
        List<byte[]> sent = new ArrayList<>();
        SegmentOutput out = new SegmentOutput() {
            @Override
            public boolean sendSegment(long lh, long ll, long rh, long rl, int frame) {
                sent.add(pool.region().asSlice(pool.dataAddress(frame), pool.dataLength(frame)).toArray(ValueLayout.JAVA_BYTE));
                cache.release(frame);
                return true;
            }

            @Override
            public int pathMtu(long rh, long rl) { return 1500; }
        };
        TcpSettings s = new TcpSettings();
        TcpLayer layer = new TcpLayer(pool, cache, out, new SeededRandom(5), s);
        long addr = 0x0000_FFFF_C612_4D01L; // ::ffff:198.18.77.1, where the capture was taken
        TcpListener l = layer.listen(0, 0, 5555, 8, s);
        int f = cache.acquire();
        MemorySegment.copy(MemorySegment.ofArray(syn), 0, pool.region(), pool.frameBase(f) + 256, syn.length);
        layer.receive(1_000_000_000L, 0, addr, 0, addr, f, 256, syn.length);
        assertEquals(1, sent.size());
        TcpHeader h = new TcpHeader();
        MemorySegment m = MemorySegment.ofArray(sent.get(0));
        assertEquals(TcpHeader.VALID, h.wrap(m, 0, sent.get(0).length));
        assertEquals(TcpHeader.SYN | TcpHeader.ACK_FLAG, h.flags());
        assertEquals(5555, h.srcPort());
        assertEquals(34386, h.dstPort());
        assertEquals(1289690928L, Integer.toUnsignedLong(h.ack()));
        TcpOptions o = new TcpOptions();
        assertEquals(TcpOptions.OK, o.parse(m, h.optionsOffset(), h.optionsLength()));
        assertEquals(1460, o.mss);
        assertTrue(o.sackPermitted);
        assertTrue(o.timestamps);
        assertEquals(3184348029L, Integer.toUnsignedLong(o.tsEcr)); // echoes Linux's TSval
        assertEquals(3, o.windowScale);                            // 256 KiB buffer needs shift 3
        TcpConnection c = layer.find(0, addr, 5555, 0, addr, 34386);
        assertEquals(10, c.sndWndShift);                           // Linux offered wscale 10
        assertEquals(1460 - 12, TcpSender.effectiveMss(c));             // our MSS, less the timestamps option
        c.abort(2_000_000_000L);
        l.close(2_000_000_000L);
        cache.close();
        pool.checkAllReturned();
        pool.close();
    }
}
