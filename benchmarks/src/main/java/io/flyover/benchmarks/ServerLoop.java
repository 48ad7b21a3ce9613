package io.flyover.benchmarks;

/**
 * The server side's dedicated thread: runs {@link Body#spin()} until {@link #stop()}; the first error
 * is kept and rethrown by {@link #stop()} so that a broken server fails the benchmark instead of hanging it.
 */
final class ServerLoop {
    /** One busy-poll pass of the server; false when the connection ended. */
    interface Body {
        boolean spin() throws Exception;
    }

    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    ServerLoop(String name, Body body) {
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
        thread.start();
    }

    /** Null while the server runs well. */
    Throwable failure() {
        return failure;
    }

    /** Ends the thread and waits for it; everything it touched is then safe to use from the caller. */
    void stop() {
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
