package io.flyover.stack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

public class TcpHeaderTest {
    public static List<byte[]> linuxSegments() throws Exception {
        List<byte[]> out = new ArrayList<>();
        try (var r = new BufferedReader(new InputStreamReader(
                TcpHeaderTest.class.getResourceAsStream("linux-tcp-exchange.hex"), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(HexFormat.of().parseHex(line.trim()));
                }
            }
        }
        return out;
    }

    @Test
    void parsesLinuxSyn() throws Exception {
        byte[] syn = linuxSegments().get(0);
        TcpHeader h = new TcpHeader();
        assertEquals(TcpHeader.VALID, h.wrap(MemorySegment.ofArray(syn), 0, syn.length));
        assertEquals(34386, h.srcPort());
        assertEquals(5555, h.dstPort());
        assertEquals(1289690927L, Integer.toUnsignedLong(h.seq()));
        assertEquals(TcpHeader.SYN, h.flags());
        assertEquals(65495, h.window());
        assertEquals(40, h.headerLength());
        assertEquals(0, h.payloadLength());
        TcpOptions o = new TcpOptions();
        assertEquals(TcpOptions.OK, o.parse(MemorySegment.ofArray(syn), h.optionsOffset(), h.optionsLength()));
        assertEquals(65495, o.mss);
        assertTrue(o.sackPermitted);
        assertTrue(o.timestamps);
        assertEquals(3184348029L, Integer.toUnsignedLong(o.tsVal));
        assertEquals(0, o.tsEcr);
        assertEquals(10, o.windowScale);
        assertEquals(0, o.ignored());
    }

    @Test
    void parsesLinuxSynAckAndData() throws Exception {
        List<byte[]> segs = linuxSegments();
        byte[] synAck = segs.get(1);
        TcpHeader h = new TcpHeader();
        h.wrap(MemorySegment.ofArray(synAck), 0, synAck.length);
        assertEquals(TcpHeader.SYN | TcpHeader.ACK_FLAG, h.flags());
        assertEquals(1289690928L, Integer.toUnsignedLong(h.ack()));
        byte[] data = segs.get(3);
        assertEquals(TcpHeader.VALID, h.wrap(MemorySegment.ofArray(data), 0, data.length));
        assertEquals(TcpHeader.PSH | TcpHeader.ACK_FLAG, h.flags());
        assertEquals(32, h.headerLength());
        assertEquals("hello flyover", new String(data, (int) h.payloadOffset(), h.payloadLength(), StandardCharsets.US_ASCII));
        byte[] fin = segs.get(7);
        h.wrap(MemorySegment.ofArray(fin), 0, fin.length);
        assertTrue(h.has(TcpHeader.FIN));
    }

    /** Our value form writes Linux's SYN byte for byte (same option layout), checksum aside. */
    @Test
    void valueFormReproducesLinuxSyn() throws Exception {
        byte[] syn = linuxSegments().get(0);
        TcpHeaderValue v = new TcpHeaderValue();
        v.srcPort = 34386;
        v.dstPort = 5555;
        v.seq = (int) 1289690927L;
        v.flags = TcpHeader.SYN;
        v.window = 65495;
        v.options.mss = 65495;
        v.options.sackPermitted = true;
        v.options.timestamps = true;
        v.options.tsVal = (int) 3184348029L;
        v.options.windowScale = 10;
        byte[] out = new byte[60];
        int n = v.writeTo(MemorySegment.ofArray(out), 0);
        assertEquals(40, n);
        syn[16] = syn[17] = 0; // checksum: the IP layer's job
        assertEquals(HexFormat.of().formatHex(syn), HexFormat.of().formatHex(out, 0, n));
    }

