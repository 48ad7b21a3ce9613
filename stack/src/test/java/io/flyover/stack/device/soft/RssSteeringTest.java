package io.flyover.stack.device.soft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The Toeplitz hash against Microsoft's published RSS verification suite ("Verifying the RSS Hash
 * Calculation"), both as raw input and through frames parsed by {@link RssSteering}.
 */
class RssSteeringTest {
    private static final ToeplitzHash HASH = ToeplitzHash.withMicrosoftKey();

    // destination, destination port, source, source port, IP-only hash, IP+TCP hash
    @ParameterizedTest
    @CsvSource({
        "161.142.100.80, 1766, 66.9.149.187, 2794, 0x323e8fc2, 0x51ccc178",
        "65.69.140.83, 4739, 199.92.111.2, 14230, 0xd718262a, 0xc626b0ea",
        "12.22.207.184, 38024, 24.19.198.95, 12898, 0xd2d0a5de, 0x5c2b394a",
        "209.142.163.6, 2217, 38.27.205.30, 48228, 0x82989176, 0xafc7327f",
        "202.188.127.2, 1303, 153.39.163.191, 44251, 0x5d1809c5, 0x10e828a2",
        "3ffe:2501:200:3::1, 1766, 3ffe:2501:200:1fff::7, 2794, 0x2cc18cd5, 0x40207d3d",
        "ff02::1, 4739, 3ffe:501:8::260:97ff:fe40:efab, 14230, 0x0f0c461c, 0xdde51bbf",
        "fe80::200:f8ff:fe21:67cf, 38024, 3ffe:1900:4545:3:200:f8ff:fe21:67cf, 44251, 0x4b61e985, 0x02d1feef",
    })
    void microsoftVerificationVectors(String dst, int dstPort, String src, int srcPort, String ipOnly, String withTcp)
            throws Exception {
        byte[] s = InetAddress.getByName(src).getAddress();
        byte[] d = InetAddress.getByName(dst).getAddress();
        long expectIp = Long.decode(ipOnly);
        long expectTcp = Long.decode(withTcp);

        ByteBuffer input = ByteBuffer.allocate(ToeplitzHash.MAX_INPUT);
        input.put(s).put(d);
        assertEquals(expectIp, HASH.hash(input.array(), input.position()) & 0xFFFF_FFFFL, "addresses only");
        input.putShort((short) srcPort).putShort((short) dstPort);
        assertEquals(expectTcp, HASH.hash(input.array(), input.position()) & 0xFFFF_FFFFL, "with TCP ports");

        RssSteering rss = new RssSteering(HASH, 4);
        byte[] tcp = s.length == 4
                ? TestFrames.ipv4(s, d, 6, srcPort, dstPort, new byte[10], false)
                : TestFrames.ipv6(s, d, 6, srcPort, dstPort, new byte[10]);
        int etherType = s.length == 4 ? 0x0800 : 0x86DD;
        assertEquals(expectTcp, hashOf(rss, TestFrames.ethernet(2, 1, etherType, tcp)), "TCP frame");
        byte[] tagged = vlanTagged(TestFrames.ethernet(2, 1, etherType, tcp));
        assertEquals(expectTcp, hashOf(rss, tagged), "802.1Q-tagged TCP frame");
        if (s.length == 4) {
            byte[] fragment = TestFrames.ipv4(s, d, 6, srcPort, dstPort, new byte[10], true);
            assertEquals(expectIp, hashOf(rss, TestFrames.ethernet(2, 1, etherType, fragment)),
                    "a fragment has no ports to hash");
        }
        byte[] icmp = s.length == 4
                ? TestFrames.ipv4(s, d, 1, srcPort, dstPort, new byte[10], false)
                : TestFrames.ipv6(s, d, 58, srcPort, dstPort, new byte[10]);
        assertEquals(expectIp, hashOf(rss, TestFrames.ethernet(2, 1, etherType, icmp)), "ICMP: addresses only");
    }

    @Test
    void nonIpAndTruncatedFramesGoToQueueZero() {
        RssSteering rss = new RssSteering(HASH, 8);
        byte[] arp = TestFrames.ethernet(TestFrames.BROADCAST, 1, 0x0806, new byte[28]);
        assertEquals(RssSteering.NO_HASH, hashOf(rss, arp));
        assertEquals(0, queueOf(rss, arp));
        byte[] truncated = TestFrames.ethernet(2, 1, 0x0800, new byte[12]);
        assertEquals(RssSteering.NO_HASH, hashOf(rss, truncated));
        byte[] badIhl = TestFrames.ethernet(2, 1, 0x0800,
                TestFrames.ipv4(new byte[] {1, 2, 3, 4}, new byte[] {5, 6, 7, 8}, 17, 1, 2, new byte[4], false));
        badIhl[14] = 0x4F; // IHL 60 bytes, longer than the packet
        assertEquals(RssSteering.NO_HASH, hashOf(rss, badIhl));
        assertEquals(RssSteering.NO_HASH, hashOf(rss, new byte[5]));
    }

    @Test
    void aFlowStaysOnOneQueueAndFlowsSpreadOverAll() {
        RssSteering rss = new RssSteering(HASH, 4);
        byte[] a = {(byte) 198, 18, 0, 1};
        byte[] b = {(byte) 198, 18, 0, 2};
        Set<Integer> used = new HashSet<>();
        for (int port = 40000; port < 40064; port++) {
            byte[] frame = TestFrames.ethernet(2, 1, 0x0800, TestFrames.ipv4(a, b, 17, port, 53, new byte[8], false));
            int q = queueOf(rss, frame);
            assertTrue(q >= 0 && q < 4);
            assertEquals(q, queueOf(rss, frame), "same flow, same queue");
            used.add(q);
        }
        assertEquals(Set.of(0, 1, 2, 3), used, "64 flows reach every queue");
    }

    static long hashOf(RssSteering rss, byte[] frame) {
        return rss.hash(MemorySegment.ofArray(frame), 0, frame.length);
    }

    static int queueOf(RssSteering rss, byte[] frame) {
        return rss.queueOf(MemorySegment.ofArray(frame), 0, frame.length);
    }

    static byte[] vlanTagged(byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(frame.length + 4);
        b.put(frame, 0, 12).putShort((short) 0x8100).putShort((short) 42).put(frame, 12, frame.length - 12);
        return b.array();
    }
}
