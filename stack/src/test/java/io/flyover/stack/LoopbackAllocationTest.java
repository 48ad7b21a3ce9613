package io.flyover.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpSettings;
import io.flyover.stack.udp.UdpSocket;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The loopback path allocates nothing in the steady state: TCP bulk transfer and UDP datagrams between
 * sockets of one loopback stack, through IP, the {@code LoopbackDevice} and back, while the thread's
 * allocation counter is watched (the regression guard; JMH with {@code -prof gc} is the real figure).
 */
class LoopbackAllocationTest {

    @Test
    void tcpAndUdpThroughTheLoopbackAllocateNothing() throws Exception {
        TcpSettings settings = new TcpSettings();
        settings.receiveBufferSize = 256 * 1024;
        settings.sendBufferSize = 256 * 1024;
        try (LoopbackHost h = new LoopbackHost(StackConfig.builder().tcpDefaults(settings))) {
            h.device.recording = false;
            IpAddress lo = IpAddress.LOOPBACK_V4;
            TcpListener l = h.stack.tcp().listen(0, 0, 80, 8, null);
            TcpConnection c = h.stack.tcp().connect(lo.hi(), lo.lo(), 0, lo.hi(), lo.lo(), 80, null, h.now);
            h.settle();
            TcpConnection s = l.accept();
            UdpSocket ur = h.stack.openUdp();
            ur.bind(lo, 9000);
            UdpSocket uw = h.stack.openUdp();
            uw.bind(lo, 9001);
            byte[] chunk = new byte[16 * 1024];
            byte[] sink = new byte[16 * 1024];
            MemorySegment datagram = MemorySegment.ofArray(new byte[200]);
            MemorySegment into = MemorySegment.ofArray(new byte[2048]);
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] windows = new long[6];
            long mark = 0;
            long moved = 0;
            long datagrams = 0;
            for (int round = 0; round < 20_000; round++) {
                if (round >= 5_000 && round % 2_500 == 0) {
                    long now = mx.getCurrentThreadAllocatedBytes();
                    if (round > 5_000) {
                        windows[(round - 7_500) / 2_500] = now - mark;
                    }
                    mark = now;
                }
                c.write(chunk, 0, chunk.length);
                uw.sendTo(datagram, 0, 200, lo.hi(), lo.lo(), 9000);
                h.stack.flush();
                h.now += 10_000;
                for (int i = 0; i < 100 && h.stack.poll(h.now) <= h.now; i++) {
                    // until nothing is left to do now
                }
                for (int n; (n = s.read(sink, 0, sink.length)) > 0; ) {
                    moved += n;
                }
                while (ur.receive(into, 0, 2048) >= 0) {
                    datagrams++;
                }
            }
            windows[5] = mx.getCurrentThreadAllocatedBytes() - mark;
            System.out.println("loopback: moved " + moved + " TCP bytes and " + datagrams
                    + " datagrams; bytes allocated per 2,500-round window: " + Arrays.toString(windows));
            assertTrue(moved > 100_000_000L, "moved " + moved);
            assertEquals(20_000, datagrams);
            int zero = 0;
            for (long w : windows) {
                assertTrue(w < 1024, Arrays.toString(windows));
                zero += w == 0 ? 1 : 0;
            }
            assertTrue(zero >= 4, Arrays.toString(windows));
            c.abort(h.now);
            h.settle();
            ur.close();
            uw.close();
        }
    }
}