    @Test
    void everyLinuxSegmentRoundTrips() throws Exception {
        for (byte[] seg : linuxSegments()) {
            TcpHeader h = new TcpHeader();
            MemorySegment m = MemorySegment.ofArray(seg);
            assertEquals(TcpHeader.VALID, h.wrap(m, 0, seg.length));
            TcpHeaderValue v = new TcpHeaderValue();
            v.srcPort = h.srcPort();
            v.dstPort = h.dstPort();
            v.seq = h.seq();
            v.ack = h.ack();
            v.flags = h.flags();
            v.window = h.window();
            assertEquals(TcpOptions.OK, v.options.parse(m, h.optionsOffset(), h.optionsLength()));
            byte[] out = new byte[60];
            assertEquals(h.headerLength(), v.writeTo(MemorySegment.ofArray(out), 0));
            byte[] expected = seg.clone();
            expected[16] = expected[17] = 0;
            assertEquals(HexFormat.of().formatHex(expected, 0, h.headerLength()),
                    HexFormat.of().formatHex(out, 0, h.headerLength()));
        }
    }

    @Test
    void lengthCheck() {
        byte[] b = new byte[40];
        TcpHeader h = new TcpHeader();
        assertEquals(TcpHeader.TOO_SHORT, h.wrap(MemorySegment.ofArray(b), 0, 19));
        assertEquals(TcpHeader.TOO_SHORT, h.wrap(MemorySegment.ofArray(b), 30, 20));
        b[12] = 0x40; // 4 words
        assertEquals(TcpHeader.BAD_DATA_OFFSET, h.wrap(MemorySegment.ofArray(b), 0, 40));
        b[12] = (byte) 0xF0; // 60 bytes > 40
        assertEquals(TcpHeader.BAD_DATA_OFFSET, h.wrap(MemorySegment.ofArray(b), 0, 40));
        b[12] = 0x50;
        assertEquals(TcpHeader.VALID, h.wrap(MemorySegment.ofArray(b), 0, 40));
        assertEquals(20, h.payloadLength());
    }

    @Test
    void malformedOptions() {
        TcpOptions o = new TcpOptions();
        assertEquals(TcpOptions.MALFORMED, parse(o, 2, 0));          // length 0 (RFC 9293 MUST-7)
        assertEquals(TcpOptions.MALFORMED, parse(o, 2, 1));          // length 1
        assertEquals(TcpOptions.MALFORMED, parse(o, 2, 8, 0, 0));    // runs past the end
        assertEquals(TcpOptions.MALFORMED, parse(o, 1, 1, 2));       // kind without length byte
        assertEquals(TcpOptions.OK, parse(o, 0, 2, 0));              // after EOL nothing is read
        assertEquals(TcpOptions.OK, parse(o, 2, 3, 5));              // MSS of the wrong length: ignored
        assertEquals(-1, o.mss);
        assertEquals(1, o.ignored());
        assertEquals(TcpOptions.OK, parse(o, 99, 4, 1, 2));          // unknown kind: ignored (MUST-6)
        assertEquals(1, o.ignored());
        assertEquals(TcpOptions.OK, parse(o, 3, 3, 20));             // window scale 20 -> 14 (RFC 7323 §2.3)
        assertEquals(14, o.windowScale);
        assertEquals(TcpOptions.OK, parse(o, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9));
        assertEquals(1, o.sackBlocks);
        assertEquals(1, o.sackLeft[0]);
        assertEquals(9, o.sackRight[0]);
        assertEquals(TcpOptions.OK, parse(o, 5, 7, 0, 0, 0, 1, 0)); // SACK not a multiple of 8: ignored
        assertEquals(0, o.sackBlocks);
        assertFalse(o.timestamps);
    }

    @Test
    void sackBlocksRoundTrip() {
        TcpOptions o = new TcpOptions();
        o.timestamps = true;
        o.tsVal = 7;
        o.tsEcr = 8;
        o.sackBlocks = 3;
        for (int i = 0; i < 3; i++) {
            o.sackLeft[i] = 100 * i;
            o.sackRight[i] = 100 * i + 50;
        }
        byte[] b = new byte[40];
        int n = o.write(MemorySegment.ofArray(b), 0);
        assertEquals(40, n);
        TcpOptions p = new TcpOptions();
        assertEquals(TcpOptions.OK, p.parse(MemorySegment.ofArray(b), 0, n));
        assertEquals(3, p.sackBlocks);
        assertEquals(250, p.sackRight[2]);
        assertEquals(8, p.tsEcr);
    }

    private static int parse(TcpOptions o, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return o.parse(MemorySegment.ofArray(b), 0, b.length);
    }
}
