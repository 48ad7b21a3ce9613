package io.flyover.stack.tcp;

import io.flyover.stack.DropReason;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.net.IpMeta;
import io.flyover.stack.net.IpOutput;
import io.flyover.stack.net.TransportHandler;
import io.flyover.stack.net.Verdict;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.IpProtocol;
import java.lang.foreign.MemorySegment;

/**
 * Binds a {@link TcpLayer} to the IP layer: IP input becomes {@link TcpLayer#receive}, ICMP errors become
 * path MTU changes and unreachable reports, and TCP's segments go out through {@link IpOutput} with DF
 * set (RFC 1191 path MTU discovery; IPv6 never fragments in flight).
 */
public final class TcpOverIp implements TransportHandler, SegmentOutput {
    /** RFC 1122 §3.2.1.7: a fixed default TTL; 64 is what Linux uses. */
    private static final int DEFAULT_TTL = 64;

    private final IpOutput ip;
    private final FramePool pool;
    private final FrameCache frames;
    private TcpLayer layer;

    /** @param frames the stack thread's cache, for segments reassembled from fragments */
    public TcpOverIp(IpOutput ip, FramePool pool, FrameCache frames) {
        this.ip = ip;
        this.pool = pool;
        this.frames = frames;
    }

    /** Completes the binding once the layer (which needs this as its output) exists. */
    public void attach(TcpLayer tcpLayer) {
        if (layer != null) {
            throw new IllegalStateException("already attached");
        }
        layer = tcpLayer;
    }

    // --- down: TCP to IP ------------------------------------------------------------------------

    @Override
    public boolean sendSegment(long localHi, long localLo, long remoteHi, long remoteLo, int frame) {
        return sendSegment(localHi, localLo, remoteHi, remoteLo, frame, 0);
    }

    @Override
    public boolean sendSegment(long localHi, long localLo, long remoteHi, long remoteLo, int frame, int trafficClass) {
        return ip.send(frame, IpProtocol.TCP, localHi, localLo, remoteHi, remoteLo, DEFAULT_TTL, trafficClass, true);
    }

    @Override
    public int pathMtu(long remoteHi, long remoteLo) {
        return ip.maxSegment(remoteHi, remoteLo) + (IpAddress.isV4(remoteHi, remoteLo) ? 20 : 40);
    }

    @Override
    public void holdPort(long localHi, long localLo, int port) {
        ip.holdPort(IpProtocol.TCP, localHi, localLo, port);
    }

    @Override
    public void releasePort(long localHi, long localLo, int port) {
        ip.releasePort(IpProtocol.TCP, localHi, localLo, port);
    }

    @Override
    public void reachabilityConfirmed(long remoteHi, long remoteLo) {
        ip.confirmReachable(remoteHi, remoteLo);
    }

    // --- up: IP to TCP --------------------------------------------------------------------------

    @Override
    public int onSegment(int frame, MemorySegment segment, long offset, int length, IpMeta meta, long nowNanos) {
        if (frame == FramePool.NO_FRAME) {
            // Reassembled from fragments (rare for TCP, which sets DF): copy into a frame of our own.
            int at = pool.headroom();
            if (length > pool.frameSize() - at) {
                return Verdict.drop(DropReason.TCP_MALFORMED);
            }
            frame = frames.acquire();
            if (frame == FramePool.NO_FRAME) {
                return Verdict.drop(DropReason.NO_FRAME);
            }
            MemorySegment.copy(segment, offset, pool.region(), pool.frameBase(frame) + at, length);
            int verdict = layer.input(nowNanos, meta.sourceHi, meta.sourceLo, meta.destinationHi,
                    meta.destinationLo, frame, at, length);
            frames.release(frame);
            return verdict;
        }
        // TCP copies what it keeps; the IP layer releases the frame and counts a rejected segment as dropped.
        return layer.input(nowNanos, meta.sourceHi, meta.sourceLo, meta.destinationHi, meta.destinationLo, frame,
                (int) (offset - pool.frameBase(frame)), length);
    }

    /**
     * RFC 1122 §4.2.3.9 and RFC 5461: fragmentation-needed / packet-too-big lower the MSS (RFC 1191 §6.3,
     * RFC 8201 §5.2); protocol and port unreachable and administratively prohibited are hard errors;
     * everything else is soft. The quoted TCP header gives ports and the sequence number that
     * {@link TcpLayer} checks against SND.UNA..SND.MAX (RFC 5927 §4.1).
     */
    @Override
    public void onIcmpError(int icmpVersion, int type, int code, int mtu, MemorySegment segment, long quotedOffset,
                            int quotedLength, IpMeta quoted, long nowNanos) {
        if (quotedLength < 8) {
            return;
        }
        int localPort = Bytes.u16(segment, quotedOffset);
        int remotePort = Bytes.u16(segment, quotedOffset + 2);
        int seq = (int) Bytes.u32(segment, quotedOffset + 4);
        long lHi = quoted.sourceHi, lLo = quoted.sourceLo, rHi = quoted.destinationHi, rLo = quoted.destinationLo;
        boolean tooBig = icmpVersion == 4 ? type == 3 && code == 4 : type == 2;
        if (tooBig) {
            if (mtu > 0) {
                layer.pathMtuChanged(lHi, lLo, localPort, rHi, rLo, remotePort, seq, mtu);
            }
            return;
        }
        boolean unreachable = icmpVersion == 4 ? type == 3 : type == 1;
        if (!unreachable) {
            return; // time exceeded, parameter problem: soft, left to the timers
        }
        boolean hard = icmpVersion == 4 ? code == 2 || code == 3 || code == 9 || code == 10 || code == 13
                : code == 1 || code == 4;
        layer.destinationUnreachable(lHi, lLo, localPort, rHi, rLo, remotePort, seq, hard);
    }

    @Override
    public long poll(long nowNanos) {
        return layer.poll(nowNanos);
    }
}
