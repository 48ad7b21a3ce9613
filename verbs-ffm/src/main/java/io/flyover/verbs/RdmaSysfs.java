package io.flyover.verbs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What sysfs says about a network interface and the RDMA device behind it: an interface whose PCI
 * function also has an RDMA device lists it in {@code /sys/class/net/<if>/device/infiniband/}, and the
 * RDMA device lists the interface in {@code /sys/class/infiniband/<dev>/device/net/}. The port is
 * {@code dev_port + 1} (dev_port is 0-based, verbs ports 1-based). Reads only; never throws for a
 * missing file.
 */
public final class RdmaSysfs {
    private final Path sys;

    /** Over {@code sysRoot} (normally {@code /sys}; tests pass a tree of their own). */
    public RdmaSysfs(Path sysRoot) {
        this.sys = sysRoot;
    }

    public static RdmaSysfs system() {
        return new RdmaSysfs(Path.of("/sys"));
    }

    /** An RDMA device and port. */
    public record RdmaPort(String device, int port) {}

    private static boolean isPlainName(String name) {
        return name != null && !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\0') < 0;
    }

    /** The RDMA device and port behind {@code interfaceName}, if it has one. */
    public Optional<RdmaPort> rdmaPortFor(String interfaceName) {
        if (!isPlainName(interfaceName)) {
            return Optional.empty();
        }
        Path netdev = sys.resolve("class/net").resolve(interfaceName);
        Optional<String> device = firstEntry(netdev.resolve("device/infiniband"));
        if (device.isEmpty()) {
            for (String candidate : entries(sys.resolve("class/infiniband"))) {
                if (Files.exists(sys.resolve("class/infiniband").resolve(candidate).resolve("device/net").resolve(interfaceName))) {
                    device = Optional.of(candidate);
                    break;
                }
            }
        }
        int devPort = readInt(netdev.resolve("dev_port"), 0);
        return device.map(d -> new RdmaPort(d, devPort + 1));
    }

    /** The interface's MAC address as 48 bits, first octet most significant; -1 if unreadable. */
    public long macAddress(String interfaceName) {
        if (!isPlainName(interfaceName)) {
            return -1;
        }
        String text = read(sys.resolve("class/net").resolve(interfaceName).resolve("address"));
        if (text == null || !text.matches("(\\p{XDigit}{2}:){5}\\p{XDigit}{2}")) {
            return -1;
        }
        return Long.parseLong(text.replace(":", ""), 16);
    }

    /** The interface's MTU, or -1 if unreadable. */
    public int mtu(String interfaceName) {
        return isPlainName(interfaceName) ? readInt(sys.resolve("class/net").resolve(interfaceName).resolve("mtu"), -1) : -1;
    }

    private static Optional<String> firstEntry(Path dir) {
        List<String> names = entries(dir);
        return names.isEmpty() ? Optional.empty() : Optional.of(names.getFirst());
    }

    private static List<String> entries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    private static int readInt(Path file, int fallback) {
        String text = read(file);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.decode(text);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
