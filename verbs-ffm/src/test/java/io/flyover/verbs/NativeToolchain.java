package io.flyover.verbs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * gcc and the rdma-core headers, for tests that compile C against {@code <infiniband/verbs.h>}.
 * Tests call {@link #assumeAvailable()}: without gcc or the headers they are skipped with a message
 * saying what to install, and only then.
 */
public final class NativeToolchain {
    public static final Path VERBS_HEADER = Path.of("/usr/include/infiniband/verbs.h");
    private static final Path BUILD_DIR = Path.of("target", "native-test");

    private NativeToolchain() {}

    public static void assumeAvailable() {
        require(Files.isReadable(VERBS_HEADER), VERBS_HEADER + " is missing (install libibverbs-dev)");
        require(gccWorks(), "gcc is missing (install gcc)");
    }

    /** Skips with the reason; under CI=true, where .ci/run installs both, a missing tool is a failure. */
    private static void require(boolean present, String missing) {
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + missing);
        }
        assumeTrue(present, "skipped: " + missing);
    }

    private static boolean gccWorks() {
        try {
            return run(List.of("gcc", "--version"), false).exit == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes {@code source} and compiles it to an executable, or a shared library when {@code shared}. */
    public static Path compile(String name, String source, boolean shared) throws IOException {
        Files.createDirectories(BUILD_DIR);
        Path c = BUILD_DIR.resolve(name + ".c").toAbsolutePath();
        Path out = BUILD_DIR.resolve(shared ? "lib" + name + ".so" : name).toAbsolutePath();
        Files.writeString(c, source, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-std=gnu11", "-O1", "-Wall", "-Werror", "-o", out.toString()));
        if (shared) {
            cmd.addAll(List.of("-shared", "-fPIC"));
        }
        cmd.add(c.toString());
        Result r = run(cmd, true);
        if (r.exit != 0) {
            throw new IOException("gcc failed for " + c + ":\n" + r.output);
        }
        return out;
    }

    /** Runs a program and returns its standard output (standard error merged). */
    public static String runProgram(Path program) throws IOException {
        Result r = run(List.of(program.toString()), true);
        if (r.exit != 0) {
            throw new IOException(program + " exited with " + r.exit + ":\n" + r.output);
        }
        return r.output;
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command, boolean capture) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
            return new Result(p.exitValue(), capture ? out : "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
