package io.flyover.stack.device.soft;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.ForwardingNetDevice;
import io.flyover.stack.device.NetDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A decorator that records every frame the stack receives and transmits through a device into a
 * classic libpcap file ({@code LINKTYPE_ETHERNET}, nanosecond-resolution magic {@code 0xa1b23c4d},
 * little-endian), stamped with the {@code nowNanos} of the call, which {@code tcpdump -r} and
 * Wireshark read.
 *
 * <p>Records go into one reused direct buffer, written to the channel when it fills, on
 * {@link #flush()} and on {@link #close()}: recording allocates nothing per frame. Transmitted frames
 * are recorded only when the inner device accepted them. A write error stops the recording (see
 * {@link #error()}); it never disturbs the traffic.
 */
public final class PcapTap extends ForwardingNetDevice {
    /** Nanosecond-resolution pcap magic (libpcap {@code NSEC_TCPDUMP_MAGIC}). */
    public static final int MAGIC_NANOS = 0xA1B2_3C4D;
    public static final int LINKTYPE_ETHERNET = 1;
    private static final int RECORD_HEADER = 16;
    private static final int GLOBAL_HEADER = 24;

    private final WritableByteChannel channel;
    private final int snapLength;
    private ByteBuffer buffer;
    private MemorySegment bufferSegment;
    private int[] recordEnds = new int[0];
    private IOException error;
    private long recorded;
    private boolean closed;

    /** Records into {@code channel}, which the tap closes on {@link #close()}. */
    public PcapTap(NetDevice inner, WritableByteChannel channel) {
        super(inner);
        this.channel = channel;
        this.snapLength = inner.pool().frameSize();
        allocateBuffer(Math.max(64 * 1024, 32 * (RECORD_HEADER + snapLength)));
        buffer.putInt(MAGIC_NANOS);
        buffer.putShort((short) 2).putShort((short) 4); // version 2.4
        buffer.putInt(0).putInt(0);                     // thiszone, sigfigs
        buffer.putInt(snapLength);
        buffer.putInt(LINKTYPE_ETHERNET);
    }

    /** Creates (or truncates) {@code file} and records into it. */
    public static PcapTap toFile(NetDevice inner, Path file) throws IOException {
        return new PcapTap(inner, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING));
    }

    private void allocateBuffer(int capacity) {
        ByteBuffer fresh = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        if (buffer != null) {
            buffer.flip();
            fresh.put(buffer);
        }
        buffer = fresh;
        bufferSegment = MemorySegment.ofBuffer(fresh);
    }

    /** Frames written (or waiting in the buffer to be written). */
    public long recorded() { return recorded; }
    /** The write error that stopped the recording, or null. */
    public IOException error() { return error; }

    @Override public String name() { return "pcap:" + inner.name(); }

    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        int before = into.count();
        int n = inner.receive(queue, into, nowNanos);
        if (recording()) {
            ensureRoom(n);
            for (int i = 0; i < n; i++) {
                append(into.get(before + i), nowNanos);
            }
            recorded += n;
        }
        return n;
    }

    @Override
    public int transmit(int queue, FrameBurst frames, long nowNanos) {
        if (!recording()) {
            return inner.transmit(queue, frames, nowNanos);
        }
        // Stage the records first (the inner device may free the frames), keep those it accepted.
        int count = frames.count();
        ensureRoom(count);
        if (recordEnds.length < count) {
            recordEnds = new int[count];
        }
        int start = buffer.position();
        for (int i = 0; i < count; i++) {
            append(frames.get(i), nowNanos);
            recordEnds[i] = buffer.position();
        }
        int accepted = inner.transmit(queue, frames, nowNanos);
        buffer.position(accepted == 0 ? start : recordEnds[accepted - 1]);
        recorded += accepted;
        return accepted;
    }

    private boolean recording() {
        return error == null && !closed;
    }

    /** Makes room for {@code frames} records of the largest size, writing out or growing the buffer. */
    private void ensureRoom(int frames) {
        int needed = frames * (RECORD_HEADER + snapLength);
        if (buffer.remaining() >= needed) {
            return;
        }
        flush();
        if (buffer.remaining() < needed) {
            allocateBuffer(buffer.position() + needed); // a burst larger than any before: once
        }
    }

    private void append(int frame, long nowNanos) {
        FramePool pool = inner.pool();
        int length = pool.dataLength(frame);
        int captured = Math.min(length, snapLength);
        buffer.putInt((int) Math.floorDiv(nowNanos, 1_000_000_000L));
        buffer.putInt((int) Math.floorMod(nowNanos, 1_000_000_000L));
        buffer.putInt(captured);
        buffer.putInt(length);
        int at = buffer.position();
        MemorySegment.copy(pool.region(), pool.dataAddress(frame), bufferSegment, at, captured);
        buffer.position(at + captured);
    }

    /** Writes buffered records to the channel. */
    public void flush() {
        if (error != null) {
            return;
        }
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            error = e;
        }
        buffer.clear();
    }

    /** Writes what is buffered, closes the file and the inner device. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        flush();
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            if (error == null) {
                error = e;
            }
        }
        inner.close();
    }
}
