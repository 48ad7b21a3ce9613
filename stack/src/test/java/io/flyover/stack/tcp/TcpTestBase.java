package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.wire.TcpHeader;
import io.flyover.stack.wire.TcpHeaderValue;
import io.flyover.stack.wire.TcpOptions;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * State-test fixture in the style of smoltcp's socket tests: one TCP layer whose output is captured,
 * a peer simulated by crafting segments, helpers to bring a connection into each state.
 */
abstract class TcpTestBase {
    static final long LOCAL_HI = 0;
    static final long LOCAL_LO = 0x0000_FFFF_C612_0001L;   // ::ffff:198.18.0.1
    static final long REMOTE_HI = 0;
    static final long REMOTE_LO = 0x0000_FFFF_C612_0002L;  // ::ffff:198.18.0.2
    static final int LOCAL_PORT = 80;
    static final int REMOTE_PORT = 49500;
    static final int REMOTE_ISN = 10_000;
    static final int WINDOW = 4096;

    static final int FIN = TcpHeader.FIN, SYN = TcpHeader.SYN, RST = TcpHeader.RST, PSH = TcpHeader.PSH,
            ACK = TcpHeader.ACK_FLAG, URG = TcpHeader.URG;

    /** A segment as seen on the wire, compared field by field. */
    static final class Seg {
        int flags, seq, ack, window, urgentPointer;
        byte[] payload = new byte[0];
        final TcpOptions options = new TcpOptions();

        static Seg of(int flags, int seq, int ack) {
            Seg s = new Seg();
            s.flags = flags;
            s.seq = seq;
            s.ack = ack;
            s.window = WINDOW;
            return s;
        }

