package io.flyover.stack.net;

/**
 * The neighbour cache shared by ARP (RFC 826, RFC 1122 section 2.3.2.2) and IPv6 neighbour discovery
 * (RFC 4861 sections 7.2, 7.3): IP to MAC mappings with the reachability states of RFC 4861 section
 * 7.3.2, used for ARP too as Linux does, and for addresses being resolved a bounded queue of packets
 * waiting for the answer.
 *
 * <p>States (RFC 4861 section 7.3.3): INCOMPLETE while a broadcast/multicast resolution runs (packets
 * queue); REACHABLE for the reachable time after a confirmation (a solicited answer, or the upper layer's
 * {@link #confirm}); then STALE, still used for sending, whose first send starts DELAY; when DELAY ends
 * unconfirmed, PROBE sends unicast solicitations to the cached address, traffic still flowing; and only
 * when those go unanswered is the entry deleted, the next send resolving it anew. Traffic is therefore
 * never held for a neighbour whose address is known. REACHABLE turns STALE lazily, on the first look
 * after its deadline; the other timed states run from {@link #poll}.
 *
 * <p>ARP has no checksum and no authentication: a corrupted or forged message would replace a good
 * address, and traffic would go to nobody until the entry was probed and deleted. As Linux's
 * {@code locktime}, a new address from ARP is refused for {@link #LOCK_NANOS} after the entry's last
 * change of address or state, whatever its state once resolved ({@link #learn} answers false; the
 * interface counts it). The first answer to a resolution wins, as in Linux.
 *
 * <p>Open addressing over preallocated arrays; a key lives in one of {@link #PROBE_WINDOW} slots after its
 * hash, and a full window evicts its least recently learned entry. Nothing is allocated after construction.
 */
public final class NeighborCache {
    /** What the cache asks of its interface. */
    public interface Link {
        /** Sends an ARP request or neighbour solicitation; {@code knownMac} is -1 for a broadcast/multicast one. */
        void sendResolution(long hi, long lo, long knownMac);
        /** Transmits a packet (L3 data in the frame) to the neighbour's MAC. */
        void transmitResolved(int frame, long hi, long lo, long mac);
        /** Drops a queued packet whose neighbour never answered. */
        void dropUnresolved(int frame);
    }

    /** {@link #learn} flag: create an entry when there is none (RFC 4861 sections 7.2.3 and 6.3.4; RFC 826 for a request to us). */
    public static final int CREATE = 1;
    /** {@link #learn} flag: a solicited answer, confirming reachability (RFC 4861 section 7.2.5 S flag; a unicast ARP reply, as Linux). */
    public static final int CONFIRMED = 2;
    /** {@link #learn} flag: the address replaces a different cached one (RFC 4861 section 7.2.5 O flag, 7.2.3, 6.3.4). */
    public static final int OVERRIDE = 4;
    /** {@link #learn} flag: as {@link #OVERRIDE}, unless the resolved entry changed less than {@link #LOCK_NANOS} ago (ARP). */
    public static final int OVERRIDE_UNLESS_LOCKED = 8;

    /** RFC 4861 section 10 DELAY_FIRST_PROBE_TIME: how long an entry in use waits for upper-layer confirmation. */
    public static final long DELAY_FIRST_PROBE_NANOS = 5_000_000_000L;
    /** Linux's {@code locktime} default (1 s): ARP does not change a resolved entry's address sooner after a change. */
    public static final long LOCK_NANOS = 1_000_000_000L;

    static final int PROBE_WINDOW = 8;
    private static final byte FREE = 0;
    private static final byte INCOMPLETE = 1;
    private static final byte REACHABLE = 2;
    private static final byte STALE = 3;
    private static final byte DELAY = 4;
    private static final byte PROBE = 5;

    private final Link link;
    private final int mask;
    private final long[] keyHi;
    private final long[] keyLo;
    private final long[] mac;
    private final byte[] state;
    /** REACHABLE: when it turns STALE; INCOMPLETE, PROBE: next solicitation; DELAY: the first probe. */
    private final long[] deadline;
    private final int[] probes;
    /** When the entry was last learned from the wire (eviction picks the oldest). */
    private final long[] touched;
    /** When the state or the address last changed (Linux's {@code updated}, for the lock). */
    private final long[] changed;
    private final int[] queue;
    private final int[] queued;
    private final int queueDepth;
    private final long reachableNanos;
    private final long retransmitNanos;
    private final int maxProbes;
    private long nextTimer = Long.MAX_VALUE;
    private long solicitations;

