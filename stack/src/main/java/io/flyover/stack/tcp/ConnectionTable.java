package io.flyover.stack.tcp;

import java.util.Arrays;
import java.util.Objects;

/**
 * Demultiplexing by the 4-tuple (RFC 9293 §3.3.1: a connection is identified by its pair of sockets):
 * an open-addressing hash table with linear probing over arrays, looked up without allocation.
 * Grows (allocating) only when connections are added past half full.
 */
final class ConnectionTable {
    private TcpConnection[] slots;
    private int mask;
    private int size;

    ConnectionTable(int initialCapacity) {
        int cap = Integer.highestOneBit(Math.max(16, initialCapacity * 2 - 1)) << 1;
        slots = new TcpConnection[cap];
        mask = cap - 1;
    }

    int size() { return size; }

    /** The connections now in the table (a copy: for closing them all, not for the data path). */
    TcpConnection[] snapshot() {
        return Arrays.stream(slots).filter(Objects::nonNull).toArray(TcpConnection[]::new);
    }

    static int hash(long lHi, long lLo, int lPort, long rHi, long rLo, int rPort) {
        long h = lHi * 0x9E3779B97F4A7C15L;
        h = (h ^ lLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ rHi) * 0x9E3779B97F4A7C15L;
        h = (h ^ rLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ (((long) lPort << 16) | rPort)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    TcpConnection find(long lHi, long lLo, int lPort, long rHi, long rLo, int rPort) {
        int i = hash(lHi, lLo, lPort, rHi, rLo, rPort) & mask;
        while (true) {
            TcpConnection c = slots[i];
            if (c == null) {
                return null;
            }
            if (c.localPort == lPort && c.remotePort == rPort && c.localLo == lLo && c.remoteLo == rLo
                    && c.localHi == lHi && c.remoteHi == rHi) {
                return c;
            }
            i = (i + 1) & mask;
        }
    }

    void add(TcpConnection c) {
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        insert(c);
        size++;
    }

    private void insert(TcpConnection c) {
        int i = hash(c.localHi, c.localLo, c.localPort, c.remoteHi, c.remoteLo, c.remotePort) & mask;
        while (slots[i] != null) {
            i = (i + 1) & mask;
        }
        slots[i] = c;
    }

    private void grow() {
        TcpConnection[] old = slots;
        slots = new TcpConnection[old.length * 2];
        mask = slots.length - 1;
        for (TcpConnection c : old) {
            if (c != null) {
                insert(c);
            }
        }
    }

    /** Removes {@code c} (by identity), closing the probe chain by backward shift. */
    void remove(TcpConnection c) {
        int i = hash(c.localHi, c.localLo, c.localPort, c.remoteHi, c.remoteLo, c.remotePort) & mask;
        while (slots[i] != c) {
            if (slots[i] == null) {
                return;
            }
            i = (i + 1) & mask;
        }
        slots[i] = null;
        size--;
        int j = (i + 1) & mask;
        while (slots[j] != null) {
            TcpConnection m = slots[j];
            int home = hash(m.localHi, m.localLo, m.localPort, m.remoteHi, m.remoteLo, m.remotePort) & mask;
            // move m into the hole at i if its home is not in (i, j]
            if (((j - home) & mask) >= ((j - i) & mask)) {
                slots[i] = m;
                slots[j] = null;
                i = j;
            }
            j = (j + 1) & mask;
        }
    }
}
