package io.flyover.linux.cpu;

import io.flyover.linux.sys.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;

/**
 * The calling thread's CPU affinity (sched_setaffinity(2) with pid 0, which means the calling
 * thread): stack threads pin themselves to the cores nearest their NIC queue.
 */
public final class CpuAffinity {
    /** A cpu_set_t for up to 4096 CPUs, larger than the kernel's mask on any host we meet. */
    private static final int MASK_BYTES = 512;

    private CpuAffinity() {}

    /** The CPUs the calling thread may run on. */
    public static BitSet current() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES, 8);
            Libc.check("sched_getaffinity", Libc.schedGetaffinity(0, MASK_BYTES, mask));
            return BitSet.valueOf(mask.toArray(ValueLayout.JAVA_LONG));
        }
    }

    /** Restricts the calling thread to {@code cpus}. */
    public static void set(BitSet cpus) throws IOException {
        if (cpus.isEmpty() || cpus.length() > MASK_BYTES * 8) {
            throw new IllegalArgumentException("CPU set must be non-empty and below " + MASK_BYTES * 8 + ": " + cpus);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES, 8);
            long[] words = cpus.toLongArray();
            MemorySegment.copy(words, 0, mask, ValueLayout.JAVA_LONG, 0, words.length);
            Libc.check("sched_setaffinity(" + cpus + ")", Libc.schedSetaffinity(0, MASK_BYTES, mask));
        }
    }

    /** Pins the calling thread to one CPU. */
    public static void pinCurrentThread(int cpu) throws IOException {
        BitSet one = new BitSet();
        one.set(cpu);
        set(one);
    }
}