    /**
     * @param reachableNanos RFC 4861 ReachableTime: how long a confirmation lasts
     * @param retransmitNanos RFC 4861 RetransTimer: between solicitations
     * @param maxProbes MAX_MULTICAST_SOLICIT and MAX_UNICAST_SOLICIT (RFC 4861 section 10: 3)
     */
    public NeighborCache(Link link, int capacity, int queueDepth, long reachableNanos, long retransmitNanos, int maxProbes) {
        if (Integer.bitCount(capacity) != 1 || capacity < PROBE_WINDOW) {
            throw new IllegalArgumentException("capacity must be a power of two >= " + PROBE_WINDOW);
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
        this.changed = new long[capacity];
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
        for (int p = 0; p < PROBE_WINDOW; p++) {
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
        for (int p = 0; p < PROBE_WINDOW; p++) {
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

    /** The state of entry {@code i} at {@code now}: a REACHABLE entry past its reachable time is STALE. */
    private byte stateAt(int i, long now) {
        byte s = state[i];
        return s == REACHABLE && now - deadline[i] >= 0 ? STALE : s;
    }

    private void setState(int i, byte s, long now) {
        if (stateAt(i, now) != s) {
            changed[i] = now;
        }
        state[i] = s;
    }

    private void arm(int i, long at) {
        deadline[i] = at;
        nextTimer = Math.min(nextTimer, at);
    }

    /** The neighbour's MAC when the cache holds one (in any state but INCOMPLETE), else -1. */
    public long lookup(long hi, long lo, long now) {
        int i = find(hi, lo);
        return i < 0 || state[i] == INCOMPLETE ? -1 : mac[i];
    }

    /** ARP requests and neighbour solicitations sent so far, broadcast/multicast and unicast. */
    public long solicitationsSent() {
        return solicitations;
    }

    /** Whether the neighbour is REACHABLE at {@code now} (confirmed within the reachable time). */
    public boolean isReachable(long hi, long lo, long now) {
        int i = find(hi, lo);
        return i >= 0 && stateAt(i, now) == REACHABLE;
    }

    /**
     * Sends {@code frame} to the neighbour: at once when its MAC is known, whatever its reachability,
     * else queued while a resolution runs. Returns false when the queue was full (the caller drops the frame).
     */
    public boolean resolveAndSend(int frame, long hi, long lo, long now) {
        int i = find(hi, lo);
        if (i < 0) {
            // RFC 4861 section 7.2.2: create INCOMPLETE, solicit by broadcast/multicast, queue.
            i = claim(hi, lo, now);
            setState(i, INCOMPLETE, now);
            probes[i] = 1;
            arm(i, now + retransmitNanos);
            solicit(hi, lo, -1);
        }
        if (state[i] == INCOMPLETE) {
            if (queued[i] == queueDepth) {
                return false;
            }
            queue[i * queueDepth + queued[i]++] = frame;
            return true;
        }
        sendTo(i, frame, now);
        return true;
    }

    /** RFC 4861 section 7.3.3: sending to a STALE entry uses it and starts DELAY. */
    private void sendTo(int i, int frame, long now) {
        if (stateAt(i, now) == STALE) {
            setState(i, DELAY, now);
            arm(i, now + DELAY_FIRST_PROBE_NANOS);
        }
        link.transmitResolved(frame, keyHi[i], keyLo[i], mac[i]);
    }

    /**
     * Upper-layer reachability confirmation (RFC 4861 section 7.3.1; TCP forward progress): an entry with
     * an address becomes REACHABLE for the reachable time, without probing. Unknown neighbours are left
     * alone. Allocation-free, meant to be called on every acknowledgement that advances.
     */
    public void confirm(long hi, long lo, long now) {
        int i = find(hi, lo);
        if (i < 0 || state[i] == INCOMPLETE) {
            return;
        }
        setState(i, REACHABLE, now);
        deadline[i] = now + reachableNanos;
    }

    /**
     * Records what a received message says: {@code hi/lo} is at {@code linkAddress}, with {@code flags}
     * among {@link #CREATE}, {@link #CONFIRMED}, {@link #OVERRIDE}, {@link #OVERRIDE_UNLESS_LOCKED} (RFC
     * 4861 section 7.2.5 and Appendix C, which Linux follows for ARP too). Packets queued during a
     * resolution go out now. Returns false only when a new address was refused because the entry is
     * locked; a message that by the RFC merely does not update the entry answers true.
     */
    public boolean learn(long hi, long lo, long linkAddress, int flags, long now) {
        boolean confirmed = (flags & CONFIRMED) != 0;
        int i = find(hi, lo);
        if (i < 0) {
            if ((flags & CREATE) == 0) {
                return true; // RFC 826 merge; RFC 4861 section 7.2.5: no entry, no update
            }
            i = claim(hi, lo, now);
            // RFC 4861 sections 7.2.3, 6.3.4: an entry created by an unsolicited message is STALE.
            resolved(i, linkAddress, confirmed, now);
            return true;
        }
        touched[i] = now;
        byte s = stateAt(i, now);
        if (s == INCOMPLETE) {
            resolved(i, linkAddress, confirmed, now);
            return true;
        }
        if (linkAddress != mac[i]) {
            if ((flags & OVERRIDE_UNLESS_LOCKED) != 0 && now - changed[i] < LOCK_NANOS) {
                return false;
            }
            if ((flags & (OVERRIDE | OVERRIDE_UNLESS_LOCKED)) != 0) {
                mac[i] = linkAddress;
                changed[i] = now;
                becomeReachableOrStale(i, confirmed, now);
            } else if (s == REACHABLE) {
                setState(i, STALE, now); // RFC 4861 section 7.2.5 (a): doubt, but keep the address
            }
            return true;
        }
        if (confirmed) {
            setState(i, REACHABLE, now);
            deadline[i] = now + reachableNanos;
        }
        return true; // the same address unconfirmed changes nothing (RFC 4861 Appendix C)
    }

    /** An INCOMPLETE (or new) entry learns its address: queued packets leave. */
    private void resolved(int i, long linkAddress, boolean confirmed, long now) {
        mac[i] = linkAddress;
        becomeReachableOrStale(i, confirmed, now);
        int n = queued[i];
        queued[i] = 0;
        for (int q = 0; q < n; q++) {
            sendTo(i, queue[i * queueDepth + q], now);
        }
    }

    private void becomeReachableOrStale(int i, boolean confirmed, long now) {
        if (confirmed) {
            setState(i, REACHABLE, now);
            deadline[i] = now + reachableNanos;
        } else {
            setState(i, STALE, now);
        }
    }

    /**
     * Runs the timed states: INCOMPLETE retransmits its broadcast/multicast solicitation and finally gives
     * up, dropping the queue; DELAY becomes PROBE; PROBE retransmits its unicast solicitation and finally
     * deletes the entry (RFC 4861 section 7.3.3). Returns the next deadline.
     */
    public long poll(long now) {
        if (now - nextTimer < 0) {
            return nextTimer;
        }
        long next = Long.MAX_VALUE;
        for (int i = 0; i <= mask; i++) {
            byte s = state[i];
            if (s != INCOMPLETE && s != DELAY && s != PROBE) {
                continue;
            }
            if (now - deadline[i] >= 0) {
                if (s == DELAY) {
                    setState(i, PROBE, now);
                    probes[i] = 0;
                } else if (probes[i] >= maxProbes) {
                    clear(i); // unreachable: queued packets are dropped; the next send resolves anew
                    continue;
                }
                probes[i]++;
                deadline[i] = now + retransmitNanos;
                solicit(keyHi[i], keyLo[i], s == INCOMPLETE ? -1 : mac[i]);
            }
            next = Math.min(next, deadline[i]);
        }
        nextTimer = next;
        return next;
    }

    private void solicit(long hi, long lo, long knownMac) {
        solicitations++;
        link.sendResolution(hi, lo, knownMac);
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
