package io.flyover.provider.stats;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A {@link StatsChild} JVM publishing into {@code dir}, started and waited for until it has published data. */
record Child(Process process, long pid) {

    static Child start(Path dir) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                StatsChild.class.getName(), dir.toString());
        Path stderr = dir.resolve("child-stderr.txt");
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        try {
            line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            }).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
        if (line == null || !line.startsWith("READY ")) {
            p.destroyForcibly();
            throw new AssertionError("the child did not start: " + line + "\n" + Files.readString(stderr));
        }
        long pid = Long.parseLong(line.substring(6).trim());
        if (pid != p.pid()) {
            p.destroyForcibly();
            throw new AssertionError("the child says it is " + pid + ", not " + p.pid());
        }
        return new Child(p, pid);
    }
}
