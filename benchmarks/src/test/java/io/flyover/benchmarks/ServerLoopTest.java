package io.flyover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A server end that stops or fails makes the client's busy-poll loop throw instead of spinning forever. */
class ServerLoopTest {

    @Test
    void inlineRunsOnePassPerStepAndThrowsOnceTheServerEnded() throws IOException {
        AtomicInteger passes = new AtomicInteger();
        ServerLoop loop = new ServerLoop("s", false, () -> passes.incrementAndGet() < 3);
        loop.start();
        loop.step();
        loop.step();
        assertEquals(2, passes.get());
        assertThrows(IOException.class, loop::step);
        assertEquals(3, passes.get());
        loop.stop();
    }

    @Test
    void aFailedServerThreadFailsTheClientStepAndTheStop() throws Exception {
        IOException cause = new IOException("broken");
        ServerLoop loop = new ServerLoop("s", true, () -> { throw cause; });
        loop.start();
        IOException thrown = null;
        for (long deadline = System.nanoTime() + 10_000_000_000L; thrown == null && System.nanoTime() < deadline; ) {
            try {
                loop.step();
                Thread.sleep(1);
            } catch (IOException e) {
                thrown = e;
            }
        }
        assertSame(cause, thrown.getCause());
        IllegalStateException stopped = assertThrows(IllegalStateException.class, loop::stop);
        assertSame(cause, stopped.getCause());
    }
}
