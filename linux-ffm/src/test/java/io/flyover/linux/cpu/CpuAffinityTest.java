package io.flyover.linux.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CpuAffinityTest {

    @Test
    void pinsTheCallingThreadOnlyAndRestores() throws Exception {
        BitSet before = CpuAffinity.current();
        assertFalse(before.isEmpty());
        int cpu = before.nextSetBit(0);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<BitSet> pinned = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                CpuAffinity.pinCurrentThread(cpu);
                pinned.set(CpuAffinity.current());
                CpuAffinity.set(before);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        assertNull(failure.get());
        BitSet expected = new BitSet();
        expected.set(cpu);
        assertEquals(expected, pinned.get(), "the pinned thread runs on exactly that CPU");
        assertEquals(before, CpuAffinity.current(), "other threads are untouched");
    }

    @Test
    void anEmptySetIsRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> CpuAffinity.set(new BitSet()));
    }

    @Test
    void aCpuOutsideTheMachineFailsWithTheCallAndErrnoNamed() {
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> CpuAffinity.pinCurrentThread(4000));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("sched_setaffinity"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("Invalid argument"), e.getMessage());
    }
}
