package io.flyover.stack;

import static io.flyover.stack.RawTcpPeer.ACK;
import static io.flyover.stack.RawTcpPeer.FIN;
import static io.flyover.stack.RawTcpPeer.PSH;
import static io.flyover.stack.RawTcpPeer.RST;
import static io.flyover.stack.RawTcpPeer.SYN;
import static io.flyover.stack.RawTcpPeer.URG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.stack.RawTcpPeer.Segment;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpState;
import io.flyover.stack.wire.TcpOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile TCP input at stack level (complementing the layer-level {@code TcpBadInputTest}): whole
 * Ethernet/IP/TCP frames with valid checksums, from a raw peer, at a real {@link Stack}. Every one of
 * the 256 flag combinations against a listener, a SYN-RECEIVED and an ESTABLISHED connection; bad data
 * offsets; malformed options; out-of-window segments and old duplicates; forged RSTs and SYNs
 * (RFC 5961). Nothing throws, each segment is dropped and counted or answered as the RFCs say, and the
 * connection (or the listener) still carries data afterwards. Both address families.
 */
class StackTcpBadInputTest {
    static final int PORT = 80;
    static final int WINDOW = 65535;
    static final byte[] NONE = new byte[0];
    static final byte[] X = {'x'};

    /** The peer's view of one connection: the next sequence number it sends and the next it expects. */
    static final class Peer {
        final int port;
        int seq;
        int ack;
        boolean finSent;
        TcpConnection socket;

        Peer(int port, int seq, int ack) {
            this.port = port;
            this.seq = seq;
            this.ack = ack;
        }
    }

    RawTcpPeer p;
    Stack stack;
    TcpListener listener;

    private void start(boolean v6) {
        p = new RawTcpPeer(v6);
        stack = p.stackUnderTest();
        listener = stack.tcp().listen(0, 0, PORT, 64, null);
    }

    private long drops(DropReason reason) {
        return stack.counters().drops(reason);
    }

    private void send(Peer k, int flags, int seq, int ack, byte[] payload) {
        p.send(k.port, PORT, seq, ack, flags, WINDOW, null, payload);
    }

    private static int isnFor(int port) {
        return 0x1234_0000 + port * 7919;
    }

    /** Sends a SYN from {@code port}; returns the peer's side of the SYN-RECEIVED connection. */
    private Peer synReceived(int port, TcpOptions options) {
        int isn = isnFor(port);
        p.send(port, PORT, isn, 0, SYN, WINDOW, options, NONE);
        List<Segment> out = p.exchange();
        assertEquals(1, out.size(), out::toString);
        Segment synAck = out.get(0);
        assertEquals(SYN | ACK, synAck.flags(), synAck::toString);
        assertEquals(isn + 1, synAck.ack());
        return new Peer(port, isn + 1, synAck.seq() + 1);
    }

    /** A complete handshake from {@code port}, accepted by the application. */
    private Peer established(int port, TcpOptions options) {
        Peer k = synReceived(port, options);
        send(k, ACK, k.seq, k.ack, NONE);
        assertEquals(List.of(), p.exchange());
        k.socket = listener.accept();
        assertNotNull(k.socket);
        assertEquals(TcpState.ESTABLISHED, k.socket.state());
        return k;
    }

    private Peer established(int port) {
        TcpOptions mss = new TcpOptions();
        mss.mss = 1460;
        return established(port, mss);
    }

