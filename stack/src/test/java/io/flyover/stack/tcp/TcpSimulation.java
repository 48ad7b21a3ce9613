package io.flyover.stack.tcp;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Test-only: two TCP layers joined by two {@link ImpairedLink}s on virtual time, everything drawn from
 * one seed. Runs a bidirectional transfer and reports whether both sides got exactly the other's bytes
 * (by SHA-256), and that no frame or connection leaked.
 */
final class TcpSimulation {
    static final long V4_A_LO = 0x0000_FFFF_C612_0001L;   // ::ffff:198.18.0.1
    static final long V4_B_LO = 0x0000_FFFF_C612_0002L;
    static final long V6_HI = 0xFD00_0000_0000_0000L;     // fd00::1, fd00::2
    long addrHi;
    long aLo;
    long bLo;
    /** The links' MTU; a larger IP packet is dropped and reported like an ICMP fragmentation-needed. */
    int linkMtu = 1500;
    static final long TIME_LIMIT_NANOS = 3_600_000_000_000L;

    final class Host implements SegmentOutput {
        final FramePool pool = FramePool.allocate(1024);
        final FrameCache cache = pool.newCache(64);
        final TcpLayer layer;
        final long addrLo;
        final long addrHi;
        ImpairedLink out;
        TcpConnection conn;
        byte[] toSend;
        int written;
        boolean shut;
        final MessageDigest received = sha256();
        long receivedBytes;
        boolean eof;
        boolean closed;
        final byte[] buf = new byte[8192];
        /** Slow reader: at most this many bytes per millisecond of virtual time (0 = unlimited). */
        int readPerMilli;
        long readBudgetAt;
        long readBudget;
        /** When set, the application changes SO_SNDBUF / SO_RCVBUF of the live connection now and then. */
        SeededRandom resizer;

        Host(long addrLo, SeededRandom random, TcpSettings settings, long addrHi) {
            this.addrHi = addrHi;
            this.addrLo = addrLo;
            this.layer = new TcpLayer(pool, cache, this, random, settings);
        }

        @Override
        public boolean sendSegment(long localHi, long localLo, long remoteHi, long remoteLo, int frame) {
            byte[] bytes = pool.region().asSlice(pool.dataAddress(frame), pool.dataLength(frame)).toArray(ValueLayout.JAVA_BYTE);
            cache.release(frame);
            int ipHeader = TcpLayer.isIpv4Mapped(remoteHi, remoteLo) ? 20 : 40;
            if (bytes.length + ipHeader > linkMtu) {
                // too big for the path: the router's ICMP error reaches us (RFC 1191 / RFC 8201)
                pmtuDrops++;
                int port = ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF);
                int rport = ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
                int seq = ((bytes[4] & 0xFF) << 24) | ((bytes[5] & 0xFF) << 16) | ((bytes[6] & 0xFF) << 8) | (bytes[7] & 0xFF);
                layer.pathMtuChanged(localHi, localLo, port, remoteHi, remoteLo, rport, seq, linkMtu);
                return false;
            }
            out.send(now, bytes);
            return true;
        }

        @Override
        public int pathMtu(long remoteHi, long remoteLo) { return 1500; }

