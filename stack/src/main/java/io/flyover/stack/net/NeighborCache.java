package io.flyover.stack.net;

/**
 * The neighbour cache shared by ARP (RFC 826, RFC 1122 section 2.3.2.2) and IPv6 neighbour discovery
 * (RFC 4861 section 7.2, 7.3): IP to MAC mappings with expiry, and for addresses being resolved a
 * bounded queue of packets waiting for the answer.
 *
 * <p>Open addressing over preallocated arrays; a key lives in one of {@link #PROBE} slots after its
 * hash, and a full window evicts its oldest entry. Nothing is allocated after construction.
 */
public final class NeighborCache {
    /** What the cache asks of its interface. */
    public interface Link {
        /** Sends an ARP request or neighbour solicitation; {@code knownMac} is -1 for a broadcast/multicast one. */
        void sendResolution(long hi, long lo, long knownMac);
        /** Transmits a queued packet (L3 data in the frame) to the MAC now known. */
        void transmitResolved(int frame, long hi, long lo, long mac);
        /** Drops a queued packet whose neighbour never answered. */
        void dropUnresolved(int frame);
    }

    static final int PROBE = 8;
    private static final byte FREE = 0;
    private static final byte INCOMPLETE = 1;
    private static final byte REACHABLE = 2;

    private final Link link;
    private final int mask;
    private final long[] keyHi;
    private final long[] keyLo;
    private final long[] mac;
    private final byte[] state;
    private final long[] deadline; // REACHABLE: expiry; INCOMPLETE: next retransmission
    private final int[] probes;
    private final long[] touched;
    private final int[] queue;
    private final int[] queued;
    private final int queueDepth;
    private final long reachableNanos;
    private final long retransmitNanos;
    private final int maxProbes;
    private long nextTimer = Long.MAX_VALUE;

    public NeighborCache(Link link, int capacity, int queueDepth, long reachableNanos, long retransmitNanos, int maxProbes) {
        if (Integer.bitCount(capacity) != 1 || capacity < PROBE) {
            throw new IllegalArgumentException("capacity must be a power of two >= " + PROBE);
        }
        this.link = link;
        this.mask = capacity - 1;
        this.keyHi = new long[capacity];
        this.keyLo = new long[capacity];
        this.mac = new long[capacity];
        this.state = new byte[capacity];
        this.deadline = new long[capacity];
        this.probes = new int[capacity];
        this.touched = new long[capacity];
        this.queueDepth = queueDepth;
        this.queue = new int[capacity * queueDepth];
        this.queued = new int[capacity];
        this.reachableNanos = reachableNanos;
        this.retransmitNanos = retransmitNanos;
        this.maxProbes = maxProbes;
    }

    private static int hash(long hi, long lo) {
        long h = (hi * 0x9E37_79B9_7F4A_7C15L) ^ (lo * 0xC2B2_AE3D_27D4_EB4FL);
        return (int) (h ^ (h >>> 29));
    }

    private int find(long hi, long lo) {
        int h = hash(hi, lo);
        for (int p = 0; p < PROBE; p++) {
            int i = (h + p) & mask;
            if (state[i] != FREE && keyHi[i] == hi && keyLo[i] == lo) {
                return i;
            }
        }
        return -1;
    }

    private int claim(long hi, long lo, long now) {
        int h = hash(hi, lo);
        int victim = -1;
        for (int p = 0; p < PROBE; p++) {
            int i = (h + p) & mask;
            if (state[i] == FREE) {
                victim = i;
                break;
            }
            if (victim < 0 || touched[i] < touched[victim]) {
                victim = i;
            }
        }
        clear(victim);
        keyHi[victim] = hi;
        keyLo[victim] = lo;
        touched[victim] = now;
        return victim;
    }

    private void clear(int i) {
        for (int q = 0; q < queued[i]; q++) {
            link.dropUnresolved(queue[i * queueDepth + q]);
        }
        queued[i] = 0;
        state[i] = FREE;
    }

    /** The MAC for a neighbour when it is known and fresh, else -1. */
    public long lookup(long hi, long lo, long now) {
        int i = find(hi, lo);
        if (i < 0 || state[i] != REACHABLE || now - deadline[i] >= 0) {
            return -1;
        }
        return mac[i];
    }

    /**
     * Sends {@code frame} to the neighbour: at once when its MAC is known, else queued while a
     * resolution runs. Returns false when the queue was full (the caller drops the frame).
     */
    public boolean resolveAndSend(int frame, long hi, long lo, long now) {
        int i = find(hi, lo);
        if (i >= 0 && state[i] == REACHABLE) {
            if (now - deadline[i] < 0) {
                link.transmitResolved(frame, hi, lo, mac[i]);
                return true;
            }
            // Expired: ask again, unicast to the old address first (RFC 4861 section 7.3.3 PROBE), and wait.
            long old = mac[i];
            state[i] = INCOMPLETE;
            probes[i] = 1;
            deadline[i] = now + retransmitNanos;
            nextTimer = Math.min(nextTimer, deadline[i]);
            link.sendResolution(hi, lo, old);
        } else if (i < 0) {
            i = claim(hi, lo, now);
            state[i] = INCOMPLETE;
            probes[i] = 1;
            deadline[i] = now + retransmitNanos;
            nextTimer = Math.min(nextTimer, deadline[i]);
            link.sendResolution(hi, lo, -1);
        }
        if (queued[i] == queueDepth) {
            return false;
        }
        queue[i * queueDepth + queued[i]++] = frame;
        return true;
    }

    /**
     * Records that {@code hi/lo} is at {@code linkAddress}. With {@code create} false only an existing
     * entry is updated (RFC 826 "merge" and RFC 4861 section 7.2.5 for unsolicited advertisements).
     * Queued packets go out now.
     */
    public void learn(long hi, long lo, long linkAddress, boolean create, long now) {
        int i = find(hi, lo);
        if (i < 0) {
            if (!create) {
                return;
            }
            i = claim(hi, lo, now);
        }
        state[i] = REACHABLE;
        mac[i] = linkAddress;
        deadline[i] = now + reachableNanos;
        touched[i] = now;
        int n = queued[i];
        queued[i] = 0;
        for (int q = 0; q < n; q++) {
            link.transmitResolved(queue[i * queueDepth + q], hi, lo, linkAddress);
        }
    }

    /** Retransmits requests that are due and gives up on neighbours that never answered. */
    public long poll(long now) {
        if (now - nextTimer < 0) {
            return nextTimer;
        }
        long next = Long.MAX_VALUE;
        for (int i = 0; i <= mask; i++) {
            if (state[i] != INCOMPLETE) {
                continue;
            }
            if (now - deadline[i] >= 0) {
                if (probes[i] >= maxProbes) {
                    clear(i); // RFC 4861 section 7.3.3: unreachable; queued packets are dropped
                    continue;
                }
                probes[i]++;
                deadline[i] = now + retransmitNanos;
                link.sendResolution(keyHi[i], keyLo[i], -1);
            }
            next = Math.min(next, deadline[i]);
        }
        nextTimer = next;
        return next;
    }

    /** Drops every queued frame (stack shutdown). */
    public void clearAll() {
        for (int i = 0; i <= mask; i++) {
            if (state[i] != FREE) {
                clear(i);
            }
        }
    }
}
