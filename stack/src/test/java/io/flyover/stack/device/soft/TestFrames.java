package io.flyover.stack.device.soft;

import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Builds raw Ethernet frames for device tests (no dependency on the stack's wire layer). */
public final class TestFrames {
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private TestFrames() {}

    /** Copies {@code bytes} into a fresh frame of {@code cache}'s pool; returns its index. */
    public static int frameOf(FrameCache cache, byte[] bytes) {
        FramePool pool = cache.pool();
        int frame = cache.acquire();
        if (frame == FramePool.NO_FRAME) {
            throw new IllegalStateException("pool exhausted");
        }
        pool.setData(frame, pool.headroom(), bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, pool.region(), pool.dataAddress(frame), bytes.length);
        return frame;
    }

    /** The data bytes of {@code frame}. */
    public static byte[] bytesOf(FramePool pool, int frame) {
        byte[] out = new byte[pool.dataLength(frame)];
        MemorySegment.copy(pool.region(), pool.dataAddress(frame), MemorySegment.ofArray(out), 0, out.length);
        return out;
    }

    public static byte[] ethernet(long dst, long src, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short) etherType);
        b.put(payload);
        return b.array();
    }

    public static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32));
        b.putInt((int) mac);
    }

    public static long macAt(byte[] frame, int at) {
        return ByteBuffer.wrap(frame).getLong(at) >>> 16;
    }

    /** An IPv4 packet (valid header checksum) carrying {@code protocol} with the given ports and payload. */
    public static byte[] ipv4(byte[] src, byte[] dst, int protocol, int srcPort, int dstPort, byte[] payload, boolean moreFragments) {
        int l4Length = protocol == 17 ? 8 + payload.length : 20 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(20 + l4Length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4Length));
        b.putShort((short) 0x1234).putShort((short) (moreFragments ? 0x2000 : 0x4000));
        b.put((byte) 64).put((byte) protocol).putShort((short) 0);
        b.put(src).put(dst);
        b.putShort(10, (short) internetChecksum(b.array(), 0, 20));
        b.putShort((short) srcPort).putShort((short) dstPort);
        if (protocol == 17) {
            b.putShort((short) l4Length).putShort((short) 0); // UDP checksum 0: none (RFC 768)
        } else {
            b.putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x02).putShort((short) 65535).putInt(0);
        }
        b.put(payload);
        return b.array();
    }

    /** An IPv6 packet with {@code nextHeader} 6 or 17 and the given ports. */
    public static byte[] ipv6(byte[] src, byte[] dst, int nextHeader, int srcPort, int dstPort, byte[] payload) {
        int l4Length = nextHeader == 17 ? 8 + payload.length : 20 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(40 + l4Length);
        b.putInt(0x6000_0000).putShort((short) l4Length).put((byte) nextHeader).put((byte) 64);
        b.put(src).put(dst);
        b.putShort((short) srcPort).putShort((short) dstPort);
        if (nextHeader == 17) {
            b.putShort((short) l4Length).putShort((short) 0);
        } else {
            b.putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x02).putShort((short) 65535).putInt(0);
        }
        b.put(payload);
        return b.array();
    }

    public static int internetChecksum(byte[] data, int offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += ((data[offset + i] & 0xFF) << 8) | (data[offset + i + 1] & 0xFF);
        }
        if ((length & 1) != 0) {
            sum += (data[offset + length - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
