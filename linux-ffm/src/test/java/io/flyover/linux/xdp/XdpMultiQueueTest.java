package io.flyover.linux.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Frames;
import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.Wire;
import io.flyover.stack.buffer.FramePool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two queues of a two-queue veth: sockets sharing one UMEM, each with its own fill and completion ring. */
class XdpMultiQueueTest {
    private static final int ADDRESSES = 32;

    @Test
    void twoQueuesShareTheUmemAndTogetherCarryEveryFrame() throws Exception {
        Prerequisites.requireNetworkAdmin();
        int flows = 200;
        BitSet replied = new BitSet();
        long[] perQueue = new long[2];
        try (FramePool pool = FramePool.allocate(4096)) {
            try (Namespace ns = Namespace.withVeth("xm", 31, 2);
                 XdpDevice device = new XdpDevice(ns.hostLink(), 0, 2, pool, 256, false)) {
                assertEquals(2, device.capabilities().rxQueues());
                long peerMac = ns.peerMac();
                long mac = device.capabilities().mac();
                // several local addresses: the peer hashes its replies' flows over its two TX queues
                byte[][] locals = new byte[ADDRESSES][];
                StringBuilder batch = new StringBuilder();
                for (int i = 0; i < ADDRESSES; i++) {
                    locals[i] = ns.localIp.clone();
                    locals[i][3] = (byte) (2 + i);
                    batch.append("neigh replace ").append(Namespace.dotted(locals[i])).append(" lladdr ")
                            .append(Frames.formatMac(mac)).append(" dev ").append(ns.peerInterface)
                            .append(" nud permanent\n");
                }
                Path file = Files.createTempFile("fl-neigh", ".batch");
                try {
                    Files.writeString(file, batch);
                    ns.exec("ip", "-batch", file.toString());
                } finally {
                    Files.delete(file);
                }
                try (Wire q0 = new Wire(device, 0); Wire q1 = new Wire(device, 1)) {
                    Wire[] wires = {q0, q1};
                    int[] seen = new int[2];
                    for (int id = 0; id < flows; id++) {
                        // a different ICMP identifier per request spreads the replies over the peer's queues
                        wires[id & 1].send(Frames.icmpEcho(8, mac, peerMac, locals[id % ADDRESSES], ns.peerIp, 0x100 + id, id,
                                new byte[32]));
                    }
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (replied.cardinality() < flows && System.nanoTime() < deadline) {
                        int got = 0;
                        for (int q = 0; q < 2; q++) {
                            got += wires[q].pollOnce();
                            for (; seen[q] < wires[q].received.size(); seen[q]++) {
                                byte[] f = wires[q].received.get(seen[q]);
                                if (Frames.isIcmpEcho(f, 0) && Frames.icmpId(f) == 0x100 + Frames.icmpSeq(f)) {
                                    replied.set(Frames.icmpSeq(f));
                                    perQueue[q]++;
                                }
                            }
                        }
                        if (got == 0) {
                            Thread.sleep(1);
                        }
                    }
                }
                assertEquals(flows / 2, device.transmittedFrames(0));
                assertEquals(flows / 2, device.transmittedFrames(1));
                System.out.println(device.name() + " " + device.mode() + "/" + device.attach() + ": replies per queue "
                        + perQueue[0] + " + " + perQueue[1]);
            }
            assertEquals(flows, replied.cardinality(), "every request answered, on one queue or the other");
            assertEquals(flows, perQueue[0] + perQueue[1], "and only once");
            // 32 flows all hashed to one queue has probability 2^-31: both sockets must have received
            assertTrue(perQueue[0] > 0 && perQueue[1] > 0, "both queues received: " + perQueue[0] + " + " + perQueue[1]);
            pool.checkAllReturned();
        }
    }
}