        void deliver(byte[] bytes, long srcLo) {
            int frame = cache.acquire();
            if (frame == FramePool.NO_FRAME) {
                return;
            }
            int at = pool.headroom();
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, pool.region(), pool.frameBase(frame) + at, bytes.length);
            layer.receive(now, addrHi, srcLo, addrHi, addrLo, frame, at, bytes.length);
        }

        boolean appDone() {
            return closed || conn.error() != TcpConnection.Error.NONE || conn.bytesToRead() == 0 && !conn.isReadable();
        }

        /** The application: write all, shut down output, read to EOF, close. */
        void app() {
            if (conn == null) {
                return;
            }
            if (resizer != null && resizer.nextInt(64) == 0) {
                int[] sizes = {2048, 8192, 65536, 262144, 1 << 20};
                TcpSettings s = conn.settings.clone();
                s.receiveBufferSize = sizes[resizer.nextInt(sizes.length)];
                s.sendBufferSize = sizes[resizer.nextInt(sizes.length)];
                s.trafficClass = resizer.nextInt(256);
                conn.updateOptions(s, now);
            }
            if (conn.isConnected() && written < toSend.length && conn.error() == TcpConnection.Error.NONE) {
                int n = conn.write(toSend, written, toSend.length - written);
                if (n > 0) {
                    written += n;
                }
            }
            if (written == toSend.length && !shut && conn.state().isSynchronized()) {
                conn.shutdownOutput();
                shut = true;
            }
            while (true) {
                int max = buf.length;
                if (readPerMilli > 0) {
                    long ms = now / 1_000_000L;
                    if (ms != readBudgetAt) {
                        readBudgetAt = ms;
                        readBudget = readPerMilli;
                    }
                    max = (int) Math.min(max, readBudget);
                    if (max == 0 && conn.bytesToRead() > 0) {
                        break; // out of budget; an end of stream is still noticed below
                    }
                }
                int n = conn.read(buf, 0, max);
                if (n > 0 && readPerMilli > 0) {
                    readBudget -= n;
                }
                if (n > 0) {
                    received.update(buf, 0, n);
                    receivedBytes += n;
                } else {
                    if (n == TcpConnection.EOF) {
                        eof = true;
                    }
                    break;
                }
            }
            if (eof && shut && !closed) {
                conn.close(now);
                closed = true;
            }
        }
    }

    final long seed;
    final SeededRandom random;
    final Host a;
    final Host b;
    final ImpairedLink ab;
    final ImpairedLink ba;
    long now = 1_000_000_000L;
    long steps;
    long pmtuDrops;

    /** Both applications resize their live buffers at random moments (their own seeded draws). */
    TcpSimulation withBufferResizes() {
        a.resizer = new SeededRandom(seed * 31 + 1);
        b.resizer = new SeededRandom(seed * 31 + 2);
        return this;
    }

    TcpSimulation(long seed, int maxBytes, double maxLoss) {
        this.seed = seed;
        this.random = new SeededRandom(seed);
        TcpSettings sa = settings(random);
        TcpSettings sb = settings(random);
        boolean v6 = random.nextInt(2) == 0;
        addrHi = v6 ? V6_HI : 0;
        aLo = v6 ? 1 : V4_A_LO;
        bLo = v6 ? 2 : V4_B_LO;
        if (random.nextInt(4) == 0) {
            linkMtu = 1280 + random.nextInt(200); // below what the SYNs announce: PMTU discovery must kick in
        }
        a = new Host(aLo, random.split(), sa, addrHi);
        b = new Host(bLo, random.split(), sb, addrHi);
        ab = link(random.split(), maxLoss);
        ba = link(random.split(), maxLoss);
        a.out = ab;
        b.out = ba;
        if (random.nextInt(4) == 0) {
            a.readPerMilli = 1 + random.nextInt(2000); // slow applications: windows close and reopen
        }
        if (random.nextInt(4) == 0) {
            b.readPerMilli = 1 + random.nextInt(2000);
        }
        a.toSend = bytes(random.nextInt(maxBytes + 1));
        b.toSend = bytes(random.nextInt(maxBytes + 1));
    }

    private static TcpSettings settings(SeededRandom r) {
        TcpSettings s = new TcpSettings();
        s.congestion = r.nextInt(2) == 0 ? TcpSettings.Congestion.NEW_RENO : TcpSettings.Congestion.CUBIC;
        s.timestamps = r.nextInt(4) != 0;
        s.sack = r.nextInt(4) != 0;
        s.windowScaling = r.nextInt(4) != 0;
        s.noDelay = r.nextInt(2) == 0;
        int[] sizes = {2048, 8192, 65536, 262144};
        s.receiveBufferSize = sizes[r.nextInt(sizes.length)];
        s.sendBufferSize = sizes[r.nextInt(sizes.length)];
        s.timeWaitNanos = 2_000_000_000L;
        return s;
    }

    private ImpairedLink link(SeededRandom r, double maxLoss) {
        ImpairedLink l = new ImpairedLink(r);
        double u = (r.nextLong() >>> 11) * 0x1.0p-53;
        l.loss = u * maxLoss;
        l.duplicate = r.nextInt(3) == 0 ? 0.02 : 0;
        l.reorder = r.nextInt(3) == 0 ? 0.05 : 0;
        l.corrupt = r.nextInt(3) == 0 ? 0.01 : 0;
        l.delayNanos = 100_000L + r.nextInt(20_000_000);
        long[] rates = {1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L};
        l.bitsPerSecond = rates[r.nextInt(rates.length)];
        l.queueLimit = 20 + r.nextInt(200);
        return l;
    }

    private byte[] bytes(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i += 8) {
            long v = random.nextLong();
            for (int k = 0; k < 8 && i + k < n; k++) {
                d[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return d;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Runs to completion; returns null on success or a description of what went wrong. */
    String run() {
        TcpListener listener = b.layer.listen(addrHi, bLo, 80, 16, null);
        a.conn = a.layer.connect(addrHi, aLo, 0, addrHi, bLo, 80, null, now);
        while (true) {
            byte[] p;
            while ((p = ab.poll(now)) != null) {
                b.deliver(p, aLo);
            }
            while ((p = ba.poll(now)) != null) {
                a.deliver(p, bLo);
            }
            a.layer.poll(now);
            b.layer.poll(now);
            if (b.conn == null) {
                b.conn = listener.accept();
            }
            a.app();
            b.app();
            long na = a.layer.poll(now);
            long nb = b.layer.poll(now);
            steps++;
            // Done when both stacks are empty and both applications have finished (a closed connection may
            // still hold received bytes a slow application has not read yet).
            if (a.layer.connectionCount() == 0 && b.layer.connectionCount() == 0 && ab.isEmpty() && ba.isEmpty()
                    && a.conn.state() == TcpState.CLOSED && (b.conn == null || b.conn.state() == TcpState.CLOSED)
                    && a.appDone() && (b.conn == null || b.appDone())) {
                break;
            }
            long next = Math.min(Math.min(na, nb), Math.min(ab.nextArrival(), ba.nextArrival()));
            if ((a.readPerMilli > 0 && a.conn != null && a.conn.bytesToRead() > 0)
                    || (b.readPerMilli > 0 && b.conn != null && b.conn.bytesToRead() > 0)) {
                next = Math.min(next, (now / 1_000_000L + 1) * 1_000_000L); // the slow reader's next turn
            }
            if (next == Long.MAX_VALUE) {
                return "stuck at " + now + ": " + describe();
            }
            if (next <= now) {
                next = now + 1;
            }
            now = next;
            if (now > TIME_LIMIT_NANOS) {
                return "time limit: " + describe();
            }
        }
        listener.close(now);
        String problem = null;
        if (a.conn.error() != TcpConnection.Error.NONE || b.conn == null || b.conn.error() != TcpConnection.Error.NONE) {
            problem = "connection failed: " + describe();
        } else if (!Arrays.equals(a.received.digest(), sha256().digest(b.toSend)) || a.receivedBytes != b.toSend.length) {
            problem = "A received wrong bytes: " + a.receivedBytes + " of " + b.toSend.length + " " + describe();
        } else if (!Arrays.equals(b.received.digest(), sha256().digest(a.toSend)) || b.receivedBytes != a.toSend.length) {
            problem = "B received wrong bytes: " + b.receivedBytes + " of " + a.toSend.length + " " + describe();
        }
        a.cache.close();
        b.cache.close();
        try {
            a.pool.checkAllReturned();
            b.pool.checkAllReturned();
        } catch (IllegalStateException e) {
            problem = "frame leak: " + e.getMessage();
        }
        a.pool.close();
        b.pool.close();
        return problem;
    }

    String describe() {
        return "seed=" + seed + " t=" + now + " A=" + (a.conn == null ? "-" : a.conn.state() + "/" + a.conn.error())
                + " sent " + a.written + "/" + a.toSend.length + " B=" + (b.conn == null ? "-" : b.conn.state() + "/" + b.conn.error())
                + " sent " + b.written + "/" + b.toSend.length + " links loss " + ab.loss + "/" + ba.loss + " mtu " + linkMtu
                + (addrHi != 0 ? " ipv6" : " ipv4") + " readers " + a.readPerMilli + "/" + b.readPerMilli + " B/ms";
    }
}
