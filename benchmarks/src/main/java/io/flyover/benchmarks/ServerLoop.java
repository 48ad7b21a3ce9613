package io.flyover.benchmarks;

import java.io.IOException;

/**
 * Runs the server side's busy-poll pass ({@link Body#spin()}) either on a dedicated thread, from
 * {@link #start()} until {@link #stop()}, or inline on the client's thread, one pass per {@link #step()}.
 * The client's busy-poll loops call {@link #step()} either way: with a dedicated thread it only checks
 * that the server still runs, so that a broken server fails the benchmark instead of hanging it.
 */
final class ServerLoop {
    /** One busy-poll pass of the server; false when the connection ended. */
    interface Body {
        boolean spin() throws IOException;
    }

    private final String name;
    private final Body body;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile boolean ended;

    ServerLoop(String name, boolean dedicatedThread, Body body) {
        this.name = name;
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
            } finally {
                ended = true;
            }
        }, name);
        thread.setDaemon(true);
    }

    void start() {
        if (thread != null) {
            thread.start();
        }
    }

    /**
     * Inline: one pass of the server on the calling thread. Either way, throws once the server has
     * ended before {@link #stop()} (its connection closed, or it failed).
     */
    void step() throws IOException {
        if (thread == null && !ended && !body.spin()) {
            ended = true;
        }
        if (ended && running) {
            throw new IOException(name + " ended", failure);
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
