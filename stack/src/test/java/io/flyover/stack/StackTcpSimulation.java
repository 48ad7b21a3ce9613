package io.flyover.stack;

import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.Impairment;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.sim.SimulatedLan;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpSettings;
import io.flyover.stack.tcp.TcpState;
import io.flyover.stack.tcp.TcpStats;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Test-only: one seeded run of two full {@link Stack}s (Ethernet, ARP/ND, IPv4 or IPv6, TCP) on a
 * {@link SimulatedLan} whose every transmit path is impaired (loss up to a maximum, duplication,
 * reordering, corruption, delay with jitter, a rate limit with a queue). Host 0 connects to host 1;
 * both send their bytes at once, half-close, read to end of stream and close; the run ends when both
 * applications are done and both stacks hold no connection (TIME-WAIT expired on virtual time).
 * {@link #run()} then compares what each side received with what the other sent, by SHA-256, and
 * checks that no frame leaked.
 *
 * <p>Everything is drawn from the seed: settings per side (congestion control, SACK, timestamps, window
 * scaling, Nagle, buffer sizes), interface MTUs, the address family, the impairments, slow readers
 * (which, with small buffers, close the window and force zero-window probing), and who closes how.
 */
final class StackTcpSimulation {
    static final int PORT = 80;
    /** Virtual time allowed for one run: generous, since a stalled run fails only when this passes. */
    static final long TIME_LIMIT_NANOS = 3_600_000_000_000L;

    final long seed;
    final boolean ipv6;
    final int[] mtu = new int[2];
    final Impairment[] impairment = new Impairment[2];
    final Peer client;
    final Peer server;
    final SimulatedLan lan;

    /** One side: its stack and the application driving it, polled together by the simulator. */
    final class Peer implements Pollable, AutoCloseable {
        final int index;
        final Stack stack;
        final TcpSettings settings;
        final IpAddress local;
        final IpAddress remote;
        final byte[] toSend;
        final MessageDigest received = sha256();
        final byte[] buf = new byte[4096];
        /** The server closes only after the client's FIN, sending its last data in CLOSE-WAIT (passive close). */
        boolean closeAfterEof;
        /** A slow application reads at most this many bytes per millisecond (0: as fast as it can). */
        int readPerMilli;
        /** A stalling application reads nothing for {@code pauseNanos} in every {@code pausePeriodNanos} (0: never). */
        long pauseNanos;
        long pausePeriodNanos;
        /** The most bytes one write hands to the stack (0: all it takes), so small writes meet Nagle. */
        int writeChunk;
        TcpListener listener;
        TcpConnection conn;
        int written;
        boolean shut;
        long receivedBytes;
        boolean eof;
        boolean closed;
        private long budgetMilli = -1;
        private long budget;
        private long wake = Long.MAX_VALUE;
        /** The stack's TCP counters, kept when the stack closes. */
        TcpStats stats;

        Peer(int index, NetDevice device, RandomSource random, TcpSettings settings, byte[] toSend, int cacheSize,
             int burst) {
            this.index = index;
            this.settings = settings;
            this.toSend = toSend;
            StackConfig.Builder config = StackConfig.builder().mtu(mtu[index]).tcpDefaults(settings)
                    .frameCacheSize(cacheSize).burstSize(burst)
                    .ipv4("198.18.0." + (index + 1), 24).ipv6("fd00::" + (index + 1), 64);
            this.stack = new Stack(config.build(), device, random);
            this.local = IpAddress.parse(ipv6 ? "fd00::" + (index + 1) : "198.18.0." + (index + 1));
            this.remote = IpAddress.parse(ipv6 ? "fd00::" + (2 - index) : "198.18.0." + (2 - index));
        }

        @Override
        public long poll(long now) {
            long next = stack.poll(now);
            wake = Long.MAX_VALUE;
            if (app(now)) {
                return now; // the application changed something: let the stack send it at this instant
            }
            return Math.min(next, wake);
        }

        /** One turn of the application; true when it made progress. */
        boolean app(long now) {
            boolean progress = false;
            if (conn == null) {
                if (index == 0) {
                    conn = stack.tcp().connect(local.hi(), local.lo(), 0, remote.hi(), remote.lo(), PORT, settings,
                            now);
                    return true;
                }
                if (listener == null) {
                    listener = stack.tcp().listen(local.hi(), local.lo(), PORT, 4, settings);
                }
                conn = listener.accept();
                if (conn == null) {
                    return false;
                }
                listener.close(now);
                progress = true;
            }
            if (closed || conn.error() != TcpConnection.Error.NONE) {
                return progress;
            }
            while (written < toSend.length && !shut) {
                int length = toSend.length - written;
                int n = conn.write(toSend, written, writeChunk > 0 ? Math.min(writeChunk, length) : length);
                if (n <= 0) {
                    break;
                }
                written += n;
                progress = true;
                if (writeChunk > 0) {
                    stack.flush(); // each small write meets Nagle's algorithm on its own
                }
            }
            // JDK semantics: shutdownOutput needs a connected socket.
            if (written == toSend.length && !shut && !closeAfterEof && conn.isConnected()) {
                conn.shutdownOutput();
                shut = true;
                progress = true;
            }
            progress |= read(now);
            if (eof && written == toSend.length && (shut || closeAfterEof)) {
                conn.close(now);
                closed = true;
                progress = true;
            }
            return progress;
        }

        private boolean read(long now) {
            boolean progress = false;
            if (pausePeriodNanos > 0 && now % pausePeriodNanos < pauseNanos && !eof) {
                wake = Math.min(wake, now - now % pausePeriodNanos + pauseNanos);
                return false;
            }
            while (!eof) {
                int max = buf.length;
                if (readPerMilli > 0) {
                    long milli = now / 1_000_000L;
                    if (milli != budgetMilli) {
                        budgetMilli = milli;
                        budget = readPerMilli;
                    }
                    max = (int) Math.min(max, budget);
                    if (max == 0) {
                        if (conn.bytesToRead() > 0) {
                            wake = Math.min(wake, (milli + 1) * 1_000_000L); // the slow reader's next turn
                            break;
                        }
                        max = 1; // only to notice an end of stream
                    }
                }
                int n = conn.read(buf, 0, max);
                if (n > 0) {
                    received.update(buf, 0, n);
                    receivedBytes += n;
                    budget -= n;
                    progress = true;
                } else {
                    if (n == TcpConnection.EOF) {
                        eof = true;
                        progress = true;
                    }
                    break;
                }
            }
            return progress;
        }

        boolean done() {
            return conn != null && (closed || conn.error() != TcpConnection.Error.NONE);
        }

        @Override
        public void close() {
            stats = stack.tcp().stats();
            stack.close();
        }

        String describe() {
            return "host" + index + (conn == null ? " -" : " " + conn.state() + "/" + conn.error()) + " sent "
                    + written + "/" + toSend.length + " received " + receivedBytes + (eof ? " eof" : "")
                    + (closed ? " closed" : "") + " " + describeSettings(settings) + " mtu " + mtu[index]
                    + (readPerMilli > 0 ? " reads " + readPerMilli + " B/ms" : "")
                    + (pausePeriodNanos > 0
                            ? " pauses " + pauseNanos / 1_000_000 + "/" + pausePeriodNanos / 1_000_000 + " ms" : "")
                    + (writeChunk > 0 ? " writes " + writeChunk : "") + (closeAfterEof ? " passive-close" : "")
                    + " connections " + stack.tcp().connectionCount() + "\n    counters: " + stack.counters();
        }
    }

    StackTcpSimulation(long seed, int maxBytes, double maxLoss) {
        this(seed, maxBytes, maxLoss, null);
    }

    /** @param capture a directory for host0.pcap and host1.pcap, or null */
    StackTcpSimulation(long seed, int maxBytes, double maxLoss, Path capture) {
        this.seed = seed;
        SeededRandom random = new SeededRandom(seed * 0x9E37_79B9_7F4A_7C15L + 0x5EED);
        ipv6 = random.nextInt(2) == 0;
        TcpSettings[] settings = {settings(random), settings(random)};
        Impairment[] onReceive = new Impairment[2];
        for (int i = 0; i < 2; i++) {
            mtu[i] = random.nextInt(4) != 0 ? 1500 : ipv6 ? 1280 + random.nextInt(221) : 576 + random.nextInt(925);
            impairment[i] = impairment(random, maxLoss);
            onReceive[i] = random.nextInt(4) != 0 ? Impairment.NONE : Impairment.builder()
                    .reorder(random.nextInt(2) * 0.05, 1 + random.nextInt(5_000_000))
                    .duplicate(random.nextInt(2) * 0.02).delay(0, random.nextInt(2_000_000)).build();
        }
        // Mostly small transfers; now and then a larger one, for windows to grow and scale.
        int max = random.nextInt(16) == 0 ? 8 * maxBytes : maxBytes;
        byte[][] data = {bytes(random, random.nextInt(max + 1)), bytes(random, random.nextInt(max + 1))};
        int[] readPerMilli = new int[2];
        long[] pause = new long[2];
        long[] pausePeriod = new long[2];
        int[] writeChunk = new int[2];
        for (int i = 0; i < 2; i++) {
            switch (random.nextInt(6)) {
                case 0 -> readPerMilli[i] = 1 + random.nextInt(2000);
                case 1 -> {
                    pausePeriod[i] = 20_000_000L + random.nextInt(1_000_000_000);
                    pause[i] = pausePeriod[i] / 2 + random.nextInt((int) (pausePeriod[i] / 2));
                }
                default -> { }
            }
            writeChunk[i] = random.nextInt(4) == 0 ? 1 + random.nextInt(3000) : 0;
        }
        boolean passiveClose = random.nextInt(3) == 0;
        // Now and then a small frame pool, caches and bursts: frames run out and output must wait.
        boolean scarce = random.nextInt(4) == 0;
        int frames = scarce ? 192 + random.nextInt(320) : 1024;
        int cacheSize = scarce ? 8 + random.nextInt(56) : 256;
        int burst = scarce ? 1 + random.nextInt(32) : 32;
        Peer[] peers = new Peer[2];
        SimulatedLan.Builder b = SimulatedLan.builder().seed(seed).hosts(2).framesPerHost(frames)
                .impairment(0, impairment[0], onReceive[0]).impairment(1, impairment[1], onReceive[1])
                .hostFactory((device, r) -> {
                    int i = SimulatedLan.hostIndexOf(device);
                    peers[i] = new Peer(i, device, r, settings[i], data[i], cacheSize, burst);
                    peers[i].readPerMilli = readPerMilli[i];
                    peers[i].pauseNanos = pause[i];
                    peers[i].pausePeriodNanos = pausePeriod[i];
                    peers[i].writeChunk = writeChunk[i];
                    return peers[i];
                });
        if (capture != null) {
            b.capture(capture);
        }
        lan = b.build();
        client = peers[0];
        server = peers[1];
        server.closeAfterEof = passiveClose;
        lan.simulator().addReport(this::describe);
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
        if (r.nextInt(4) == 0) {
            // RFC 1122 4.2.3.6 keep-alive, probing an idle peer (a stalled reader still answers)
            s.keepAlive = true;
            s.keepAliveIdleNanos = 1_000_000_000L + r.nextInt(4000) * 1_000_000L;
            s.keepAliveIntervalNanos = 10_000_000_000L;
        }
        return s;
    }

    private static Impairment impairment(SeededRandom r, double maxLoss) {
        long delay = 100_000L + r.nextInt(20_000_000);
        long[] rates = {1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L};
        return Impairment.builder()
                .loss(uniform(r) * maxLoss)
                .duplicate(r.nextInt(3) == 0 ? 0.02 : 0)
                .reorder(r.nextInt(3) == 0 ? 0.05 : 0, 1 + r.nextInt((int) (3 * delay)))
                .corrupt(r.nextInt(3) == 0 ? 0.01 : 0)
                .delay(delay, r.nextInt(3) == 0 ? r.nextInt((int) delay) : 0)
                .rate(rates[r.nextInt(rates.length)])
                .queueLimit(20 + r.nextInt(200))
                .build();
    }

    private static double uniform(SeededRandom r) {
        return (r.nextLong() >>> 11) * 0x1.0p-53;
    }

    private static byte[] bytes(SeededRandom r, int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i += 8) {
            long v = r.nextLong();
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

    /**
     * Runs to the end and checks the outcome; throws a {@link io.flyover.stack.sim.SimulationFailure}
     * (naming the seed) when anything is wrong. Always closes the simulated LAN.
     */
    void run() {
        try (lan) {
            lan.simulator().runUntilOrFail("both applications done and no connection left",
                    () -> client.done() && server.done() && client.stack.tcp().connectionCount() == 0
                            && server.stack.tcp().connectionCount() == 0, TIME_LIMIT_NANOS);
            String problem = check();
            if (problem != null) {
                throw lan.simulator().failure(problem, null);
            }
            lan.closeAndCheckNoFrameLeaked();
        }
    }

    private String check() {
        if (client.conn.error() != TcpConnection.Error.NONE || server.conn == null
                || server.conn.error() != TcpConnection.Error.NONE) {
            return "a connection failed";
        }
        if (client.conn.state() != TcpState.CLOSED || server.conn.state() != TcpState.CLOSED) {
            return "a connection is not closed";
        }
        if (client.receivedBytes != server.toSend.length
                || !Arrays.equals(client.received.digest(), sha256().digest(server.toSend))) {
            return "host0 received the wrong bytes";
        }
        if (server.receivedBytes != client.toSend.length
                || !Arrays.equals(server.received.digest(), sha256().digest(client.toSend))) {
            return "host1 received the wrong bytes";
        }
        return null;
    }

    String describe() {
        return "seed " + seed + (ipv6 ? " ipv6" : " ipv4") + " frames " + lan.pool(0).frameCount() + " cache "
                + client.stack.config().frameCacheSize() + " burst " + client.stack.config().burstSize()
                + "\n  " + client.describe() + "\n  " + server.describe()
                + "\n  impairments: " + impairment[0] + " / " + impairment[1]
                + "\n  on receive: " + lan.impaired(0).receiveStage().impairment() + " / "
                + lan.impaired(1).receiveStage().impairment();
    }

    private static String describeSettings(TcpSettings s) {
        return s.congestion + (s.sack ? " sack" : "") + (s.timestamps ? " ts" : "") + (s.windowScaling ? " ws" : "")
                + (s.keepAlive ? " keepalive" : "")
                + (s.noDelay ? " nodelay" : "") + " rcv " + s.receiveBufferSize + " snd " + s.sendBufferSize;
    }
}