    /**
     * Both directions still carry data: the application's bytes reach the peer in one segment at the
     * expected sequence number, and (unless the peer sent its FIN) the peer's bytes reach the application.
     */
    private void assertTransfers(Peer k) {
        byte[] out = ("from the stack to " + k.port).getBytes(StandardCharsets.US_ASCII);
        assertEquals(out.length, k.socket.write(out, 0, out.length));
        List<Segment> sent = p.exchange();
        Segment data = sent.stream().filter(s -> s.payload().length > 0).findFirst().orElse(null);
        assertNotNull(data, sent::toString);
        assertEquals(k.ack, data.seq(), data::toString);
        assertArrayEquals(out, data.payload());
        k.ack += out.length;
        if (k.finSent) {
            send(k, ACK, k.seq, k.ack, NONE);
            p.exchange();
            return;
        }
        byte[] in = ("from the peer on " + k.port).getBytes(StandardCharsets.US_ASCII);
        send(k, ACK | PSH, k.seq, k.ack, in);
        k.seq += in.length;
        p.exchange();
        byte[] got = new byte[in.length + 1];
        assertEquals(in.length, k.socket.read(got, 0, got.length));
        assertArrayEquals(in, java.util.Arrays.copyOf(got, in.length));
    }

    /** ABORT (RFC 9293 §3.10.5): the application resets the connection; the peer sees the RST. */
    private void abort(Peer k) {
        k.socket.abort(p.raw.now);
        List<Segment> out = p.exchange();
        assertEquals(1, out.size(), out::toString);
        assertTrue(out.get(0).has(RST), out::toString);
        assertEquals(k.ack, out.get(0).seq());
        assertEquals(0, stack.tcp().connectionCount());
    }

    /** Checks that no connection is left, closes the listener and stack, and that no frame leaked. */
    private void finish() {
        try {
            p.exchange();
            assertEquals(0, stack.tcp().connectionCount());
        } finally {
            listener.close(p.raw.now);
            p.close(); // checks that no frame leaked
        }
    }

    private static boolean badFlags(int f) {
        return (f & SYN) != 0 && (f & (RST | FIN)) != 0;
    }

    // --- 256 flag combinations -----------------------------------------------------------------

