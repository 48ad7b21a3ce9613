package io.flyover.linux.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the commands that build and tear down test topologies, with a bounded wait. */
public final class Shell {
    private Shell() {}

    public record Result(int exitCode, String output) {
        public boolean ok() { return exitCode == 0; }
    }

    /** Runs and returns exit code and merged output; never throws for a non-zero exit. */
    public static Result tryRun(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out: " + String.join(" ", command));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    /** Runs and throws with the command's output when it fails. */
    public static String run(String... command) {
        Result r = tryRun(command);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " -> exit " + r.exitCode() + ": " + r.output());
        }
        return r.output();
    }

    /** Starts a command in the background, output merged; the caller waits for or destroys it. */
    public static Process start(List<String> command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
    }
}
