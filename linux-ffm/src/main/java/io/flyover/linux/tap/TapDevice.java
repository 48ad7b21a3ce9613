package io.flyover.linux.tap;

import io.flyover.linux.sys.Errno;
import io.flyover.linux.sys.InputWaiter;
import io.flyover.linux.sys.Libc;
import io.flyover.linux.sys.NetInterface;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;

/**
 * A TAP interface ({@code /dev/net/tun} with {@code IFF_TAP | IFF_NO_PI}, see the kernel's
 * Documentation/networking/tuntap.rst): every Ethernet frame the kernel sends out of the interface
 * is read here, every frame written here is received by the kernel on it.
 *
 * <p>The file descriptor is non-blocking; each {@link #receive} reads frames straight into pool frames
 * and each {@link #transmit} writes them from there, one system call per frame (TAP has no rings).
 * Opening a name that does not exist creates a non-persistent interface that disappears on
 * {@link #close()}; opening an existing persistent TAP ({@code ip tuntap add mode tap}) attaches to it.
 * The interface may be moved to another network namespace after opening; the descriptor keeps working.
 *
 * <p>Single queue. The MAC in {@link #capabilities()} is the stack's own address on this link, not
 * the kernel interface's: the two are the two ends of the wire.
 */
public final class TapDevice implements NetDevice {
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    /** Ethernet header plus the largest IP packet of the MTU. */
    private static final int ETHERNET_HEADER = 14;

    private final String interfaceName;
    private final FramePool pool;
    private final FrameCache cache;
    private final DeviceCapabilities capabilities;
    /** Native address of the pool's region; frames are addressed from it. */
    private final long base;
    private int fd;
    /** The stack thread's wait for input (poll(2) on {@link #fd}). */
    private final InputWaiter inputWaiter;
    /** A frame kept between reads, so an empty read costs no acquire/release. */
    private int spare = FramePool.NO_FRAME;
    private long receivedFrames;
    private long transmittedFrames;
    private long transmitErrors;

    /**
     * Opens or creates TAP interface {@code interfaceName} in the caller's network namespace.
     *
     * @param mac the stack's MAC on this link (low 48 bits); pick one distinct from the interface's own
     */
    public TapDevice(String interfaceName, FramePool pool, long mac) throws IOException {
        NetInterface.checkName(interfaceName);
        if (!pool.region().isNative()) {
            throw new IllegalArgumentException("the pool's region must be native memory");
        }
        this.interfaceName = interfaceName;
        this.pool = pool;
        this.base = pool.region().address();
        int opened;
        try (Arena arena = Arena.ofConfined()) {
            opened = Libc.check("open(/dev/net/tun)",
                    Libc.open(arena.allocateFrom("/dev/net/tun"), O_RDWR | Libc.O_NONBLOCK | O_CLOEXEC, 0));
            MemorySegment ifr = NetInterface.ifreq(arena, interfaceName);
            ifr.set(ValueLayout.JAVA_SHORT, NetInterface.IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI));
            int rc = Libc.ioctl(opened, TUNSETIFF, ifr);
            if (rc < 0) {
                Libc.closeQuietly(opened);
                throw Libc.failure("ioctl(TUNSETIFF, " + interfaceName + ", IFF_TAP|IFF_NO_PI)", rc);
            }
        }
        this.fd = opened;
        this.inputWaiter = new InputWaiter(this.fd);
        int mtu;
        try {
            mtu = NetInterface.lookup(interfaceName).mtu();
        } catch (IOException e) {
            Libc.closeQuietly(opened);
            throw e;
        }
        int room = pool.frameSize() - pool.headroom() - ETHERNET_HEADER;
        this.capabilities = new DeviceCapabilities(mac, Math.clamp(Math.min(mtu, room), 576, 65_535), 1, 1, Set.of());
        this.cache = pool.newCache(64);
    }

    /** A locally administered unicast MAC derived from the interface name: stable across runs. */
    public static long localMacFor(String interfaceName) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < interfaceName.length(); i++) {
            h = (h ^ interfaceName.charAt(i)) * 0x100000001b3L;
        }
        return 0x02_00_00_00_00_00L | (h & 0x00_FF_FF_FF_FF_FFL);
    }

    @Override
    public String name() { return "tap:" + interfaceName; }

    @Override
    public DeviceCapabilities capabilities() { return capabilities; }

    @Override
    public FramePool pool() { return pool; }

    @Override
    public int receive(int queue, FrameBurst into, long nowNanos) {
        checkQueue(queue);
        int received = 0;
        while (fd >= 0 && into.remaining() > 0) {
            int frame = spare;
            if (frame == FramePool.NO_FRAME) {
                frame = cache.acquire();
                if (frame == FramePool.NO_FRAME) {
                    break; // pool exhausted: the kernel keeps the frames queued meanwhile
                }
            }
            spare = FramePool.NO_FRAME;
            int offset = pool.headroom();
            long n = Libc.read(fd, base + pool.frameBase(frame) + offset, pool.capacityFrom(offset));
            if (n <= 0) {
                spare = frame; // EAGAIN (nothing queued) or the interface went away
                break;
            }
            pool.setData(frame, offset, (int) n);
            into.add(frame);
            received++;
        }
        receivedFrames += received;
        return received;
    }

    @Override
    public int transmit(int queue, FrameBurst frames, long nowNanos) {
        checkQueue(queue);
        int taken = 0;
        while (fd >= 0 && taken < frames.count()) {
            int frame = frames.get(taken);
            long n = Libc.write(fd, base + pool.dataAddress(frame), pool.dataLength(frame));
            if (n == -Errno.EAGAIN || n == -Errno.ENOBUFS) {
                break; // the caller keeps the rest and retries
            }
            if (n < 0) {
                transmitErrors++; // EIO while the interface is down, EINVAL for a bad frame: dropped
            } else {
                transmittedFrames++;
            }
            cache.release(frame);
            taken++;
        }
        return taken;
    }

    private static void checkQueue(int queue) {
        if (queue != 0) {
            throw new IndexOutOfBoundsException("TAP has one queue, not " + queue);
        }
    }

    /** The descriptor, for a caller that waits on it with poll/epoll between bursts. */
    public int fd() { return fd; }

    public long receivedFrames() { return receivedFrames; }
    public long transmittedFrames() { return transmittedFrames; }
    /** Frames the kernel refused (interface down, invalid frame): taken and released, not sent. */
    public long transmitErrors() { return transmitErrors; }

    /** Sleeps in ppoll(2) on the device's descriptor until a frame may be readable or {@link #wakeInput}. */
    @Override
    public boolean awaitInput(long timeoutNanos) {
        return inputWaiter.await(timeoutNanos);
    }

    @Override
    public void wakeInput() {
        inputWaiter.wake();
    }

    @Override
    public void close() {
        if (fd < 0) {
            return;
        }
        inputWaiter.close();
        Libc.closeQuietly(fd);
        fd = -1;
        if (spare != FramePool.NO_FRAME) {
            cache.release(spare);
            spare = FramePool.NO_FRAME;
        }
        cache.close();
    }

    @Override
    public String toString() { return name(); }
}
