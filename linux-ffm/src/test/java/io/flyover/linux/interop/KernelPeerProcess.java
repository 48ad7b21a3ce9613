package io.flyover.linux.interop;

import io.flyover.linux.testing.Namespace;
import io.flyover.linux.testing.Shell;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link KernelPeer} JVM running inside a namespace: this JVM's own {@code java} and class path,
 * started with {@code ip netns exec}; its report lines are read as they come. {@link #close()} kills
 * it if it is still running.
 */
final class KernelPeerProcess implements AutoCloseable {
    private static final String EOF = "\u0000eof";

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();
    private final List<String> seen = new ArrayList<>();

    private KernelPeerProcess(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon().name("kernel-peer-output").start(this::read);
    }

    static KernelPeerProcess start(Namespace ns, String... args) {
        return start(ns.name, args);
    }

    /** In the network namespace called {@code namespace}. */
    static KernelPeerProcess start(String namespace, String... args) {
        String java = ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("no java"));
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, java, "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), KernelPeer.class.getName()));
        command.addAll(List.of(args));
        return new KernelPeerProcess(Shell.start(command));
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.append(line).append('\n');
                lines.add(line);
            }
        } catch (IOException e) {
            output.append("(output: ").append(e).append(")\n");
        } finally {
            lines.add(EOF);
        }
    }

    /**
     * The first report line starting with {@code prefix}, whether it came already or comes within the
     * bounded wait (lines of different prefixes may come in any order); fails otherwise.
     */
    String await(String prefix, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            synchronized (seen) {
                for (String line : seen) {
                    if (line.startsWith(prefix)) {
                        return line;
                    }
                }
            }
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(Math.min(left, 100_000_000L), TimeUnit.NANOSECONDS) : null;
            if (line == null && left <= 0) {
                throw new AssertionError("kernel peer: no '" + prefix + "' line in time; output so far:\n" + output);
            }
            if (line == EOF) {
                lines.add(EOF);
                boolean found;
                synchronized (seen) {
                    found = seen.stream().anyMatch(l -> l.startsWith(prefix));
                }
                if (!found) {
                    throw new AssertionError("kernel peer ended without a '" + prefix + "' line:\n" + output);
                }
            } else if (line != null) {
                synchronized (seen) {
                    seen.add(line);
                }
            }
        }
    }

    /** Waits for the peer to exit; answers its exit code. */
    int waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        if (!process.waitFor(timeout, unit)) {
            throw new AssertionError("kernel peer still running; output:\n" + output);
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() {
        return output.toString();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
