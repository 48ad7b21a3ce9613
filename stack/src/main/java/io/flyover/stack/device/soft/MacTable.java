package io.flyover.stack.device.soft;

/**
 * A learning bridge's forwarding database (IEEE 802.1D §7.8, §7.9): which port a source MAC was last
 * seen on, and when. Fixed capacity, open addressing, preallocated: learning and lookup allocate
 * nothing. An entry older than the ageing time answers as unknown (the frame is then flooded);
 * when the table is full, new addresses are not learned and their frames keep being flooded.
 */
final class MacTable {
    static final int UNKNOWN = -1;

    private final long[] keys;   // mac + 1, so 0 marks an empty slot
    private final int[] ports;
    private final long[] seenAt;
    private final int mask;
    private final int limit;
    private final long ageingNanos;
    private int size;

    MacTable(int capacity, long ageingNanos) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        int slots = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
        this.keys = new long[slots];
        this.ports = new int[slots];
        this.seenAt = new long[slots];
        this.mask = slots - 1;
        this.limit = capacity;
        this.ageingNanos = ageingNanos;
    }

    /** Records that {@code mac} was seen on {@code port}; false when the table is full and it is new. */
    boolean learn(long mac, int port, long nowNanos) {
        long key = mac + 1;
        int slot = slotOf(key);
        if (keys[slot] == 0) {
            if (size == limit) {
                return false;
            }
            keys[slot] = key;
            size++;
        }
        ports[slot] = port;
        seenAt[slot] = nowNanos;
        return true;
    }

    /** The port {@code mac} was last seen on within the ageing time, or {@link #UNKNOWN}. */
    int lookup(long mac, long nowNanos) {
        long key = mac + 1;
        int slot = slotOf(key);
        if (keys[slot] == 0 || nowNanos - seenAt[slot] > ageingNanos) {
            return UNKNOWN;
        }
        return ports[slot];
    }

    /** Forgets where every address was seen on {@code port} (the port went away). */
    void forgetPort(int port) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0 && ports[i] == port) {
                ports[i] = UNKNOWN;
            }
        }
    }

    int size() { return size; }

    private int slotOf(long key) {
        int slot = (int) (mix(key) & mask);
        while (keys[slot] != 0 && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long mix(long x) {
        x *= 0x9E37_79B9_7F4A_7C15L;
        return x ^ (x >>> 29);
    }
}
