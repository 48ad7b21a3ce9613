package io.flyover.provider.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.flyover.stack.SeededRandom;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.VethPair;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpSettings;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the provider ties to a connection's place in the stack's table (the kernel socket reserving its
 * port, {@link TcpConnection#heldUntilReleased}) is closed once the connection leaves the table, by a
 * timer in a poll or by the stack closing, and only after the stack lock is released: a close is a system
 * call, kept out of the stack's core and of the critical section every socket of the stack waits on.
 */
class ReleasedHoldingsTest {
    private final FramePool poolA = FramePool.allocate(256);
    private final FramePool poolB = FramePool.allocate(256);
    private final VethPair veth = VethPair.create(poolA, 0x0200_0000_000AL, poolB, 0x0200_0000_000BL, 64);
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final StackRuntime runtime = new StackRuntime("veth-a",
            new Stack(StackConfig.builder().ipv4("198.18.0.1", 24).build(), veth.a(), new SeededRandom(5)),
            false, clock::get, null);

    @AfterEach
    void close() {
        runtime.close();
        veth.b().close();
    }

    @Test
    void aConnectionThatFailsInAPollHasWhatItHeldClosedAfterTheUnlock() {
        Holding holding = new Holding();
        connect(holding);
        assertEquals(0, holding.closes, "held while the connection is in the table");

        clock.addAndGet(2_000_000_000L); // its only SYN is not answered: the connection fails on its timer
        runtime.lock();
        try {
            runtime.pollLocked();
            assertEquals(0, holding.closes, "not closed under the lock");
        } finally {
            runtime.unlock();
        }

        assertEquals(1, holding.closes, "closed once the connection left the table");
        assertFalse(holding.closedUnderLock, "by the unlocking thread, after the release");
    }

    @Test
    void aConnectionStillInTheTableHasWhatItHeldClosedWhenTheStackClosesOutsideTheLock() {
        Holding holding = new Holding();
        connect(holding);

        runtime.close();

        assertEquals(1, holding.closes, "the stack's close releases it");
        assertFalse(holding.closedUnderLock, "after the release of the lock");
    }

    /** Connects, unanswered, from an ephemeral port the test "reserves" with {@code holding}. */
    private void connect(Holding holding) {
        TcpSettings settings = new TcpSettings();
        settings.synRetries = 0;
        runtime.lock();
        try {
            TcpConnection c = runtime.stack().tcp().connect(0, 0x0000_FFFF_C612_0001L, 0, 0, 0x0000_FFFF_C612_0002L, 80,
                    settings, runtime.now());
            c.heldUntilReleased = holding;
            runtime.flushLocked();
        } finally {
            runtime.unlock();
        }
    }

    /** Stands for the kernel socket reserving a port: notes when it is closed and whether the lock was held. */
    private final class Holding implements AutoCloseable {
        int closes;
        boolean closedUnderLock;

        @Override
        public void close() {
            closes++;
            closedUnderLock |= runtime.isHeldByCurrentThread();
        }
    }
}
