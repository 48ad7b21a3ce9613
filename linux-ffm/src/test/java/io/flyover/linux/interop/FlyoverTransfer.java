package io.flyover.linux.interop;

import io.flyover.linux.testing.StackOnLink;
import io.flyover.linux.testing.StackRunner;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpStats;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The stack's side of a bulk transfer, run as a {@link StackRunner.Job} on one connection: writes
 * {@code bytes} from a {@link PatternSource} and then shuts output down, while reading until the
 * peer's EOF; both directions at once, each digested with SHA-256. Progress and results are read by
 * the test thread (volatile fields).
 */
final class FlyoverTransfer implements StackRunner.Job {
    private static final int CHUNK = 64 * 1024;

    private final TcpConnection connection;
    private final long bytes;
    private final PatternSource source;
    private final MessageDigest sentDigest;
    private final MessageDigest receivedDigest;
    private final byte[] out = new byte[CHUNK];
    private final byte[] in = new byte[CHUNK];
    private int outPosition;
    private int outLength;
    private volatile long sent;
    private volatile long received;
    private volatile boolean outputShut;
    private volatile boolean endOfInput;
    private volatile String failure;
    private volatile long startNanos;
    private volatile long sentAckedNanos;
    private volatile long endOfInputNanos;
    private String sentHex;
    private String receivedHex;

    /**
     * Connects from the stack of {@code link} to the kernel peer's {@code port} (of the family asked
     * for) and runs the transfer as a job of the link's runner.
     */
    static FlyoverTransfer start(StackOnLink link, boolean v4, int port, long bytes, long seed) {
        IpAddress local = link.address(v4);
        IpAddress remote = IpAddress.parse(link.peerAddress(v4));
        FlyoverTransfer t = link.runner.call(() -> new FlyoverTransfer(link.stack.tcp().connect(local.hi(), local.lo(),
                0, remote.hi(), remote.lo(), port, null, System.nanoTime()), bytes, seed));
        link.runner.add(t);
        return t;
    }

    FlyoverTransfer(TcpConnection connection, long bytes, long seed) {
        this.connection = connection;
        this.bytes = bytes;
        this.source = new PatternSource(seed);
        try {
            this.sentDigest = MessageDigest.getInstance("SHA-256");
            this.receivedDigest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public boolean step(long now) {
        if (failure != null || !connection.isConnected() && connection.error() == TcpConnection.Error.NONE) {
            return false; // still connecting
        }
        if (startNanos == 0) {
            startNanos = now;
        }
        boolean progress = write(now) | read(now);
        if (outputShut && sentAckedNanos == 0 && connection.bytesUnacknowledged() == 0) {
            sentAckedNanos = now;
        }
        return progress;
    }

    private boolean write(long now) {
        boolean progress = false;
        while (sent < bytes) {
            if (outPosition == outLength) {
                outLength = (int) Math.min(CHUNK, bytes - sent);
                source.fill(out, outLength);
                sentDigest.update(out, 0, outLength);
                outPosition = 0;
            }
            int n = connection.write(out, outPosition, outLength - outPosition);
            if (n == TcpConnection.FAILED) {
                failure = "write failed: " + connection.error() + " after " + sent + " bytes";
                return false;
            }
            if (n == 0) {
                return progress;
            }
            outPosition += n;
            sent += n;
            progress = true;
        }
        if (!outputShut) {
            connection.shutdownOutput();
            sentHex = HexFormat.of().formatHex(sentDigest.digest());
            outputShut = true;
            progress = true;
        }
        return progress;
    }

    private boolean read(long now) {
        boolean progress = false;
        while (!endOfInput) {
            int n = connection.read(in, 0, in.length);
            if (n > 0) {
                receivedDigest.update(in, 0, n);
                received += n;
                progress = true;
            } else if (n == TcpConnection.EOF) {
                receivedHex = HexFormat.of().formatHex(receivedDigest.digest());
                endOfInputNanos = now;
                endOfInput = true;
                return true;
            } else if (n == TcpConnection.FAILED) {
                failure = "read failed: " + connection.error() + " after " + received + " bytes";
                return false;
            } else {
                return progress;
            }
        }
        return progress;
    }

    /** Everything sent and acknowledged, and the peer's EOF read (or a failure). */
    boolean finished() {
        return failure != null || endOfInput && sentAckedNanos != 0;
    }

    String failure() { return failure; }
    /** The stack's connection; touch it on the stack thread only. */
    TcpConnection connection() { return connection; }
    long sent() { return sent; }
    long received() { return received; }
    /** Valid once {@link #finished()}. */
    String sentSha256() { return sentHex; }
    String receivedSha256() { return receivedHex; }

    /** From the first step after connecting until both directions finished; valid once {@link #finished()}. */
    long elapsedNanos() {
        return Math.max(sentAckedNanos, endOfInputNanos) - startNanos;
    }

    /** Rates in MiB/s from the first step to the last acknowledgement / the peer's EOF. */
    String rates() {
        return String.format("stack->kernel %.1f MiB/s, kernel->stack %.1f MiB/s",
                mibPerSecond(sent, sentAckedNanos), mibPerSecond(received, endOfInputNanos));
    }

    private double mibPerSecond(long count, long endNanos) {
        if (endNanos == 0) {
            return Double.NaN;
        }
        return count / (1024.0 * 1024.0) / ((endNanos - startNanos) / 1e9);
    }

    /** The connection's congestion state and its layer's loss recovery counters; on the stack thread. */
    String connectionReport(TcpStats stats) {
        return connection.congestionControl() + " cwnd " + connection.congestionWindow() + ", srtt "
                + connection.smoothedRttNanos() / 1000 + " us, mss " + connection.sendMss() + ", segments out "
                + stats.segmentsOut + ", retransmitted " + stats.retransmittedSegments + " (fast " + stats.fastRetransmits
                + ", RTO " + stats.retransmitTimeouts + ", TLP " + stats.tailLossProbes + ")";
    }

    @Override
    public String toString() {
        return "sent " + sent + "/" + bytes + ", received " + received + ", output shut " + outputShut
                + ", EOF " + endOfInput + ", " + connection + (failure != null ? ", " + failure : "");
    }
}
