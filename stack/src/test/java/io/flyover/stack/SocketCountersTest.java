package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.ImpairedDevice;
import io.flyover.stack.device.soft.Impairment;
import io.flyover.stack.device.soft.VethPair;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.udp.UdpSocket;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The per-socket counters statistics read (segments and payload bytes each way, retransmissions,
 * out-of-order arrivals, datagrams) count what the sockets really did, and the pool's lock-free estimate
 * of free frames agrees with the locked count when nothing moves.
 */
class SocketCountersTest {

    @Test
    void tcpCountersMatchTheBytesMovedOverALossyLink() throws Exception {
        try (FramePool poolA = FramePool.allocate(1024); FramePool poolB = FramePool.allocate(1024)) {
            VethPair veth = VethPair.create(poolA, TwoStacks.MAC_A, poolB, TwoStacks.MAC_B, 256);
            // A's frames: 3 % lost and 3 % delayed past later ones, so B sees holes and A retransmits.
            ImpairedDevice lossy = ImpairedDevice.onTransmit(veth.a(),
                    Impairment.builder().loss(0.03).reorder(0.03, 2_000_000).build(), new SeededRandom(7));
            Stack a = new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).build(), lossy, new SeededRandom(1));
            Stack b = new Stack(StackConfig.builder().ipv4("198.18.0.2", 24).build(), veth.b(), new SeededRandom(2));
            long[] now = {1_000_000_000L};
            IpAddress bAddr = TwoStacks.B4;
            TcpListener l = b.tcp().listen(0, 0, 80, 4, null);
            TcpConnection c = a.tcp().connect(TwoStacks.A4.hi(), TwoStacks.A4.lo(), 0, bAddr.hi(), bAddr.lo(), 80, null, now[0]);
            TcpConnection s = null;
            byte[] chunk = new byte[8192];
            byte[] sink = new byte[65536];
            long written = 0;
            long read = 0;
            long goal = 4_000_000;
            for (int round = 0; round < 200_000 && read < goal; round++) {
                now[0] += 100_000;
                a.poll(now[0]);
                lossy.poll(now[0]);
                b.poll(now[0]);
                if (s == null) {
                    s = l.accept();
                }
                if (c.isConnected() && written < goal) {
                    written += c.write(chunk, 0, (int) Math.min(chunk.length, goal - written));
                }
                if (s != null) {
                    for (int n; (n = s.read(sink, 0, sink.length)) > 0; ) {
                        read += n;
                    }
                }
            }
            assertEquals(goal, read, "transfer finished");
            // Let the last ACKs come back.
            for (int i = 0; i < 2_000; i++) {
                now[0] += 100_000;
                a.poll(now[0]);
                lossy.poll(now[0]);
                b.poll(now[0]);
            }
            assertTrue(c.retransmissions() > 0, "retransmissions " + c.retransmissions());
            assertTrue(s.segmentsOutOfOrder() > 0, "out of order " + s.segmentsOutOfOrder());
            // Everything sent was sent once plus its retransmissions; the receiver got each byte at least once.
            assertTrue(c.payloadBytesSent() >= goal, "sent " + c.payloadBytesSent());
            assertTrue(c.payloadBytesSent() < goal + c.retransmissions() * c.sendMss() + 1, "sent " + c.payloadBytesSent());
            assertTrue(s.payloadBytesReceived() >= goal, "received " + s.payloadBytesReceived());
            assertTrue(s.payloadBytesReceived() <= c.payloadBytesSent(), "no byte received that was not sent");
            assertEquals(0, s.payloadBytesSent(), "the reader sent no data");
            assertEquals(0, c.payloadBytesReceived(), "the writer received no data");
            // Segments: every data segment carries at most one MSS; B's ACKs reach A over the clean direction.
            assertTrue(c.segmentsSent() >= goal / c.sendMss(), "segments sent " + c.segmentsSent());
            assertTrue(c.segmentsReceived() > 0 && c.segmentsReceived() <= s.segmentsSent(),
                    c.segmentsReceived() + " received of " + s.segmentsSent() + " sent");
            assertTrue(s.segmentsReceived() <= c.segmentsSent(), s.segmentsReceived() + " of " + c.segmentsSent());
            assertTrue(s.receiveWindow() > 0 && c.sendWindow() > 0);
            a.close();
            b.close();
            lossy.close();
            veth.close();
            poolA.checkAllReturned();
            poolB.checkAllReturned();
        }
    }

    @Test
    void udpCountersCountDatagramsBytesAndQueueOverflow() throws Exception {
        try (LoopbackHost h = new LoopbackHost(StackConfig.builder().udpReceiveBuffer(4096))) {
            IpAddress lo = IpAddress.LOOPBACK_V4;
            UdpSocket r = h.stack.openUdp();
            r.bind(lo, 9000);
            UdpSocket w = h.stack.openUdp();
            w.bind(lo, 9001);
            MemorySegment data = MemorySegment.ofArray(new byte[1000]);
            for (int i = 0; i < 10; i++) {
                w.sendTo(data, 0, 1000, lo.hi(), lo.lo(), 9000);
            }
            h.settle();
            assertEquals(10, w.datagramsSent());
            assertEquals(10_000, w.bytesSent());
            long queued = r.queuedDatagrams();
            assertTrue(queued > 0 && queued < 10, "a 4 KiB queue holds some of ten 1000-byte datagrams: " + queued);
            assertEquals(queued, r.datagramsReceived());
            assertEquals(queued * 1000, r.bytesReceived());
            assertEquals(10 - queued, r.datagramsDropped());
            assertEquals(0, r.datagramsSent());
            r.close();
            w.close();
        }
    }

    @Test
    void lockFreeFrameEstimateAgreesWithTheLockedCountAtRest() {
        try (FramePool pool = FramePool.allocate(256)) {
            var one = pool.newCache(16);
            var two = pool.newCache(8);
            int[] held = new int[40];
            for (int i = 0; i < held.length; i++) {
                held[i] = (i % 2 == 0 ? one : two).acquire();
            }
            assertEquals(pool.available(), pool.availableEstimate());
            assertEquals(256 - 40, pool.availableEstimate());
            for (int i = 0; i < held.length; i++) {
                (i % 3 == 0 ? one : two).release(held[i]);
            }
            assertEquals(256, pool.availableEstimate());
            two.close();
            assertEquals(pool.available(), pool.availableEstimate());
            one.close();
            assertEquals(256, pool.availableEstimate());
        }
    }
}
