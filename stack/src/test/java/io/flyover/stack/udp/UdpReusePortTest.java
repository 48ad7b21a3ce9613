package io.flyover.stack.udp;

import static io.flyover.stack.udp.UdpEndToEndTest.receiveText;
import static io.flyover.stack.udp.UdpEndToEndTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.TwoStacks;
import io.flyover.stack.net.IpAddress;
import java.net.BindException;
import org.junit.jupiter.api.Test;

/**
 * SO_REUSEPORT on UDP sockets as Linux has it: the bind matrix ({@code udp_lib_lport_inuse}), unicast
 * spread over the group by the flow hash and sticky per flow ({@code udp4_lib_lookup2}), multicast and
 * broadcast to every socket on the port ({@code __udp4_lib_mcast_deliver}).
 */
class UdpReusePortTest {

    static UdpSocket bound(TwoStacks net, IpAddress at, int port, boolean reusePort) throws Exception {
        UdpSocket s = net.b.openUdp();
        s.setReusePort(reusePort);
        s.bind(at, port);
        return s;
    }

    @Test
    void sharingAPortNeedsReusePortOnBothSockets() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            UdpSocket plain = bound(net, IpAddress.ANY_V4, 7100, false);
            UdpSocket other = net.b.openUdp();
            other.setReusePort(true);
            assertThrows(BindException.class, () -> other.bind(IpAddress.ANY_V4, 7100));
            assertThrows(BindException.class, () -> other.bind(TwoStacks.B4, 7100)); // the wildcard overlaps
            plain.close();
            other.bind(IpAddress.ANY_V4, 7100);
            bound(net, IpAddress.ANY_V4, 7100, true);
            bound(net, TwoStacks.B4, 7100, true);
            UdpSocket late = net.b.openUdp();
            assertThrows(BindException.class, () -> late.bind(IpAddress.ANY_V4, 7100));
        }
    }

    @Test
    void unicastIsSpreadOverTheGroupAndEachFlowSticksToItsSocket() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            UdpSocket[] group = {bound(net, IpAddress.ANY_V4, 7200, true), bound(net, IpAddress.ANY_V4, 7200, true)};
            int flows = 24;
            UdpSocket[] senders = new UdpSocket[flows];
            for (int i = 0; i < flows; i++) {
                senders[i] = net.a.openUdp();
                senders[i].bind(IpAddress.ANY_V4, 21_000 + i);
            }
            senders[0].sendTo(text("arp"), 0, 3, TwoStacks.B4, 9); // resolves the neighbour first (its queue is short)
            net.run(4);
            int[] owner = new int[flows];
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < flows; i++) {
                    String m = "f" + i;
                    senders[i].sendTo(text(m), 0, m.length(), TwoStacks.B4, 7200);
                }
                net.run(4);
                int[] seen = new int[flows];
                for (int g = 0; g < group.length; g++) {
                    for (String m; (m = receiveText(group[g])) != null; ) {
                        int flow = Integer.parseInt(m.substring(1));
                        seen[flow]++;
                        if (round == 0) {
                            owner[flow] = g;
                        } else {
                            assertEquals(owner[flow], g, "flow " + flow + " moved in round " + round);
                        }
                    }
                }
                for (int i = 0; i < flows; i++) {
                    assertEquals(1, seen[i], "flow " + i + " delivered once");
                }
            }
            int toFirst = 0;
            for (int o : owner) {
                toFirst += o == 0 ? 1 : 0;
            }
            assertTrue(toFirst > 0 && toFirst < flows, "both sockets get flows: " + toFirst + " of " + flows);

            group[0].close(); // the rest of the group takes every flow
            for (int i = 0; i < flows; i++) {
                senders[i].sendTo(text("x"), 0, 1, TwoStacks.B4, 7200);
            }
            net.run(4);
            assertEquals(flows, group[1].queuedDatagrams());
        }
    }

    @Test
    void multicastAndBroadcastReachEverySocketOfTheGroup() throws Exception {
        try (TwoStacks net = new TwoStacks()) {
            IpAddress group = IpAddress.parse("239.7.7.7");
            UdpSocket[] members = new UdpSocket[3];
            for (int i = 0; i < members.length; i++) {
                members[i] = bound(net, IpAddress.ANY_V4, 7300, true);
                members[i].join(group);
                members[i].setBroadcast(true);
            }
            UdpSocket sender = net.a.openUdp();
            sender.setBroadcast(true);
            sender.sendTo(text("to all"), 0, 6, group, 7300);
            sender.sendTo(text("bcast"), 0, 5, IpAddress.parse("198.18.0.255"), 7300);
            net.run(4);
            for (UdpSocket s : members) {
                assertEquals("to all", receiveText(s));
                assertEquals("bcast", receiveText(s));
                assertNull(receiveText(s));
            }
        }
    }
}
