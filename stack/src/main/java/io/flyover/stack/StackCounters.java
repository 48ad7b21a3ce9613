package io.flyover.stack;

/**
 * Per-stack packet, byte and drop counters. Written only by the stack's thread; other threads may read
 * them (plain reads: a recent value, no ordering promises). Drops are indexed by {@link DropReason}.
 *
 * <p>Accounting invariant for received frames: every frame taken from the device is either consumed
 * ({@link #rxConsumed()}) or dropped on input ({@link #rxDropped()}, each also counted under its reason).
 * Drops on the output path (no frame, ring full, neighbour never answered) count only under their reason.
 */
public final class StackCounters {
    private static final DropReason[] REASONS = DropReason.values();

    private final long[] drops = new long[REASONS.length];
    private long rxFrames, rxBytes, txFrames, txBytes, rxConsumed, rxDropped, echoRepliesReceived;

    public void rxFrame(int bytes) { rxFrames++; rxBytes += bytes; }
    public void txFrame(int bytes) { txFrames++; txBytes += bytes; }
    public void rxConsume() { rxConsumed++; }
    /** An input-path drop of a received frame. */
    public void rxDrop(int reasonOrdinal) { drops[reasonOrdinal]++; rxDropped++; }
    /** A drop that is not the fate of a received frame (output path, reassembled datagram). */
    public void drop(DropReason reason) { drops[reason.ordinal()]++; }
    public void drop(int reasonOrdinal) { drops[reasonOrdinal]++; }
    public void echoReplyReceived() { echoRepliesReceived++; }

    /** The drop counters by {@link DropReason#ordinal()}, for layers that count into them directly (TCP). */
    long[] dropArray() { return drops; }

    public long drops(DropReason reason) { return drops[reason.ordinal()]; }
    public long totalDrops() {
        long t = 0;
        for (long d : drops) {
            t += d;
        }
        return t;
    }
    public long rxFrames() { return rxFrames; }
    public long rxBytes() { return rxBytes; }
    public long txFrames() { return txFrames; }
    public long txBytes() { return txBytes; }
    public long rxConsumed() { return rxConsumed; }
    public long rxDropped() { return rxDropped; }
    public long echoRepliesReceived() { return echoRepliesReceived; }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("rx=").append(rxFrames).append(" consumed=").append(rxConsumed)
                .append(" rxDropped=").append(rxDropped).append(" tx=").append(txFrames);
        for (DropReason r : REASONS) {
            if (drops[r.ordinal()] != 0) {
                b.append(' ').append(r).append('=').append(drops[r.ordinal()]);
            }
        }
        return b.toString();
    }
}
