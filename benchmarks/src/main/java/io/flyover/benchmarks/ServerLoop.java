package io.flyover.benchmarks;

import java.io.IOException;

/**
 * Runs the server side's busy-poll pass ({@link Body#spin()}) either on a dedicated thread, from
 * {@link #start()} until {@link #stop()}, or inline on the client's thread, one pass per {@link #step()}
 * (the client's busy-poll loops call it; with a dedicated thread it does nothing). A dedicated thread's
 * first error is kept and rethrown by {@link #stop()}, so that a broken server fails the benchmark
 * instead of hanging it.
 */
final class ServerLoop {
    /** One busy-poll pass of the server; false when the connection ended. */
    interface Body {
        boolean spin() throws IOException;
    }

    private final Body body;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private boolean ended;

    ServerLoop(String name, boolean dedicatedThread, Body body) {
        this.body = body;
        if (!dedicatedThread) {
            thread = null;
            return;
        }
        thread = new Thread(() -> {
            try {
                while (running && body.spin()) {
                    // busy-poll, as a kernel-bypass stack thread does
                }
            } catch (Throwable t) {
                failure = t;
            }
        }, name);
        thread.setDaemon(true);
    }

    void start() {
        if (thread != null) {
            thread.start();
        }
    }

    /** Inline: one pass of the server on the calling thread. With a dedicated thread: nothing. */
    void step() throws IOException {
        if (thread == null && !ended) {
            ended = !body.spin();
        }
    }

    /** Null while the server runs well. */
    Throwable failure() {
        return failure;
    }

    /** Ends the thread and waits for it; everything it touched is then safe to use from the caller. */
    void stop() {
        if (thread == null) {
            return;
        }
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new IllegalStateException(thread.getName() + " did not stop");
        }
        if (failure != null) {
            throw new IllegalStateException(thread.getName() + " failed", failure);
        }
    }
}
