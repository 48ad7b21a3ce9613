package io.flyover.linux.xdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One of an AF_XDP socket's four single-producer/single-consumer rings, mapped from the kernel
 * (Documentation/networking/af_xdp.rst). We produce into the fill and TX rings and consume from the
 * RX and completion rings; the kernel does the opposite.
 *
 * <p>Indices are free-running u32 counters masked by {@code size - 1}. The other side's index is
 * read with acquire semantics (its descriptors are visible after it), ours is published with
 * release semantics (our descriptor writes, or our reads of its descriptors, happen before), as
 * libxdp's {@code xsk_ring_prod__submit} / {@code xsk_ring_cons__release} do with
 * {@code __atomic_store_n(..., __ATOMIC_RELEASE)}. Local caches of both indices keep the shared
 * cache lines untouched while there is known room or known data.
 */
final class XskRing {
    /** XDP_RING_NEED_WAKEUP in the ring's flags word. */
    static final int NEED_WAKEUP = 1;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment map;
    private final long producerOffset;
    private final long consumerOffset;
    private final long flagsOffset;
    private final long descOffset;
    private final int size;
    private final int mask;
    private int cachedProducer;
    private int cachedConsumer;

    XskRing(MemorySegment map, long producerOffset, long consumerOffset, long flagsOffset, long descOffset, int size) {
        this.map = map;
        this.producerOffset = producerOffset;
        this.consumerOffset = consumerOffset;
        this.flagsOffset = flagsOffset;
        this.descOffset = descOffset;
        this.size = size;
        this.mask = size - 1;
        this.cachedProducer = (int) INT.getAcquire(map, producerOffset);
        this.cachedConsumer = (int) INT.getAcquire(map, consumerOffset);
    }

    MemorySegment mapping() { return map; }
    int size() { return size; }

    // --- producer side (fill, TX) ---------------------------------------------------------------

    /** How many of {@code wanted} slots are free to produce into, refreshing the consumer index if short. */
    int reserve(int wanted) {
        int free = size - (cachedProducer - cachedConsumer);
        if (free < wanted) {
            cachedConsumer = (int) INT.getAcquire(map, consumerOffset);
            free = size - (cachedProducer - cachedConsumer);
        }
        return Math.min(wanted, free);
    }

    /** Byte offset in the mapping of the {@code i}-th slot after the producer index. */
    long producerSlot(int i, int entrySize) {
        return descOffset + (long) ((cachedProducer + i) & mask) * entrySize;
    }

    /** Publishes {@code n} produced slots. */
    void submit(int n) {
        cachedProducer += n;
        INT.setRelease(map, producerOffset, cachedProducer);
    }

    /** Slots produced and not yet consumed by the kernel (after a fresh read of its index). */
    int outstanding() {
        cachedConsumer = (int) INT.getAcquire(map, consumerOffset);
        return cachedProducer - cachedConsumer;
    }

    // --- consumer side (RX, completion) ---------------------------------------------------------

    /** How many of {@code wanted} entries are ready to consume, refreshing the producer index if short. */
    int peek(int wanted) {
        int ready = cachedProducer - cachedConsumer;
        if (ready < wanted) {
            cachedProducer = (int) INT.getAcquire(map, producerOffset);
            ready = cachedProducer - cachedConsumer;
        }
        return Math.min(wanted, ready);
    }

    /** Byte offset in the mapping of the {@code i}-th entry after the consumer index. */
    long consumerSlot(int i, int entrySize) {
        return descOffset + (long) ((cachedConsumer + i) & mask) * entrySize;
    }

    /** Hands {@code n} consumed entries back to the kernel. */
    void release(int n) {
        cachedConsumer += n;
        INT.setRelease(map, consumerOffset, cachedConsumer);
    }

    // --- both -----------------------------------------------------------------------------------

    /** Whether the kernel asks to be kicked (sendto for TX, recvfrom/poll for fill) before it proceeds. */
    boolean needsWakeup() {
        return ((int) INT.getAcquire(map, flagsOffset) & NEED_WAKEUP) != 0;
    }

    long getLong(long offset) { return map.get(ValueLayout.JAVA_LONG, offset); }
    int getInt(long offset) { return map.get(ValueLayout.JAVA_INT, offset); }
    void setLong(long offset, long value) { map.set(ValueLayout.JAVA_LONG, offset, value); }
    void setInt(long offset, int value) { map.set(ValueLayout.JAVA_INT, offset, value); }
}
