package io.flyover.linux.xdp;

import io.flyover.linux.sys.ErrnoException;
import io.flyover.linux.sys.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code bpf(2)} commands AF_XDP needs, through {@code syscall(SYS_bpf, cmd, &attr, size)}:
 * creating an XSKMAP, loading an XDP program, updating the map and attaching the program with a
 * BPF link. Field offsets of {@code union bpf_attr} are those of include/uapi/linux/bpf.h.
 * File descriptors the kernel returns are close-on-exec.
 */
final class Bpf {
    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_MAP_DELETE_ELEM = 3;
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_LINK_CREATE = 28;

    static final int BPF_MAP_TYPE_HASH = 1;
    static final int BPF_MAP_TYPE_XSKMAP = 17;
    static final int BPF_PROG_TYPE_XDP = 6;
    static final int BPF_XDP = 37;

    static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    static final int XDP_FLAGS_DRV_MODE = 1 << 2;

    /** Larger than any bpf_attr member we use; the kernel accepts a larger, zero-tailed attr. */
    private static final int ATTR_SIZE = 128;
    private static final int LOG_SIZE = 1 << 16;

    private Bpf() {}

    /** __NR_bpf for the running architecture. */
    static long sysBpf() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 321;
            case "aarch64", "arm64", "riscv64" -> 280;
            default -> throw new UnsupportedOperationException("bpf(2) number unknown for " + System.getProperty("os.arch"));
        };
    }

    private static long bpf(int command, MemorySegment attr) {
        return Libc.syscall(sysBpf(), command, attr.address(), attr.byteSize());
    }

    /** An XSKMAP of {@code entries} slots (key: queue index, value: AF_XDP socket fd). */
    static int createXskMap(String name, int entries) throws IOException {
        return createMap(name, BPF_MAP_TYPE_XSKMAP, 4, 4, entries, "XSKMAP");
    }

    /** A hash map from {@code keySize}-byte keys to 4-byte values. */
    static int createHashMap(String name, int keySize, int entries) throws IOException {
        return createMap(name, BPF_MAP_TYPE_HASH, keySize, 4, entries, "HASH");
    }

    private static int createMap(String name, int type, int keySize, int valueSize, int entries, String what)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, type);
            attr.set(ValueLayout.JAVA_INT, 4, keySize);
            attr.set(ValueLayout.JAVA_INT, 8, valueSize);
            attr.set(ValueLayout.JAVA_INT, 12, entries);
            attr.setString(28, truncatedName(name));
            return (int) Libc.check("bpf(BPF_MAP_CREATE, " + what + ")", bpf(BPF_MAP_CREATE, attr));
        }
    }

    /** Sets {@code map[key] = value} for a map with 4-byte values. */
    static void updateElement(int mapFd, byte[] key, int value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment k = arena.allocate(key.length, 8);
            MemorySegment.copy(key, 0, k, ValueLayout.JAVA_BYTE, 0, key.length);
            MemorySegment v = Libc.intValue(arena, value);
            attr.set(ValueLayout.JAVA_INT, 0, mapFd);
            attr.set(ValueLayout.JAVA_LONG, 8, k.address());
            attr.set(ValueLayout.JAVA_LONG, 16, v.address());
            Libc.check("bpf(BPF_MAP_UPDATE_ELEM)", bpf(BPF_MAP_UPDATE_ELEM, attr));
        }
    }

    /** Removes {@code key}; a key that is not there is not an error. */
    static void deleteElement(int mapFd, byte[] key) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment k = arena.allocate(key.length, 8);
            MemorySegment.copy(key, 0, k, ValueLayout.JAVA_BYTE, 0, key.length);
            attr.set(ValueLayout.JAVA_INT, 0, mapFd);
            attr.set(ValueLayout.JAVA_LONG, 8, k.address());
            long result = bpf(BPF_MAP_DELETE_ELEM, attr);
            if (result != -io.flyover.linux.sys.Errno.ENOENT) {
                Libc.check("bpf(BPF_MAP_DELETE_ELEM)", result);
            }
        }
    }

    /** Sets {@code map[key] = value} for a map with 4-byte keys and values. */
    static void updateElement(int mapFd, int key, int value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment k = Libc.intValue(arena, key);
            MemorySegment v = Libc.intValue(arena, value);
            attr.set(ValueLayout.JAVA_INT, 0, mapFd);
            attr.set(ValueLayout.JAVA_LONG, 8, k.address());
            attr.set(ValueLayout.JAVA_LONG, 16, v.address());
            Libc.check("bpf(BPF_MAP_UPDATE_ELEM, key " + key + ")", bpf(BPF_MAP_UPDATE_ELEM, attr));
        }
    }

    /**
     * Loads an XDP program. On failure retries once with the verifier log on, and puts the log in the
     * exception, since "Permission denied" alone explains nothing.
     */
    static int loadXdpProgram(String name, byte[] instructions, String license) throws IOException {
        if (instructions.length % 8 != 0) {
            throw new IllegalArgumentException("BPF instructions are 8 bytes each");
        }
        int attachType = BPF_XDP;
        long result = loadWithLog(name, instructions, license, attachType, null);
        if (result == -io.flyover.linux.sys.Errno.EINVAL) {
            attachType = 0; // kernels that reject expected_attach_type for XDP
            result = loadWithLog(name, instructions, license, attachType, null);
        }
        if (result < 0) {
            int firstErrno = (int) -result;
            String log = verifierLog(name, instructions, license, attachType);
            ErrnoException failure = new ErrnoException("bpf(BPF_PROG_LOAD, XDP)", firstErrno);
            if (!log.isEmpty()) {
                failure.addSuppressed(new IOException("verifier log:\n" + log));
            }
            throw failure;
        }
        return (int) result;
    }

    private static String verifierLog(String name, byte[] instructions, String license, int attachType) {
        StringBuilder log = new StringBuilder();
        loadWithLog(name, instructions, license, attachType, log);
        return log.toString().strip();
    }

    private static long loadWithLog(String name, byte[] instructions, String license, int attachType, StringBuilder log) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(instructions.length, 8);
            MemorySegment.copy(instructions, 0, insns, ValueLayout.JAVA_BYTE, 0, instructions.length);
            MemorySegment lic = arena.allocateFrom(license);
            MemorySegment logBuf = log == null ? MemorySegment.NULL : arena.allocate(LOG_SIZE);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_XDP);
            attr.set(ValueLayout.JAVA_INT, 4, instructions.length / 8);
            attr.set(ValueLayout.JAVA_LONG, 8, insns.address());
            attr.set(ValueLayout.JAVA_LONG, 16, lic.address());
            if (log != null) {
                attr.set(ValueLayout.JAVA_INT, 24, 1);
                attr.set(ValueLayout.JAVA_INT, 28, LOG_SIZE);
                attr.set(ValueLayout.JAVA_LONG, 32, logBuf.address());
            }
            attr.setString(48, truncatedName(name));
            attr.set(ValueLayout.JAVA_INT, 68, attachType);
            long result = bpf(BPF_PROG_LOAD, attr);
            if (log != null) {
                log.append(logBuf.getString(0));
                if (result >= 0) {
                    Libc.close((int) result);
                }
            }
            return result;
        }
    }

    /**
     * Attaches an XDP program to an interface with a BPF link; the program stays attached exactly as
     * long as the returned link fd is open. {@code xdpFlags}: 0 (driver mode where supported),
     * {@link #XDP_FLAGS_DRV_MODE} or {@link #XDP_FLAGS_SKB_MODE}. Answers the link fd or {@code -errno}.
     */
    static long linkXdp(int programFd, int ifindex, int xdpFlags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, programFd);
            attr.set(ValueLayout.JAVA_INT, 4, ifindex);
            attr.set(ValueLayout.JAVA_INT, 8, BPF_XDP);
            attr.set(ValueLayout.JAVA_INT, 12, xdpFlags);
            return bpf(BPF_LINK_CREATE, attr);
        }
    }

    private static String truncatedName(String name) {
        String clean = name.replaceAll("[^A-Za-z0-9_.]", "_");
        return clean.length() > 15 ? clean.substring(0, 15) : clean;
    }
}
