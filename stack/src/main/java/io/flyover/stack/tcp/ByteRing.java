package io.flyover.stack.tcp;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A byte ring: the socket's send or receive buffer.
 * The one copy at the socket boundary goes between the application's {@link ByteBuffer} and this
 * ring; frames are copied in and out by {@link MemorySegment#copy}, so nothing allocates per segment.
 *
 * <p>The storage starts at {@link #INITIAL_STORAGE} (or the buffer size, when smaller) and doubles when
 * bytes need more, up to the buffer size: a connection that carries requests and responses of a few
 * KiB never holds more, as Linux charges a socket only for the data it queues, while a bulk transfer's
 * ring reaches the full buffer within its first round trips and stays there (a handful of allocations
 * while it ramps up, none after). Memory is then proportional to what connections carry, not to their
 * number times SO_RCVBUF + SO_SNDBUF (512 KiB by default).
 *
 * <p>Bytes {@code [0, readable())} from the head are committed. The receive side also writes ahead of
 * the committed tail ({@link #writeAt}) for out-of-order data and commits once the hole fills.
 *
 * <p>The ring's size is the socket's buffer size (SO_SNDBUF / SO_RCVBUF) and may change while bytes
 * are queued ({@link #resize}), as Linux lets these options change at any time: growing only raises
 * what {@link #write} accepts (the storage grows when bytes need it, moving every byte, committed or
 * written ahead); shrinking only lowers it from then on, so nothing queued is lost. The storage never
 * shrinks.
 */
final class ByteRing {
    /** The storage a new ring starts with. */
    static final int INITIAL_STORAGE = 16 * 1024;

    private byte[] bytes;
    private MemorySegment memory;
    /** Length of the storage: ring positions wrap here. */
    private int storage;
    /** The buffer size; {@link #write} fills up to it. */
    private int capacity;
    /**
     * The largest buffer size ever set: a window advertised under it may still be filled after a shrink
     * (RFC 9293 §3.8.6: the window is not taken back), so {@link #writeAt} may grow the storage to it.
     */
    private int largestCapacity;
    private int head;
    private int readable;

    ByteRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.largestCapacity = capacity;
        this.storage = Math.min(capacity, INITIAL_STORAGE);
        this.bytes = new byte[storage];
        this.memory = MemorySegment.ofArray(bytes);
    }

    /** The buffer size. */
    int capacity() { return capacity; }
    int readable() { return readable; }
    /** Room {@link #write} fills: the buffer size less the committed bytes (0 after a shrink below them). */
    int writable() { return Math.max(capacity - readable, 0); }
    /**
     * Room past the committed tail for {@link #writeAt}: up to the largest buffer size ever set, so that
     * a shrink never drops data the window it advertised before lets in.
     */
    int room() { return Math.max(storage, largestCapacity) - readable; }

    /** The bytes the ring holds now (for tests and statistics). */
    int storage() { return storage; }

    /**
     * Changes the buffer size (SO_SNDBUF / SO_RCVBUF at any time). A larger size only lets the storage
     * grow further when bytes need it; a smaller one keeps the storage and every byte in it.
     */
    void resize(int newCapacity) {
        if (newCapacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + newCapacity);
        }
        capacity = newCapacity;
        largestCapacity = Math.max(largestCapacity, newCapacity);
    }

    /**
     * Grows the storage to hold {@code needed} bytes from the head (doubling, at most to the larger of
     * the largest buffer size and {@code needed}), moving the ring's whole content, head first, so committed
     * bytes and bytes written ahead keep their offsets from the head.
     */
    private void ensureStorage(int needed) {
        if (needed <= storage) {
            return;
        }
        long doubled = storage;
        while (doubled < needed) {
            doubled *= 2;
        }
        int grownSize = (int) Math.max(needed, Math.min(doubled, Math.max(largestCapacity, needed)));
        byte[] grown = new byte[grownSize];
        int first = storage - head;
        System.arraycopy(bytes, head, grown, 0, first);
        System.arraycopy(bytes, 0, grown, first, head);
        bytes = grown;
        memory = MemorySegment.ofArray(grown);
        storage = grownSize;
        head = 0;
    }

    void clear() {
        head = 0;
        readable = 0;
    }

    private int index(int offsetFromHead) {
        int i = head + offsetFromHead;
        return i >= storage ? i - storage : i;
    }

    /** Appends as much of {@code src} as fits; returns the count. */
    int write(ByteBuffer src) {
        int n = Math.min(src.remaining(), writable());
        ensureStorage(readable + n);
        int at = index(readable);
        int first = Math.min(n, storage - at);
        src.get(bytes, at, first);
        src.get(bytes, 0, n - first);
        readable += n;
        return n;
    }

    /** Appends from a byte array; returns the count. */
    int write(byte[] src, int offset, int length) {
        int n = Math.min(length, writable());
        ensureStorage(readable + n);
        int at = index(readable);
        int first = Math.min(n, storage - at);
        System.arraycopy(src, offset, bytes, at, first);
        System.arraycopy(src, offset + first, bytes, 0, n - first);
        readable += n;
        return n;
    }

    /** Copies {@code length} bytes from {@code src} to {@code offsetFromTail} past the committed tail, not committing. */
    void writeAt(int offsetFromTail, MemorySegment src, long srcOffset, int length) {
        if (offsetFromTail < 0 || offsetFromTail + length > room()) {
            throw new IndexOutOfBoundsException("write beyond ring capacity");
        }
        ensureStorage(readable + offsetFromTail + length);
        int at = index(readable + offsetFromTail);
        int first = Math.min(length, storage - at);
        MemorySegment.copy(src, srcOffset, memory, at, first);
        MemorySegment.copy(src, srcOffset + first, memory, 0, length - first);
    }

    /** Makes {@code n} bytes written by {@link #writeAt} at the tail readable. */
    void commit(int n) {
        if (n < 0 || readable + n > storage) {
            throw new IndexOutOfBoundsException("commit " + n);
        }
        readable += n;
    }

    /** Moves up to {@code dst.remaining()} committed bytes into {@code dst}; returns the count. */
    int read(ByteBuffer dst) {
        int n = Math.min(dst.remaining(), readable);
        int first = Math.min(n, storage - head);
        dst.put(bytes, head, first);
        dst.put(bytes, 0, n - first);
        consume(n);
        return n;
    }

    /** Moves up to {@code length} committed bytes into a byte array; returns the count. */
    int read(byte[] dst, int offset, int length) {
        int n = Math.min(length, readable);
        int first = Math.min(n, storage - head);
        System.arraycopy(bytes, head, dst, offset, first);
        System.arraycopy(bytes, 0, dst, offset + first, n - first);
        consume(n);
        return n;
    }

    /** Copies committed bytes {@code [offsetFromHead, +length)} into {@code dst} without consuming them. */
    void copyOut(int offsetFromHead, MemorySegment dst, long dstOffset, int length) {
        if (offsetFromHead < 0 || offsetFromHead + length > readable) {
            throw new IndexOutOfBoundsException("copy beyond readable bytes");
        }
        int at = index(offsetFromHead);
        int first = Math.min(length, storage - at);
        MemorySegment.copy(memory, at, dst, dstOffset, first);
        MemorySegment.copy(memory, 0, dst, dstOffset + first, length - first);
    }

    /** Drops {@code n} committed bytes from the head. */
    void consume(int n) {
        if (n < 0 || n > readable) {
            throw new IndexOutOfBoundsException("consume " + n + " of " + readable);
        }
        // The head is not reset when the ring empties: out-of-order bytes may already sit past the tail.
        head = index(n);
        readable -= n;
    }
}