    /** RFC 9293 §3.10.7.2: LISTEN. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyFlagCombinationAtAListener(boolean v6) {
        start(v6);
        for (int f = 0; f < 256; f++) {
            int flags = f;
            int port = 10_000 + f;
            int seq = isnFor(port);
            int ack = 0x5555_0000 + f;
            Supplier<String> what = () -> "flags " + RawTcpPeer.flagNames(flags);
            long badFlags = drops(DropReason.TCP_BAD_FLAGS);
            long rstIgnored = drops(DropReason.TCP_RST_IGNORED);
            long noAck = drops(DropReason.TCP_NO_ACK_FLAG);
            long badAck = drops(DropReason.TCP_BAD_ACK) + drops(DropReason.TCP_BAD_SYN_COOKIE);
            p.send(port, PORT, seq, ack, flags, WINDOW, null, NONE);
            List<Segment> out = p.exchange();
            if (badFlags(flags)) {
                assertEquals(badFlags + 1, drops(DropReason.TCP_BAD_FLAGS), what);
                assertEquals(List.of(), out, what);
            } else if ((flags & RST) != 0) {
                // "An incoming RST segment could not be valid since it could not have been sent in response
                // to anything sent by this incarnation of the connection. An incoming RST should be ignored."
                assertEquals(rstIgnored + 1, drops(DropReason.TCP_RST_IGNORED), what);
                assertEquals(List.of(), out, what);
            } else if ((flags & ACK) != 0) {
                // "Any acknowledgment is bad if it arrives on a connection still in the LISTEN state. An
                // acceptable reset segment should be formed for any arriving ACK-bearing segment":
                // <SEQ=SEG.ACK><CTL=RST>
                assertEquals(badAck + 1, drops(DropReason.TCP_BAD_ACK) + drops(DropReason.TCP_BAD_SYN_COOKIE), what);
                assertEquals(1, out.size(), what);
                assertEquals(RST, out.get(0).flags(), what);
                assertEquals(ack, out.get(0).seq(), what);
            } else if ((flags & SYN) != 0) {
                // A SYN (whatever else it carries but ACK, RST, FIN) opens: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
                // ECE and CWR ask for ECN (RFC 3168 §6.1.1), which the stack does not offer.
                assertEquals(1, out.size(), what);
                Segment synAck = out.get(0);
                assertEquals(SYN | ACK, synAck.flags(), what);
                assertEquals(seq + 1, synAck.ack(), what);
                Peer k = new Peer(port, seq + 1, synAck.seq() + 1);
                send(k, RST, k.seq, 0, NONE); // back to LISTEN (§3.10.7.4 second)
                assertEquals(List.of(), p.exchange());
            } else {
                // "fourth, other text or control: ... drop the segment and return"
                assertEquals(noAck + 1, drops(DropReason.TCP_NO_ACK_FLAG), what);
                assertEquals(List.of(), out, what);
            }
            assertEquals(0, stack.tcp().connectionCount(), what);
        }
        Peer k = established(20_000);
        assertTransfers(k);
        abort(k);
        finish();
    }

    /** RFC 9293 §3.10.7.4 in SYN-RECEIVED (passive open), each combination at RCV.NXT with an acceptable ACK. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyFlagCombinationInSynReceived(boolean v6) {
        start(v6);
        for (int f = 0; f < 256; f++) {
            int flags = f;
            Supplier<String> what = () -> "flags " + RawTcpPeer.flagNames(flags);
            int port = 10_000 + f;
            Peer k = synReceived(port, null);
            byte[] payload = (flags & (SYN | RST)) == 0 ? X : NONE;
            long badFlags = drops(DropReason.TCP_BAD_FLAGS);
            long synInWindow = drops(DropReason.TCP_SYN_IN_WINDOW);
            long noAck = drops(DropReason.TCP_NO_ACK_FLAG);
            send(k, flags, k.seq, k.ack, payload);
            List<Segment> out = p.exchange();
            boolean stillOpening = false;
            if (badFlags(flags)) {
                assertEquals(badFlags + 1, drops(DropReason.TCP_BAD_FLAGS), what);
                assertEquals(List.of(), out, what);
                stillOpening = true;
            } else if ((flags & RST) != 0) {
                // second: "If this connection was initiated with a passive OPEN ... return this connection
                // to LISTEN state" (an exact RST: SEG.SEQ = RCV.NXT, RFC 5961 §3.2)
                assertEquals(List.of(), out, what);
                assertEquals(0, stack.tcp().connectionCount(), what);
            } else if ((flags & SYN) != 0) {
                // fourth: "SYN-RECEIVED STATE: If the connection was initiated with a passive OPEN, then
                // return this connection to the LISTEN state and return."
                assertEquals(synInWindow + 1, drops(DropReason.TCP_SYN_IN_WINDOW), what);
                assertEquals(List.of(), out, what);
                assertEquals(0, stack.tcp().connectionCount(), what);
            } else if ((flags & ACK) == 0) {
                // fifth: "if the ACK bit is off, drop the segment and return"
                assertEquals(noAck + 1, drops(DropReason.TCP_NO_ACK_FLAG), what);
                assertEquals(List.of(), out, what);
                stillOpening = true;
            } else {
                // fifth: an acceptable ACK enters ESTABLISHED; the byte (and FIN) are taken and acknowledged.
                int fin = (flags & FIN) != 0 ? 1 : 0;
                k.seq += 1 + fin;
                k.finSent = fin == 1;
                assertEquals(1, out.size(), what);
                assertEquals(ACK, out.get(0).flags(), what);
                assertEquals(k.seq, out.get(0).ack(), what);
                k.socket = listener.accept();
                assertNotNull(k.socket, what);
                assertEquals(fin == 1 ? TcpState.CLOSE_WAIT : TcpState.ESTABLISHED, k.socket.state(), what);
                byte[] got = new byte[2];
                if ((flags & URG) == 0) {
                    assertEquals(1, k.socket.read(got, 0, 2), what);
                    assertEquals('x', got[0], what);
                } // else a zero urgent pointer makes 'x' the urgent byte, which leaves the stream (as in ESTABLISHED)
                assertEquals(fin == 1 ? TcpConnection.EOF : 0, k.socket.read(got, 0, 2), what);
            }
            if (k.socket == null) {
                if (stillOpening) {
                    assertEquals(1, stack.tcp().connectionCount(), what);
                    send(k, ACK, k.seq, k.ack, NONE); // the handshake completes as if nothing happened
                    p.exchange();
                    k.socket = listener.accept();
                    assertNotNull(k.socket, what);
                } else {
                    k = established(port); // the listener opens the same 4-tuple again
                }
            }
            assertTransfers(k);
            abort(k);
        }
        finish();
    }

    /** RFC 9293 §3.10.7.4 (with RFC 5961) in ESTABLISHED, each combination at RCV.NXT with an acceptable ACK. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyFlagCombinationInEstablished(boolean v6) {
        start(v6);
        for (int f = 0; f < 256; f++) {
            int flags = f;
            Supplier<String> what = () -> "flags " + RawTcpPeer.flagNames(flags);
            Peer k = established(10_000 + f);
            byte[] payload = (flags & (SYN | RST)) == 0 ? X : NONE;
            long badFlags = drops(DropReason.TCP_BAD_FLAGS);
            long synInWindow = drops(DropReason.TCP_SYN_IN_WINDOW);
            long noAck = drops(DropReason.TCP_NO_ACK_FLAG);
            send(k, flags, k.seq, k.ack, payload);
            List<Segment> out = p.exchange();
            if (badFlags(flags)) {
                assertEquals(badFlags + 1, drops(DropReason.TCP_BAD_FLAGS), what);
                assertEquals(List.of(), out, what);
            } else if ((flags & RST) != 0) {
                // RFC 5961 §3.2: a RST exactly at RCV.NXT resets the connection; nothing is answered.
                assertEquals(List.of(), out, what);
                assertEquals(TcpState.CLOSED, k.socket.state(), what);
                assertEquals(TcpConnection.Error.RESET, k.socket.error(), what);
                assertEquals(0, stack.tcp().connectionCount(), what);
                k = established(10_000 + f); // the same 4-tuple opens again
            } else if ((flags & SYN) != 0) {
                // RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK and changes nothing.
                assertEquals(synInWindow + 1, drops(DropReason.TCP_SYN_IN_WINDOW), what);
                assertEquals(1, out.size(), what);
                assertEquals(ACK, out.get(0).flags(), what);
                assertEquals(k.ack, out.get(0).seq(), what);
                assertEquals(k.seq, out.get(0).ack(), what);
                assertEquals(TcpState.ESTABLISHED, k.socket.state(), what);
            } else if ((flags & ACK) == 0) {
                assertEquals(noAck + 1, drops(DropReason.TCP_NO_ACK_FLAG), what);
                assertEquals(List.of(), out, what);
                assertEquals(0, k.socket.bytesToRead(), what);
            } else {
                // The byte is taken and, this early in the connection, acknowledged at once (quick ACKs); a FIN
                // half-closes. With URG and a zero urgent pointer the byte at SEG.SEQ is the urgent byte (Linux's
                // tcp_check_urg): counted in RCV.NXT, but without SO_OOBINLINE the reader never sees it.
                int fin = (flags & FIN) != 0 ? 1 : 0;
                k.seq += 1 + fin;
                k.finSent = fin == 1;
                assertEquals(1, out.size(), what);
                assertEquals(ACK, out.get(0).flags(), what);
                assertEquals(k.seq, out.get(0).ack(), what);
                byte[] got = new byte[2];
                int expected = (flags & URG) == 0 ? 1 : fin == 1 ? TcpConnection.EOF : 0;
                assertEquals(expected, k.socket.read(got, 0, 2), what);
                assertEquals(fin == 1 ? TcpState.CLOSE_WAIT : TcpState.ESTABLISHED, k.socket.state(), what);
            }
            assertTransfers(k);
            abort(k);
        }
        finish();
    }

    // --- malformed headers and options ---------------------------------------------------------------

    /** RFC 9293 §3.1: the data offset must cover at least the 20-byte header and lie within the segment. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void badDataOffsetsAreDroppedAndCounted(boolean v6) {
        start(v6);
        Peer k = established(10_000);
        for (int words = 0; words < 16; words++) {
            // 24 bytes of TCP: the fixed header and four zero bytes (an end-of-options list, or data)
            byte[] header = RawTcpPeer.tcpHeader(k.port, PORT, k.seq, k.ack, words, ACK, WINDOW, new byte[4]);
            p.sendTcp(header, NONE);
            List<Segment> out = p.exchange();
            if (words == 5) {
                k.seq += 4; // four bytes of data, taken and acknowledged
                assertEquals(1, out.size());
                assertEquals(k.seq, out.get(0).ack());
                assertEquals(4, k.socket.read(new byte[8], 0, 8));
            } else {
                assertEquals(List.of(), out, "data offset " + words);
            }
        }
        assertEquals(5 + 9, drops(DropReason.TCP_BAD_DATA_OFFSET)); // 0-4 words, and 7-15 past the end
        assertEquals(TcpState.ESTABLISHED, k.socket.state());
        assertTransfers(k);
        abort(k);
        finish();
    }

    /**
     * RFC 9293 §3.1 (MUST-7): an option whose length is impossible makes the segment malformed: it is dropped
     * and counted. Known options of the wrong size and unknown options are skipped (§3.2, MUST-6), and
     * nonsense inside well-formed options (MSS 0 or 1, window scale above 14, SACK blocks that cover nothing
     * sent) is bounded, never trusted.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void malformedOptionsAreDroppedOrIgnoredAndTheConnectionGoesOn(boolean v6) {
        start(v6);
        TcpOptions offer = new TcpOptions();
        offer.mss = 1460;
        offer.sackPermitted = true;
        Peer k = established(10_000, offer);
        byte[][] malformed = {
                {8, 0, 0, 0},              // timestamps, length 0
                {8, 1, 0, 0},              // length 1
                {2, 8, 5, 0xB4 - 256},     // MSS claiming 8 bytes, 4 left
                {1, 1, 1, 3},              // window scale: kind, then no room for its length
                {(byte) 0xFE, 40, 0, 0},   // experimental option running past the header
        };
        for (byte[] options : malformed) {
            long before = drops(DropReason.TCP_BAD_OPTIONS);
            p.sendTcp(RawTcpPeer.tcpHeader(k.port, PORT, k.seq, k.ack, 6, ACK | PSH, WINDOW, options), X);
            assertEquals(List.of(), p.exchange(), java.util.Arrays.toString(options));
            assertEquals(before + 1, drops(DropReason.TCP_BAD_OPTIONS), java.util.Arrays.toString(options));
            assertEquals(0, k.socket.bytesToRead());
        }
        byte[][] skipped = {
                {2, 3, 0, 1},              // MSS of the wrong length, outside a SYN anyway
                {8, 6, 0, 0, 0, 0, 1, 1},  // timestamps of the wrong length
                {5, 7, 0, 0, 0, 0, 0, 1},  // SACK of an impossible length
                {(byte) 0xFD, 4, 1, 2},    // an unknown kind
        };
        for (byte[] options : skipped) {
            p.sendTcp(RawTcpPeer.tcpHeader(k.port, PORT, k.seq, k.ack, 5 + options.length / 4, ACK | PSH, WINDOW,
                    options), X);
            k.seq++;
            p.exchange();
            assertEquals(1, k.socket.read(new byte[4], 0, 4), java.util.Arrays.toString(options));
        }
        // SACK blocks reversed, far outside what was sent, and covering SND.UNA itself: nothing to act on.
        TcpOptions sack = new TcpOptions();
        int[][] blocks = {{k.ack + 100, k.ack + 50}, {k.ack - 1_000_000, k.ack - 999_000},
                {k.ack + (1 << 30), k.ack + (1 << 30) + 8}, {k.ack - 10, k.ack + 10}};
        sack.sackBlocks = blocks.length;
        for (int i = 0; i < blocks.length; i++) {
            sack.sackLeft[i] = blocks[i][0];
            sack.sackRight[i] = blocks[i][1];
        }
        for (int i = 0; i < 4; i++) {
            p.send(k.port, PORT, k.seq, k.ack, ACK, WINDOW, sack, NONE);
            assertFalse(p.exchange().stream().anyMatch(s -> s.has(RST)));
        }
        assertEquals(TcpState.ESTABLISHED, k.socket.state());
        assertTransfers(k);
        abort(k);

        // A SYN's bounded nonsense: MSS 1 (the stack sends at least 64 bytes a segment), window scale 200
        // (taken as 14, RFC 7323 §2.3), and the SYN-ACK still answers.
        TcpOptions silly = new TcpOptions();
        silly.mss = 1;
        silly.windowScale = 14;
        byte[] raw = new byte[8];
        silly.write(java.lang.foreign.MemorySegment.ofArray(raw), 0);
        raw[7] = (byte) 200; // the window scale's shift, past the 14 RFC 7323 allows
        int port = 10_001;
        p.sendTcp(RawTcpPeer.tcpHeader(port, PORT, isnFor(port), 0, 7, SYN, WINDOW, raw), NONE);
        List<Segment> out = p.exchange();
        assertEquals(1, out.size(), out::toString);
        assertEquals(SYN | ACK, out.get(0).flags());
        Peer s = new Peer(port, isnFor(port) + 1, out.get(0).seq() + 1);
        send(s, ACK, s.seq, s.ack, NONE);
        p.exchange();
        s.socket = listener.accept();
        assertNotNull(s.socket);
        assertEquals(64, s.socket.sendMss());
        byte[] big = new byte[200];
        assertEquals(200, s.socket.write(big, 0, 200));
        List<Segment> segments = p.exchange();
        assertTrue(segments.size() >= 1 && segments.get(0).payload().length == 64, segments::toString);
        Segment last = segments.get(segments.size() - 1);
        s.ack = last.seq() + last.payload().length; // the RST of the abort carries SND.NXT
        abort(s);
        finish();
    }

    // --- sequence space: out of window, old duplicates, blind attacks -----------------------------------

    /**
     * RFC 9293 §3.10.7.4 first: a segment outside the window is answered by an ACK and dropped; an old
     * duplicate (all before RCV.NXT) likewise; one straddling RCV.NXT gives only its new bytes. RFC 5961
     * §5.2: an ACK beyond SND.NXT is answered by an ACK and dropped, one older than SND.UNA - MAX.SND.WND
     * gets a challenge ACK and its data is not taken (blind data injection).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void outOfWindowSegmentsAndOldDuplicatesChangeNothing(boolean v6) {
        start(v6);
        Peer k = established(10_000);
        byte[] first = "0123456789".getBytes(StandardCharsets.US_ASCII);
        send(k, ACK | PSH, k.seq, k.ack, first);
        p.exchange();
        assertEquals(10, k.socket.read(new byte[16], 0, 16));
        int start = k.seq;
        k.seq += 10;
        int window = k.socket.bytesToRead() + 256 * 1024;

        long outOfWindow = drops(DropReason.TCP_OUT_OF_WINDOW);
        send(k, ACK | PSH, start, k.ack, first);                         // old duplicate
        send(k, ACK | PSH, k.seq + window + 1000, k.ack, first);          // beyond the window
        send(k, ACK | PSH, k.seq - 1_000_000_000, k.ack, first);          // far in the past
        List<Segment> out = p.exchange();
        assertEquals(outOfWindow + 3, drops(DropReason.TCP_OUT_OF_WINDOW));
        assertEquals(3, out.size(), out::toString);
        for (Segment s : out) {
            assertEquals(ACK, s.flags());
            assertEquals(k.seq, s.ack()); // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
        }
        assertEquals(0, k.socket.bytesToRead());

        // Straddling RCV.NXT: five old bytes, five new.
        byte[] straddle = "56789ABCDE".getBytes(StandardCharsets.US_ASCII);
        send(k, ACK | PSH, k.seq - 5, k.ack, straddle);
        k.seq += 5;
        p.exchange();
        byte[] got = new byte[16];
        assertEquals(5, k.socket.read(got, 0, 16));
        assertEquals("ABCDE", new String(got, 0, 5, StandardCharsets.US_ASCII));

        // RFC 5961 §5.2: data whose ACK acknowledges what was never sent, or is far too old, is not taken.
        long badAck = drops(DropReason.TCP_BAD_ACK);
        send(k, ACK | PSH, k.seq, k.ack + 100_000, first);
        send(k, ACK | PSH, k.seq, k.ack - 1_000_000_000, first);
        out = p.exchange();
        assertEquals(badAck + 2, drops(DropReason.TCP_BAD_ACK));
        assertEquals(0, k.socket.bytesToRead());
        assertEquals(2, out.size(), out::toString);
        assertTrue(out.stream().allMatch(s -> s.flags() == ACK && s.ack() == k.seq), out::toString);

        assertEquals(TcpState.ESTABLISHED, k.socket.state());
        assertTransfers(k);
        abort(k);
        finish();
    }

    /**
     * RFC 5961 §3 (blind reset) and §4 (blind SYN): thousands of RSTs and SYNs at random sequence numbers
     * never reset the connection; in-window ones get a (rate-limited, §7) challenge ACK, the rest a plain
     * ACK or nothing. No RST is ever answered with a RST.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void forgedRstsAndSynsNeverResetAConnection(boolean v6) {
        start(v6);
        Peer k = established(10_000);
        SeededRandom random = new SeededRandom(v6 ? 61 : 4);
        int rsts = 0;
        for (int i = 0; i < 5_000; i++) {
            int seq = (int) random.nextLong();
            if (seq == k.seq) {
                continue;
            }
            int flags = switch (i % 3) {
                case 0 -> RST;
                case 1 -> RST | ACK;
                default -> SYN;
            };
            send(k, flags, seq, (int) random.nextLong(), NONE);
            rsts += (flags & RST) != 0 ? 1 : 0;
            p.raw.now += 1_000_000; // one a millisecond: the challenge-ACK budget (§7) is not what stops them
            for (Segment s : p.exchange()) {
                assertFalse(s.has(RST), s::toString);
                assertEquals(ACK, s.flags(), s::toString);
                assertEquals(k.seq, s.ack(), s::toString);
            }
            assertEquals(TcpState.ESTABLISHED, k.socket.state());
        }
        // An in-window but inexact RST is counted as ignored (and challenged), never acted on.
        long ignored = drops(DropReason.TCP_RST_IGNORED);
        send(k, RST, k.seq + 1, 0, NONE);
        List<Segment> out = p.exchange();
        assertEquals(ignored + 1, drops(DropReason.TCP_RST_IGNORED));
        assertEquals(1, out.size());
        assertEquals(ACK, out.get(0).flags()); // the challenge ACK: a true peer answers it with an exact RST
        assertTrue(rsts > 3_000);
        assertEquals(TcpState.ESTABLISHED, k.socket.state());
        assertTransfers(k);
        // The exact RST a true peer would send resets it.
        send(k, RST, k.seq, 0, NONE);
        assertEquals(List.of(), p.exchange());
        assertEquals(TcpConnection.Error.RESET, k.socket.error());
        finish();
    }
}
