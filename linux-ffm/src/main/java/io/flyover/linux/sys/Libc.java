package io.flyover.linux.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc functions the Linux devices call, bound through FFM with {@code errno} captured
 * ({@link Linker.Option#captureCallState}).
 *
 * <p>Two forms per call. The raw form ({@code read}, {@code sendto}, ...) returns the result, or
 * {@code -errno} when the call failed, and allocates nothing: the data path uses it and decides
 * itself what {@code EAGAIN} means. The checked form ({@code checkedX}, or the set-up calls that
 * return a value) throws an {@link IOException} naming the call and the errno text.
 *
 * <p>The errno capture buffer is per thread, so calls from several threads do not mix their errnos.
 */
@SuppressWarnings("restricted") // binding libc is this class's purpose; callers pass --enable-native-access
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final MethodHandle OPEN = errnoHandle("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = errnoHandle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // Data-path calls take buffer addresses as plain longs (the same register class as a pointer on
    // the 64-bit Linux ABIs), so a call needs no MemorySegment object per frame.
    private static final MethodHandle READ = errnoHandle("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = errnoHandle("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle IOCTL = errnoHandle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SOCKET = errnoHandle("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = errnoHandle("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = errnoHandle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = errnoHandle("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MMAP = errnoHandle("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = errnoHandle("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = errnoHandle("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL = errnoHandle("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PPOLL = errnoHandle("ppoll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    private static final MethodHandle FCNTL = errnoHandle("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle EVENTFD = errnoHandle("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO = errnoHandle("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECVFROM = errnoHandle("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle IF_NAMETOINDEX = errnoHandle("if_nametoindex",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SCHED_SETAFFINITY = errnoHandle("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SCHED_GETAFFINITY = errnoHandle("sched_getaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    /** {@code long syscall(long number, ...)}: every variadic argument passed as a full register. */
    private static final MethodHandle SYSCALL3 = errnoHandle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** {@code MAP_FAILED}, as the address mmap returns on failure. */
    private static final long MAP_FAILED = -1L;

    private Libc() {}

    private static MethodHandle errnoHandle(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = CAPTURE;
        System.arraycopy(more, 0, options, 1, more.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static MemorySegment state() {
        return STATE.get();
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static int orErrno(int result, MemorySegment state) {
        return result == -1 ? -errno(state) : result;
    }

    private static long orErrno(long result, MemorySegment state) {
        return result == -1 ? -errno(state) : result;
    }

    /** The C library's text for an errno value, such as "Operation not permitted". */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** An IOException for a failed call: {@code "socket(AF_XDP): Address family not supported (errno 97)"}. */
    public static IOException failure(String call, int negativeErrno) {
        int errno = -negativeErrno;
        return new ErrnoException(call, errno);
    }

    /** Returns {@code result} unless it is {@code -errno}, in which case throws naming {@code call}. */
    public static long check(String call, long result) throws IOException {
        if (result < 0) {
            throw failure(call, (int) result);
        }
        return result;
    }

    public static int check(String call, int result) throws IOException {
        if (result < 0) {
            throw failure(call, result);
        }
        return result;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // --- raw calls: result or -errno ------------------------------------------------------------

    public static int open(MemorySegment path, int flags, int mode) {
        MemorySegment s = state();
        try {
            return orErrno((int) OPEN.invokeExact(s, path, flags, mode), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(int fd) {
        MemorySegment s = state();
        try {
            return orErrno((int) CLOSE.invokeExact(s, fd), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2) into native memory at {@code address}. */
    public static long read(int fd, long address, long length) {
        MemorySegment s = state();
        try {
            return orErrno((long) READ.invokeExact(s, fd, address, length), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2) from native memory at {@code address}. */
    public static long write(int fd, long address, long length) {
        MemorySegment s = state();
        try {
            return orErrno((long) WRITE.invokeExact(s, fd, address, length), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(int fd, long request, MemorySegment argument) {
        MemorySegment s = state();
        try {
            return orErrno((int) IOCTL.invokeExact(s, fd, request, argument), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int socket(int domain, int type, int protocol) {
        MemorySegment s = state();
        try {
            return orErrno((int) SOCKET.invokeExact(s, domain, type, protocol), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int bind(int fd, MemorySegment address, int length) {
        MemorySegment s = state();
        try {
            return orErrno((int) BIND.invokeExact(s, fd, address, length), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        MemorySegment s = state();
        try {
            return orErrno((int) SETSOCKOPT.invokeExact(s, fd, level, name, value, length), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code lengthInOut} is a 4-byte socklen_t holding the buffer size; the kernel writes the used size. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment lengthInOut) {
        MemorySegment s = state();
        try {
            return orErrno((int) GETSOCKOPT.invokeExact(s, fd, level, name, value, lengthInOut), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int munmap(MemorySegment address, long length) {
        MemorySegment s = state();
        try {
            return orErrno((int) MUNMAP.invokeExact(s, address, length), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int madvise(MemorySegment address, long length, int advice) {
        MemorySegment s = state();
        try {
            return orErrno((int) MADVISE.invokeExact(s, address, length, advice), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pollfds} is an array of {@code struct pollfd {int fd; short events; short revents;}}. */
    public static int poll(MemorySegment pollfds, long count, int timeoutMillis) {
        MemorySegment s = state();
        try {
            return orErrno((int) POLL.invokeExact(s, pollfds, count, timeoutMillis), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ppoll(2) with no signal mask change: {@code timeout} is a {@code struct timespec}, or NULL for none. */
    public static int ppoll(MemorySegment pollfds, long count, MemorySegment timeout) {
        MemorySegment s = state();
        try {
            return orErrno((int) PPOLL.invokeExact(s, pollfds, count, timeout, MemorySegment.NULL), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    /** {@code O_NONBLOCK} (asm-generic/fcntl.h). */
    public static final int O_NONBLOCK = 0x800;

    /** fcntl(2) with an int argument: result or -errno. */
    public static int fcntl(int fd, int command, int argument) {
        MemorySegment s = state();
        try {
            return orErrno((int) FCNTL.invokeExact(s, fd, command, argument), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Adds {@code O_NONBLOCK} to the descriptor's status flags (fcntl(2) F_GETFL, F_SETFL); set-up only. */
    public static void setNonBlocking(int fd) throws IOException {
        int flags = check("fcntl(F_GETFL)", fcntl(fd, F_GETFL, 0));
        if ((flags & O_NONBLOCK) == 0) {
            check("fcntl(F_SETFL)", fcntl(fd, F_SETFL, flags | O_NONBLOCK));
        }
    }

    /** eventfd(2); the checked form: set-up only. */
    public static int eventfd(int initialValue, int flags) throws IOException {
        MemorySegment s = state();
        try {
            return check("eventfd", orErrno((int) EVENTFD.invokeExact(s, initialValue, flags), s));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sendto(2) with the buffer and the destination as native addresses (0 for NULL). */
    public static long sendto(int fd, long buffer, long length, int flags, long address, int addressLength) {
        MemorySegment s = state();
        try {
            return orErrno((long) SENDTO.invokeExact(s, fd, buffer, length, flags, address, addressLength), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recvfrom(2) with the buffer, source and its length as native addresses (0 for NULL). */
    public static long recvfrom(int fd, long buffer, long length, int flags, long address, long addressLength) {
        MemorySegment s = state();
        try {
            return orErrno((long) RECVFROM.invokeExact(s, fd, buffer, length, flags, address, addressLength), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(number, a, b, c)}, each argument widened to a register; -errno on failure. */
    public static long syscall(long number, long a, long b, long c) {
        MemorySegment s = state();
        try {
            return orErrno((long) SYSCALL3.invokeExact(s, number, a, b, c), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int schedSetaffinity(int tid, long size, MemorySegment mask) {
        MemorySegment s = state();
        try {
            return orErrno((int) SCHED_SETAFFINITY.invokeExact(s, tid, size, mask), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int schedGetaffinity(int tid, long size, MemorySegment mask) {
        MemorySegment s = state();
        try {
            return orErrno((int) SCHED_GETAFFINITY.invokeExact(s, tid, size, mask), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- checked set-up calls --------------------------------------------------------------------

    /** mmap that throws on failure and answers a segment of {@code length} bytes at the mapping. */
    public static MemorySegment mmap(String what, long length, int prot, int flags, int fd, long offset)
            throws IOException {
        long result = mmapRaw(length, prot, flags, fd, offset);
        if (result < 0) {
            throw new ErrnoException("mmap(" + what + ")", (int) -result);
        }
        return MemorySegment.ofAddress(result).reinterpret(length);
    }


    /** mmap at an address the kernel picks: the mapping's address, or {@code -errno} (user addresses are positive). */
    public static long mmapRaw(long length, int prot, int flags, int fd, long offset) {
        MemorySegment s = state();
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(s, MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return address.address() == MAP_FAILED ? -errno(s) : address.address();
    }

    /** The index of a network interface in the caller's network namespace; throws if there is none. */
    public static int ifNameToIndex(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = state();
            int index = (int) IF_NAMETOINDEX.invokeExact(s, arena.allocateFrom(name));
            if (index == 0) {
                throw new ErrnoException("if_nametoindex(" + name + ")", errno(s));
            }
            return index;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Closes quietly: used on clean-up paths where a second failure must not hide the first. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            close(fd);
        }
    }

    /** A zeroed native buffer the size of a C int, holding {@code value}. */
    public static MemorySegment intValue(Arena arena, int value) {
        MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        v.set(ValueLayout.JAVA_INT, 0, value);
        return v;
    }
}
