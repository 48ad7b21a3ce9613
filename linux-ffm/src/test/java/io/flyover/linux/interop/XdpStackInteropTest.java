package io.flyover.linux.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Frames;
import io.flyover.linux.testing.Prerequisites;
import io.flyover.linux.testing.Shell;
import io.flyover.linux.testing.StackOnLink;
import io.flyover.linux.testing.StackRunner;
import io.flyover.stack.DropReason;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpState;
import io.flyover.stack.udp.UdpSocket;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Flyover stack on AF_XDP (copy mode on the host end of a veth) against the namespace's kernel:
 * the device contract (ping, curl), plus the stack as a TCP client of a kernel server, as a set of
 * multicast subscribers of a kernel sender, and as the target of broken frames.
 */
class XdpStackInteropTest extends StackInteropContract {
    private static final long SECOND = 1_000_000_000L;

    @Override
    protected StackOnLink open() throws Exception {
        return StackOnLink.open(StackOnLink.Kind.AF_XDP, "ix", 60);
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void aStackClientExchangesDataWithAKernelServerAndClosesCleanly(boolean v4) throws Exception {
        long bytes = 1 << 20;
        try (KernelPeerProcess peer = KernelPeerProcess.start(link.ns, "echo-server", link.peerAddress(v4), "7007")) {
            assertTrue(peer.await("PROVIDER", 60, TimeUnit.SECONDS).startsWith("PROVIDER sun.nio.ch."),
                    "the peer runs on the JDK's kernel sockets");
            peer.await("LISTENING", 60, TimeUnit.SECONDS);
            FlyoverTransfer t = FlyoverTransfer.start(link, v4, 7007, bytes, 7);
            assertEquals("ACCEPTED " + link.address(v4), peer.await("ACCEPTED", 30, TimeUnit.SECONDS));
            assertTrue(link.runner.await(t::finished, 30 * SECOND), t.toString());
            assertNull(t.failure());
            assertEquals(bytes, t.received());
            assertEquals(t.sentSha256(), t.receivedSha256(), "the kernel echoed every byte in order");
            assertEquals("ECHOED " + bytes, peer.await("ECHOED", 30, TimeUnit.SECONDS));
            assertEquals(0, peer.waitFor(30, TimeUnit.SECONDS), peer.output());
            // We sent our FIN first and read the kernel's: RFC 9293 §3.6, the active closer waits in TIME-WAIT.
            assertTrue(link.runner.await(() -> t.connection().state() == TcpState.TIME_WAIT, 5 * SECOND),
                    () -> link.runner.call(() -> t.connection().state().toString()));
        }
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void aConnectToAKernelPortWithoutListenerIsRefused(boolean v4) {
        IpAddress local = link.address(v4);
        IpAddress remote = IpAddress.parse(link.peerAddress(v4));
        TcpConnection c = link.runner.call(() -> link.stack.tcp().connect(local.hi(), local.lo(), 0, remote.hi(),
                remote.lo(), 9, null, System.nanoTime()));
        assertTrue(link.runner.await(() -> c.state() == TcpState.CLOSED, 10 * SECOND));
        assertEquals(TcpConnection.Error.REFUSED, link.runner.call(c::error), "the kernel answered with a RST");
    }

    /**
     * A kernel sender (the peer JVM, IP_MULTICAST_IF on its interface) to a group three stack sockets
     * joined on one port: each gets every datagram, unaltered; a socket of that port that did not join
     * and a member of another port get none.
     */
    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void everyStackSubscriberReceivesEveryDatagramOfAKernelMulticastSender(boolean v4) throws Exception {
        IpAddress group = IpAddress.parse(v4 ? "239.18.60.7" : "ff12::18:60:7");
        IpAddress any = v4 ? IpAddress.ANY_V4 : IpAddress.ANY_V6;
        IpAddress sender = IpAddress.parse(link.peerAddress(v4));
        int port = 5007;
        int count = 200;
        List<UdpSocket> sockets = link.runner.call(() -> {
            List<UdpSocket> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                UdpSocket s = link.stack.openUdp();
                s.setReuseAddress(true);
                s.bind(any, i == 4 ? port + 1 : port);
                if (i != 3) {
                    s.join(group); // 0-2 subscribers, 3 on the port without joining, 4 a member on another port
                }
                all.add(s);
            }
            return all;
        });
        BitSet[] received = new BitSet[sockets.size()];
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < received.length; i++) {
            received[i] = new BitSet();
        }
        MemorySegment buffer = MemorySegment.ofArray(new byte[2048]);
        StackRunner.Job drain = now -> {
            boolean progress = false;
            for (int i = 0; i < sockets.size(); i++) {
                UdpSocket s = sockets.get(i);
                int n;
                try {
                    while ((n = s.receive(buffer, 0, 2048)) >= 0) {
                        progress = true;
                        String text = new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                                StandardCharsets.US_ASCII);
                        int seq = Integer.parseInt(text.substring(18, 24));
                        if (!text.equals(KernelPeer.multicastPayload(seq)) || !s.source().equals(sender)) {
                            wrong.add("socket " + i + " from " + s.source() + ": " + text);
                        }
                        received[i].set(seq);
                    }
                } catch (IOException e) {
                    wrong.add("socket " + i + ": " + e);
                }
            }
            return progress;
        };
        link.runner.add(drain);
        try (KernelPeerProcess peer = KernelPeerProcess.start(link.ns, "multicast-sender", link.ns.peerInterface,
                group.toString(), String.valueOf(port), String.valueOf(count))) {
            assertEquals("SENT " + count, peer.await("SENT", 60, TimeUnit.SECONDS));
            assertEquals(0, peer.waitFor(30, TimeUnit.SECONDS), peer.output());
        }
        link.runner.await(() -> received[0].cardinality() == count && received[1].cardinality() == count
                && received[2].cardinality() == count, 10 * SECOND);
        link.runner.remove(drain);
        assertEquals(List.of(), wrong);
        for (int i = 0; i < 3; i++) {
            assertEquals(count, received[i].cardinality(), "subscriber " + i + " got every datagram");
        }
        assertEquals(0, received[3].cardinality(), "a socket that did not join gets nothing");
        assertEquals(0, received[4].cardinality(), "a member on another port gets nothing");
        link.runner.run(() -> sockets.forEach(UdpSocket::close));
    }

    /**
     * Frames with one broken header field each, sent raw from the namespace: each is dropped and counted
     * under its own {@link DropReason}, nothing else is counted for them, and the stack goes on serving
     * (curl, right after).
     */
    @Test
    void brokenFramesFromTheNamespaceAreDroppedUnderTheirReasonAndServiceGoesOn() throws Exception {
        Prerequisites.requirePython();
        Prerequisites.requireTools("curl");
        byte[] hello = "still serving\n".getBytes(StandardCharsets.US_ASCII);
        serve(Map.of("/hello", hello));
        long ours = link.device.capabilities().mac();
        long peerMac = link.ns.peerMac();
        BrokenFrames f = new BrokenFrames(ours, peerMac);
        byte[] p4 = link.ns.peerIp;
        byte[] l4 = link.ns.localIp;
        byte[] p6 = InetAddress.ofLiteral(link.ns.peerIpv6()).getAddress();
        byte[] l6 = InetAddress.ofLiteral(link.ns.localIpv6()).getAddress();
        byte[] data = "broken".getBytes(StandardCharsets.US_ASCII);
        int ip = BrokenFrames.ETH;

        List<Map.Entry<DropReason, byte[]>> cases = new ArrayList<>();
        cases.add(Map.entry(DropReason.ETHERNET_UNKNOWN_TYPE, f.ethernet(0x88B5, new byte[46])));
        byte[] arp = Frames.arp(3, peerMac, p4, ours, ours, l4); // operation 3 does not exist in RFC 826
        cases.add(Map.entry(DropReason.ARP_MALFORMED, arp));
        byte[] udp4 = f.ipv4(p4, l4, BrokenFrames.UDP, BrokenFrames.udp(p4, l4, 40000, 5999, data));
        cases.add(Map.entry(DropReason.IP_BAD_VERSION, with(udp4, ip, 0x55)));
        cases.add(Map.entry(DropReason.IP_BAD_HEADER_LENGTH, with(udp4, ip, 0x44)));
        byte[] tooLong = udp4.clone();
        BrokenFrames.putShort(tooLong, ip + 2, 1400);
        cases.add(Map.entry(DropReason.IP_BAD_TOTAL_LENGTH, tooLong));
        cases.add(Map.entry(DropReason.IP_TRUNCATED, f.ethernet(Frames.ETH_IPV4, Arrays.copyOfRange(udp4, ip, ip + 12))));
        cases.add(Map.entry(DropReason.IP_BAD_CHECKSUM, with(udp4, ip + 11, udp4[ip + 11] ^ 0x20)));
        cases.add(Map.entry(DropReason.UDP_BAD_CHECKSUM, with(udp4, ip + 20 + 6, udp4[ip + 26] ^ 0x01)));
        int tcp = ip + BrokenFrames.IPV4_HEADER;
        byte[] syn = f.ipv4(p4, l4, BrokenFrames.TCP,
                BrokenFrames.tcp(p4, l4, 40001, HTTP_PORT, 1000, BrokenFrames.TCP_SYN, 5));
        cases.add(Map.entry(DropReason.TCP_BAD_CHECKSUM, with(syn, tcp + 16, syn[tcp + 16] ^ 0x40)));
        cases.add(Map.entry(DropReason.TCP_BAD_DATA_OFFSET, f.ipv4(p4, l4, BrokenFrames.TCP,
                BrokenFrames.tcp(p4, l4, 40002, HTTP_PORT, 1000, BrokenFrames.TCP_SYN, 4))));
        cases.add(Map.entry(DropReason.TCP_BAD_FLAGS, f.ipv4(p4, l4, BrokenFrames.TCP,
                BrokenFrames.tcp(p4, l4, 40003, HTTP_PORT, 1000, BrokenFrames.TCP_SYN | BrokenFrames.TCP_FIN, 5))));
        byte[] echo = f.ipv4(p4, l4, BrokenFrames.ICMP, BrokenFrames.icmpEcho(0x4242, 1, data));
        cases.add(Map.entry(DropReason.ICMP_BAD_CHECKSUM, with(echo, tcp + 2, echo[tcp + 2] ^ 0x10)));
        byte[] udp6 = f.ipv6(p6, l6, BrokenFrames.UDP, BrokenFrames.udp(p6, l6, 40000, 5999, data));
        byte[] longer6 = udp6.clone();
        BrokenFrames.putShort(longer6, ip + 4, 1000);
        cases.add(Map.entry(DropReason.IP_BAD_TOTAL_LENGTH, longer6));
        byte[] zeroSum6 = udp6.clone();
        BrokenFrames.putShort(zeroSum6, ip + BrokenFrames.IPV6_HEADER + 6, 0);
        cases.add(Map.entry(DropReason.UDP_ZERO_CHECKSUM_V6, zeroSum6));
        byte[] syn6 = f.ipv6(p6, l6, BrokenFrames.TCP,
                BrokenFrames.tcp(p6, l6, 40004, HTTP_PORT, 1000, BrokenFrames.TCP_SYN, 5));
        int tcp6 = ip + BrokenFrames.IPV6_HEADER;
        cases.add(Map.entry(DropReason.TCP_BAD_CHECKSUM, with(syn6, tcp6 + 17, syn6[tcp6 + 17] ^ 0x04)));

        Map<DropReason, Long> expected = new EnumMap<>(DropReason.class);
        for (Map.Entry<DropReason, byte[]> c : cases) {
            expected.merge(c.getKey(), 1L, Long::sum);
        }
        Map<DropReason, Long> before = drops();
        link.ns.sendRawFrames(cases.stream().map(Map.Entry::getValue).toList());

        link.runner.await(() -> expected.entrySet().stream().allMatch(
                e -> link.stack.counters().drops(e.getKey()) - before.get(e.getKey()) >= e.getValue()), 10 * SECOND);
        Map<DropReason, Long> after = drops();
        Map<DropReason, Long> counted = new EnumMap<>(DropReason.class);
        for (DropReason r : expected.keySet()) {
            counted.put(r, after.get(r) - before.get(r));
        }
        assertEquals(expected, counted, "each broken frame counted once under its reason");

        Shell.Result r = link.ns.tryExec("curl", "-sS", "--max-time", "10",
                "http://" + link.ns.localIpv4() + ":" + HTTP_PORT + "/hello");
        assertEquals(0, r.exitCode(), r.output());
        assertEquals("still serving\n", r.output());
        System.out.println("after broken frames: " + link.runner.call(() -> link.stack.counters().toString()));
    }

    /**
     * StackCounters promises that every received frame is either consumed or dropped (rxDropped, and
     * its reason): segments TCP itself rejects (bad data offset, SYN+FIN) are dropped frames, not
     * consumed ones (TcpLayer.input answers their drop reason to the IP layer).
     */
    @Test
    void segmentsTcpRejectsCountAsDroppedNotConsumed() {
        Prerequisites.requirePython();
        byte[] p4 = link.ns.peerIp;
        byte[] l4 = link.ns.localIp;
        BrokenFrames f = new BrokenFrames(link.device.capabilities().mac(), link.ns.peerMac());
        List<byte[]> frames = List.of(
                f.ipv4(p4, l4, BrokenFrames.TCP, BrokenFrames.tcp(p4, l4, 40002, HTTP_PORT, 1, BrokenFrames.TCP_SYN, 4)),
                f.ipv4(p4, l4, BrokenFrames.TCP, BrokenFrames.tcp(p4, l4, 40003, HTTP_PORT, 1,
                        BrokenFrames.TCP_SYN | BrokenFrames.TCP_FIN, 5)));
        Map<DropReason, Long> dropsBefore = drops();
        long droppedBefore = link.runner.call(() -> link.stack.counters().rxDropped());
        link.ns.sendRawFrames(frames);
        assertTrue(link.runner.await(() -> link.stack.counters().drops(DropReason.TCP_BAD_DATA_OFFSET)
                + link.stack.counters().drops(DropReason.TCP_BAD_FLAGS)
                - dropsBefore.get(DropReason.TCP_BAD_DATA_OFFSET) - dropsBefore.get(DropReason.TCP_BAD_FLAGS) == 2,
                10 * SECOND));
        // The namespace's kernel may chatter meanwhile (IPv6 ND/MLD): subtract what other layers dropped.
        long droppedElsewhere = 0;
        for (var e : drops().entrySet()) {
            if (!e.getKey().name().startsWith("TCP_")) {
                droppedElsewhere += e.getValue() - dropsBefore.get(e.getKey());
            }
        }
        long dropped = link.runner.call(() -> link.stack.counters().rxDropped()) - droppedBefore;
        assertEquals(2, dropped - droppedElsewhere, "TCP-rejected frames counted as dropped frames");
    }

    private Map<DropReason, Long> drops() {
        return link.runner.call(() -> {
            Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
            for (DropReason r : DropReason.values()) {
                m.put(r, link.stack.counters().drops(r));
            }
            return m;
        });
    }

    /** A copy of {@code frame} with the byte at {@code at} replaced. */
    private static byte[] with(byte[] frame, int at, int value) {
        byte[] copy = frame.clone();
        copy[at] = (byte) value;
        return copy;
    }
}
