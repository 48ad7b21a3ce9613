package io.flyover.stack.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.TwoStacks;
import io.flyover.stack.net.IpAddress;
import java.lang.foreign.MemorySegment;
import java.net.PortUnreachableException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The layer above learns which UDP sockets became readable from the listener, without scanning. */
class UdpReadinessTest {

    @Test
    void everyQueuedDatagramAndAPendingPortUnreachableAreReported() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            List<UdpSocket> readable = new ArrayList<>();
            net.b.udp().setReadinessListener(readable::add);
            UdpSocket quiet = net.b.openUdp();
            quiet.bind(IpAddress.ANY_V4, 7001);
            UdpSocket server = net.b.openUdp();
            server.bind(IpAddress.ANY_V4, 7000);
            UdpSocket client = net.a.openUdp();
            for (int i = 0; i < 3; i++) {
                client.sendTo(MemorySegment.ofArray(new byte[10]), 0, 10, TwoStacks.B4, 7000);
            }
            net.run(4);
            assertEquals(List.of(server, server, server), readable);
            assertEquals(3, server.queuedDatagrams());

            // Without a listener (null means NONE) delivery goes on and nothing is reported.
            readable.clear();
            net.b.udp().setReadinessListener(null);
            client.sendTo(MemorySegment.ofArray(new byte[10]), 0, 10, TwoStacks.B4, 7000);
            net.run(4);
            assertTrue(readable.isEmpty());
            assertEquals(4, server.queuedDatagrams());

            // A connected socket of B learns of the ICMP port unreachable through the listener too.
            net.b.udp().setReadinessListener(readable::add);
            UdpSocket connected = net.b.openUdp();
            connected.connect(TwoStacks.A4, 9);
            connected.send(MemorySegment.ofArray(new byte[4]), 0, 4);
            net.run(4);
            assertEquals(List.of(connected), readable);
            assertThrows(PortUnreachableException.class, () -> connected.receive(MemorySegment.ofArray(new byte[4]), 0, 4));
        }
    }

    @Test
    void aFullReceiveQueueReportsNothing() throws Exception {
        try (TwoStacks net = new TwoStacks(io.flyover.stack.StackConfig.builder(),
                io.flyover.stack.StackConfig.builder().udpReceiveBuffer(256))) {
            List<UdpSocket> readable = new ArrayList<>();
            net.b.udp().setReadinessListener(readable::add);
            UdpSocket server = net.b.openUdp();
            server.bind(IpAddress.ANY_V4, 7000);
            UdpSocket client = net.a.openUdp();
            for (int i = 0; i < 4; i++) {
                client.sendTo(MemorySegment.ofArray(new byte[100]), 0, 100, TwoStacks.B4, 7000);
            }
            net.run(4);
            assertEquals(server.queuedDatagrams(), readable.size());
            assertTrue(server.queuedDatagrams() < 4);
        }
    }
}
