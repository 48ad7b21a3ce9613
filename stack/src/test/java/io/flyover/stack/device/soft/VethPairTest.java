package io.flyover.stack.device.soft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.udp.UdpSocket;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class VethPairTest {

    @Test
    void copiesFramesIntoThePeersPoolAndDropsWhenItsRingIsFull() {
        FramePool pa = FramePool.allocate(64);
        FramePool pb = FramePool.allocate(64);
        try (VethPair veth = VethPair.create(pa, 1, pb, 2, 4)) {
            FrameCache ca = pa.newCache(8);
            FrameBurst burst = new FrameBurst(8);
            for (int i = 0; i < 6; i++) {
                int f = ca.acquire();
                pa.region().set(ValueLayout.JAVA_BYTE, pa.dataAddress(f), (byte) i);
                pa.setData(f, pa.dataOffset(f), 60);
                burst.add(f);
            }
            assertEquals(6, veth.a().transmit(0, burst, 0));
            burst.clear();
            assertEquals(2, veth.droppedToB());
            assertEquals(4, veth.b().receive(0, burst, 0));
            FrameCache cb = pb.newCache(8);
            for (int i = 0; i < 4; i++) {
                int f = burst.get(i);
                assertEquals(60, pb.dataLength(f));
                assertEquals((byte) i, pb.region().get(ValueLayout.JAVA_BYTE, pb.dataAddress(f)));
                cb.release(f);
            }
            ca.close();
            cb.close();
        }
        pa.checkAllReturned();
        pb.checkAllReturned();
        pa.close();
        pb.close();
    }

    /** Each stack on its own thread, exchanging datagrams through the lock-free rings; all arrive, none leak. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoStacksOnTwoThreadsEchoEveryDatagramInOrder() throws Exception {
        FramePool pa = FramePool.allocate(2048);
        FramePool pb = FramePool.allocate(2048);
        VethPair veth = VethPair.create(pa, 0x0200_0000_000AL, pb, 0x0200_0000_000BL, 1024);
        Stack a = new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).build(), veth.a(), new SeededRandom(1));
        Stack b = new Stack(StackConfig.builder().ipv4("198.18.0.2", 24).build(), veth.b(), new SeededRandom(2));
        int count = 20_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        UdpSocket server = b.openUdp();
        server.bind(IpAddress.ANY_V4, 7);
        Thread echo = Thread.ofPlatform().name("fc-echo").start(() -> {
            try {
                MemorySegment buf = MemorySegment.ofArray(new byte[2048]);
                int echoed = 0;
                while (echoed < count && failure.get() == null) {
                    b.poll(System.nanoTime());
                    int n;
                    while ((n = server.receive(buf, 0, 2048)) >= 0) {
                        server.sendTo(buf, 0, n, server.sourceHi(), server.sourceLo(), server.sourcePort());
                        echoed++;
                    }
                }
                for (int i = 0; i < 1000; i++) {
                    b.poll(System.nanoTime()); // let the last answers out
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        UdpSocket client = a.openUdp();
        client.connect(IpAddress.parse("198.18.0.2"), 7);
        MemorySegment out = MemorySegment.ofArray(new byte[16]);
        MemorySegment in = MemorySegment.ofArray(new byte[16]);
        int sent = 0;
        int received = 0;
        long deadline = System.nanoTime() + 50_000_000_000L;
        while (received < count && failure.get() == null && System.nanoTime() < deadline) {
            if (sent < count && sent - received < (received == 0 ? 1 : 64)) { // one until ARP has resolved
                out.set(ValueLayout.JAVA_INT_UNALIGNED, 0, sent);
                if (client.send(out, 0, 16) == 16) {
                    sent++;
                }
            }
            a.poll(System.nanoTime());
            while (client.receive(in, 0, 16) == 16) {
                assertEquals(received, in.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
                received++;
            }
        }
        echo.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(count, received);
        assertEquals(0, veth.droppedToA() + veth.droppedToB());
        client.close();
        server.close();
        a.close();
        b.close();
        veth.close();
        pa.checkAllReturned();
        pb.checkAllReturned();
        pa.close();
        pb.close();
        assertTrue(a.counters().rxFrames() >= count);
    }
}
