package io.flyover.linux.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The environment the interop tests need: root, {@code ip}, {@code /dev/net/tun} (and python3 for
 * the malformed-frame senders). Missing pieces skip the test with one line, except under
 * {@code CI=true}, where they fail it: CI must never silently skip the kernel interop tests.
 */
public final class Prerequisites {
    public static final String PYTHON = "/usr/bin/python3";

    private Prerequisites() {}

    public static void requireNetworkAdmin() {
        List<String> missing = new ArrayList<>();
        if (!isRoot()) {
            missing.add("root");
        }
        if (findExecutable("ip") == null) {
            missing.add("the ip command (iproute2)");
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            missing.add("/dev/net/tun");
        }
        verdict(missing);
    }

    public static void requirePython() {
        requireNetworkAdmin();
        verdict(Files.isExecutable(Path.of(PYTHON)) ? List.of() : List.of(PYTHON));
    }

    /** {@link #requireNetworkAdmin()} and each named command on the PATH (Debian packages in .ci/run). */
    public static void requireTools(String... commands) {
        requireNetworkAdmin();
        List<String> missing = new ArrayList<>();
        for (String c : commands) {
            if (findExecutable(c) == null) {
                missing.add("the " + c + " command");
            }
        }
        verdict(missing);
    }

    private static void verdict(List<String> missing) {
        verdict(missing, "true".equalsIgnoreCase(System.getenv("CI")));
    }

    /** Skips (abort) with one line naming what is missing, or fails under CI. */
    static void verdict(List<String> missing, boolean ci) {
        if (missing.isEmpty()) {
            return;
        }
        String line = "Linux interop test needs " + String.join(", ", missing);
        if (ci) {
            Assertions.fail(line + " (CI=true: a skip is a failure)");
        }
        Assumptions.abort(line + "; skipped");
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static String findExecutable(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/sbin:/usr/sbin:/bin:/usr/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return null;
    }
}
