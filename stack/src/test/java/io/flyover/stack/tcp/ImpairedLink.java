package io.flyover.stack.tcp;

import io.flyover.stack.RandomSource;
import java.util.PriorityQueue;

/**
 * Test-only: a one-way link on virtual time with seeded impairments: loss, duplication, reordering
 * (extra random delay), corruption (modelled as a drop, since the IP layer's checksum would catch it),
 * base delay, a bandwidth limit with a drop-tail queue.
 */
final class ImpairedLink {
    record Packet(long at, long order, byte[] bytes) {}

    final RandomSource random;
    double loss;
    double duplicate;
    double reorder;
    double corrupt;
    long delayNanos = 1_000_000;
    long bitsPerSecond = 100_000_000;
    int queueLimit = 200;

    private final PriorityQueue<Packet> queue = new PriorityQueue<>((x, y) ->
            x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
    private long order;
    private long wireFreeAt;
    long sent, dropped, duplicated, reordered, corrupted;

    ImpairedLink(RandomSource random) {
        this.random = random;
    }

    private double uniform() {
        return (random.nextLong() >>> 11) * 0x1.0p-53;
    }

    String traceName;

    void send(long now, byte[] bytes) {
        sent++;
        if (traceName != null) {
            io.flyover.stack.wire.TcpHeader h = new io.flyover.stack.wire.TcpHeader();
            java.lang.foreign.MemorySegment m = java.lang.foreign.MemorySegment.ofArray(bytes);
            h.wrap(m, 0, bytes.length);
            System.out.printf("%d %s flags=%02x seq=%d ack=%d win=%d len=%d%n", now / 1000, traceName, h.flags(),
                    Integer.toUnsignedLong(h.seq()), Integer.toUnsignedLong(h.ack()), h.window(), h.payloadLength());
        }
        if (queue.size() >= queueLimit) {
            dropped++;
            return;
        }
        if (uniform() < loss) {
            dropped++;
            return;
        }
        if (uniform() < corrupt) {
            corrupted++;
            return;
        }
        long serialization = bytes.length * 8L * 1_000_000_000L / bitsPerSecond;
        wireFreeAt = Math.max(wireFreeAt, now) + serialization;
        long at = wireFreeAt + delayNanos;
        if (uniform() < reorder) {
            reordered++;
            at += (long) (uniform() * 3 * delayNanos);
        }
        queue.add(new Packet(at, order++, bytes));
        if (uniform() < duplicate) {
            duplicated++;
            queue.add(new Packet(at + (long) (uniform() * delayNanos), order++, bytes.clone()));
        }
    }

    /** The next packet due at or before {@code now}, or null. */
    byte[] poll(long now) {
        Packet p = queue.peek();
        if (p == null || p.at > now) {
            return null;
        }
        queue.poll();
        return p.bytes;
    }

    long nextArrival() {
        Packet p = queue.peek();
        return p == null ? Long.MAX_VALUE : p.at;
    }

    boolean isEmpty() { return queue.isEmpty(); }
}