        Seg window(int w) { window = w; return this; }
        Seg payload(byte[] p) { payload = p; return this; }
        Seg payload(String p) { payload = p.getBytes(); return this; }
        Seg mss(int m) { options.mss = m; return this; }
        /** Sets URG and the urgent pointer. */
        Seg urgent(int pointer) { flags |= URG; urgentPointer = pointer; return this; }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Seg s)) return false;
            return flags == s.flags && seq == s.seq && ack == s.ack && window == s.window
                    && urgentPointer == s.urgentPointer
                    && Arrays.equals(payload, s.payload) && options.mss == s.options.mss
                    && options.windowScale == s.options.windowScale && options.sackPermitted == s.options.sackPermitted
                    && options.timestamps == s.options.timestamps && options.sackBlocks == s.options.sackBlocks;
        }

        @Override public int hashCode() { return seq; }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("[");
            if ((flags & SYN) != 0) b.append("SYN ");
            if ((flags & FIN) != 0) b.append("FIN ");
            if ((flags & RST) != 0) b.append("RST ");
            if ((flags & PSH) != 0) b.append("PSH ");
            if ((flags & ACK) != 0) b.append("ACK ");
            if ((flags & URG) != 0) b.append("URG up=").append(urgentPointer).append(' ');
            b.append("seq=").append(Integer.toUnsignedString(seq)).append(" ack=").append(Integer.toUnsignedString(ack))
                    .append(" win=").append(window).append(" len=").append(payload.length);
            if (options.mss >= 0) b.append(" mss=").append(options.mss);
            if (options.windowScale >= 0) b.append(" ws=").append(options.windowScale);
            if (options.sackPermitted) b.append(" sackOK");
            if (options.timestamps) b.append(" ts");
            if (options.sackBlocks > 0) b.append(" sack=").append(options.sackBlocks);
            return b.append(']').toString();
        }
    }

    /** Captures every segment TCP sends, parsed, and releases its frame. */
    final class Capture implements SegmentOutput {
        final List<Seg> sent = new ArrayList<>();

        @Override
        public boolean sendSegment(long localHi, long localLo, long remoteHi, long remoteLo, int frame) {
            TcpHeader h = new TcpHeader();
            MemorySegment region = pool.region();
            int r = h.wrap(region, pool.dataAddress(frame), pool.dataLength(frame));
            assertEquals(TcpHeader.VALID, r);
            Seg s = new Seg();
            s.flags = h.flags();
            s.seq = h.seq();
            s.ack = h.ack();
            s.window = h.window();
            s.urgentPointer = h.urgentPointer();
            s.payload = region.asSlice(h.payloadOffset(), h.payloadLength()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertEquals(TcpOptions.OK, s.options.parse(region, h.optionsOffset(), h.optionsLength()));
            assertEquals(LOCAL_LO, localLo);
            assertEquals(REMOTE_LO, remoteLo);
            sent.add(s);
            cache.release(frame);
            return true;
        }

        @Override
        public int pathMtu(long remoteHi, long remoteLo) { return 1500; }
    }

    FramePool pool;
    FrameCache cache;
    Capture out;
    TcpLayer layer;
    TcpSettings settings;
    long now = 1_000_000_000L;

    @BeforeEach
    void setUpLayer() {
        pool = FramePool.allocate(256);
        cache = pool.newCache(32);
        out = new Capture();
        settings = new TcpSettings();
        settings.timestamps = false;
        settings.sack = false;
        settings.windowScaling = false;
        settings.receiveBufferSize = WINDOW;
        settings.sendBufferSize = WINDOW;
        settings.congestion = TcpSettings.Congestion.NEW_RENO;
        layer = new TcpLayer(pool, cache, out, new SeededRandom(42), settings);
    }

    @AfterEach
    void checkFrames() {
        cache.close();
        pool.checkAllReturned();
        pool.close();
    }

    /** Injects a segment from the peer. */
    void send(Seg s) {
        int frame = cache.acquire();
        TcpHeaderValue h = new TcpHeaderValue();
        h.srcPort = REMOTE_PORT;
        h.dstPort = LOCAL_PORT;
        h.seq = s.seq;
        h.ack = s.ack;
        h.flags = s.flags;
        h.window = s.window;
        h.urgentPointer = s.urgentPointer;
        h.options.copyFrom(s.options);
        int at = pool.headroom();
        long base = pool.frameBase(frame) + at;
        int hl = h.writeTo(pool.region(), base);
        MemorySegment.copy(MemorySegment.ofArray(s.payload), 0, pool.region(), base + hl, s.payload.length);
        layer.receive(now, REMOTE_HI, REMOTE_LO, LOCAL_HI, LOCAL_LO, frame, at, hl + s.payload.length);
    }

    /** Asserts exactly these segments were sent since the last check, and clears the capture. */
    void expect(Seg... segs) {
        assertEquals(List.of(segs), new ArrayList<>(out.sent));
        out.sent.clear();
    }

    void expectNothing() { expect(); }

    void advance(long nanos) {
        now += nanos;
        layer.poll(now);
    }

    // --- states ----------------------------------------------------------------------------------

    TcpListener listener;

    TcpListener listen() {
        listener = layer.listen(0, 0, LOCAL_PORT, 4, settings);
        return listener;
    }

    TcpConnection synReceived() {
        listen();
        send(Seg.of(SYN, REMOTE_ISN, 0).mss(1460));
        TcpConnection c = layer.find(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT);
        expect(Seg.of(SYN | ACK, c.iss, REMOTE_ISN + 1).mss(1460));
        return c;
    }

    TcpConnection established() {
        TcpConnection c = synReceived();
        send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1));
        expectNothing();
        TcpConnection a = listener.accept();
        assertEquals(c, a);
        assertEquals(TcpState.ESTABLISHED, c.state());
        return c;
    }

    TcpConnection synSent() {
        TcpConnection c = layer.connect(LOCAL_HI, LOCAL_LO, LOCAL_PORT, REMOTE_HI, REMOTE_LO, REMOTE_PORT, settings, now);
        expect(Seg.of(SYN, c.iss, 0).mss(1460));
        return c;
    }

    TcpConnection finWait1() {
        TcpConnection c = established();
        c.close(now);
        layer.poll(now);
        expect(Seg.of(FIN | ACK, c.iss + 1, REMOTE_ISN + 1));
        assertEquals(TcpState.FIN_WAIT_1, c.state());
        return c;
    }

    TcpConnection finWait2() {
        TcpConnection c = finWait1();
        send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 2));
        expectNothing();
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        return c;
    }

    TcpConnection closeWait() {
        TcpConnection c = established();
        send(Seg.of(FIN | ACK, REMOTE_ISN + 1, c.iss + 1));
        expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 2).window(WINDOW - 1));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        return c;
    }

    TcpConnection lastAck() {
        TcpConnection c = closeWait();
        c.close(now);
        layer.poll(now);
        expect(Seg.of(FIN | ACK, c.iss + 1, REMOTE_ISN + 2).window(WINDOW - 1));
        assertEquals(TcpState.LAST_ACK, c.state());
        return c;
    }

    TcpConnection closing() {
        TcpConnection c = finWait1();
        send(Seg.of(FIN | ACK, REMOTE_ISN + 1, c.iss + 1));
        expect(Seg.of(ACK, c.iss + 2, REMOTE_ISN + 2).window(WINDOW - 1));
        assertEquals(TcpState.CLOSING, c.state());
        return c;
    }

    TcpConnection timeWait() {
        TcpConnection c = finWait2();
        send(Seg.of(FIN | ACK, REMOTE_ISN + 1, c.iss + 2));
        expect(Seg.of(ACK, c.iss + 2, REMOTE_ISN + 2).window(WINDOW - 1));
        assertEquals(TcpState.TIME_WAIT, c.state());
        return c;
    }
}
