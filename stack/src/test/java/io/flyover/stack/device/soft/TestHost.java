package io.flyover.stack.device.soft;

import io.flyover.stack.Pollable;
import io.flyover.stack.RandomSource;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A minimal endpoint for device and simulator tests: sends numbered frames on a schedule
 * (EtherType 0x88B5, local experimental), answers requests when asked, and records every arrival with
 * its sequence number, time and whether its CRC32 trailer still matches (corruption shows).
 */
public final class TestHost implements Pollable, AutoCloseable {
    public static final int ETHER_TYPE = 0x88B5;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    /** A frame that arrived. */
    public record Arrival(int seq, int kind, long srcMac, long timeNanos, boolean intact, int length) {}

    private record Send(long atNanos, long dstMac, int kind, int seq, int payload) {}

    private final NetDevice device;
    private final RandomSource random;
    private final FramePool pool;
    private final FrameCache cache;
    private final FrameBurst burst = new FrameBurst(32);
    private final FrameBurst txBurst = new FrameBurst(1);
    private final ArrayDeque<Send> schedule = new ArrayDeque<>();
    private final List<Arrival> arrivals = new ArrayList<>();
    private final long mac;
    private boolean echo;
    private long sent;
    private long refused;

    public TestHost(NetDevice device, RandomSource random) {
        this.device = device;
        this.random = random;
        this.pool = device.pool();
        this.cache = pool.newCache(32);
        this.mac = device.capabilities().mac();
    }

    public long mac() { return mac; }
    public NetDevice device() { return device; }
    public List<Arrival> arrivals() { return arrivals; }
    public long sent() { return sent; }
    public long refused() { return refused; }

    /** Answers every request with a reply carrying the same sequence number. */
    public TestHost echo(boolean on) {
        this.echo = on;
        return this;
    }

    /** Schedules {@code count} requests to {@code dstMac}, {@code interval} apart from {@code start}. */
    public TestHost stream(long dstMac, int count, long startNanos, long intervalNanos, int payload) {
        for (int i = 0; i < count; i++) {
            schedule.add(new Send(startNanos + i * intervalNanos, dstMac, REQUEST, i, payload));
        }
        return this;
    }

    public boolean done() {
        return schedule.isEmpty();
    }

    @Override
    public long poll(long nowNanos) {
        int queues = device.capabilities().rxQueues();
        for (int q = 0; q < queues; q++) {
            int n;
            do {
                burst.clear();
                n = device.receive(q, burst, nowNanos);
                for (int i = 0; i < n; i++) {
                    handle(burst.get(i), nowNanos);
                }
            } while (n == burst.capacity());
        }
        burst.clear();
        while (!schedule.isEmpty() && schedule.peek().atNanos() <= nowNanos) {
            Send s = schedule.poll();
            send(s.dstMac(), s.kind(), s.seq(), s.payload(), nowNanos);
        }
        return schedule.isEmpty() ? Long.MAX_VALUE : schedule.peek().atNanos();
    }

    private void handle(int frame, long nowNanos) {
        byte[] bytes = TestFrames.bytesOf(pool, frame);
        cache.release(frame);
        if (bytes.length < 14 + 5 + 4) {
            arrivals.add(new Arrival(-1, 0, 0, nowNanos, false, bytes.length));
            return;
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        int trailer = java.nio.ByteBuffer.wrap(bytes).getInt(bytes.length - 4);
        boolean intact = (int) crc.getValue() == trailer;
        int kind = bytes[14];
        int seq = java.nio.ByteBuffer.wrap(bytes).getInt(15);
        long src = TestFrames.macAt(bytes, 6);
        arrivals.add(new Arrival(seq, kind, src, nowNanos, intact, bytes.length));
        if (echo && intact && kind == REQUEST) {
            send(src, REPLY, seq, bytes.length - 23, nowNanos);
        }
    }

    /** Builds and transmits one frame now. */
    public void send(long dstMac, int kind, int seq, int payload, long nowNanos) {
        int frame = cache.acquire();
        if (frame == FramePool.NO_FRAME) {
            refused++;
            return;
        }
        int length = 14 + 1 + 4 + payload + 4;
        pool.setData(frame, pool.headroom(), length);
        MemorySegment r = pool.region();
        long at = pool.dataAddress(frame);
        byte[] bytes = new byte[length];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        TestFrames.putMac(b, dstMac);
        TestFrames.putMac(b, mac);
        b.putShort((short) ETHER_TYPE).put((byte) kind).putInt(seq);
        for (int i = 0; i < payload; i++) {
            b.put((byte) random.nextInt(256));
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length - 4);
        b.putInt((int) crc.getValue());
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, r, at, length);
        txBurst.clear();
        txBurst.add(frame);
        int accepted = device.transmit(0, txBurst, nowNanos);
        if (accepted == 0) {
            cache.release(frame);
            refused++;
        } else {
            sent++;
        }
        txBurst.clear();
    }

    @Override
    public void close() {
        cache.close();
    }
}
