package io.flyover.linux.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the devices need to know about a host interface: its index, MAC and MTU (through the
 * {@code SIOCGIF*} ioctls, see netdevice(7)), and cheap checks read from {@code /sys/class/net}.
 */
public final class NetInterface {
    /** {@code struct ifreq}: char ifr_name[IFNAMSIZ]; then a 24-byte union. */
    public static final int IFREQ_SIZE = 40;
    public static final int IFNAMSIZ = 16;
    private static final long SIOCGIFMTU = 0x8921;
    private static final long SIOCGIFHWADDR = 0x8927;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** ARPHRD_ETHER in /sys/class/net/NAME/type. */
    private static final String ARPHRD_ETHER = "1";

    private final String name;
    private final int index;
    private final long mac;
    private final int mtu;

    private NetInterface(String name, int index, long mac, int mtu) {
        this.name = name;
        this.index = index;
        this.mac = mac;
        this.mtu = mtu;
    }

    /** Looks the interface up in the caller's network namespace. */
    public static NetInterface lookup(String name) throws IOException {
        checkName(name);
        int index = Libc.ifNameToIndex(name);
        int fd = Libc.check("socket(AF_INET, SOCK_DGRAM)", Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifr = ifreq(arena, name);
            Libc.check("ioctl(SIOCGIFHWADDR, " + name + ")", Libc.ioctl(fd, SIOCGIFHWADDR, ifr));
            long mac = 0;
            for (int i = 0; i < 6; i++) {
                mac = (mac << 8) | (ifr.get(ValueLayout.JAVA_BYTE, 18 + i) & 0xFF);
            }
            ifr = ifreq(arena, name);
            Libc.check("ioctl(SIOCGIFMTU, " + name + ")", Libc.ioctl(fd, SIOCGIFMTU, ifr));
            int mtu = ifr.get(ValueLayout.JAVA_INT, IFNAMSIZ);
            return new NetInterface(name, index, mac, mtu);
        } finally {
            Libc.closeQuietly(fd);
        }
    }

    /** A zeroed {@code struct ifreq} carrying {@code name}. */
    public static MemorySegment ifreq(Arena arena, String name) {
        checkName(name);
        MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
        ifr.setString(0, name);
        return ifr;
    }

    /** Interface names are 1 to 15 bytes, without '/', ':' or whitespace. */
    public static void checkName(String name) {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("not an interface name: " + name);
        }
    }

    public static boolean isValidName(String name) {
        if (name == null || name.isEmpty() || name.length() >= IFNAMSIZ || name.equals(".") || name.equals("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == '/' || c == ':') {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code name} is an Ethernet interface that is not a TUN/TAP device; reads sysfs only. */
    public static boolean isEthernetNotTap(String name) {
        if (!isValidName(name)) {
            return false;
        }
        Path dir = Path.of("/sys/class/net", name);
        try {
            return Files.isDirectory(dir)
                    && ARPHRD_ETHER.equals(Files.readString(dir.resolve("type")).strip())
                    && !Files.exists(dir.resolve("tun_flags"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether an interface of this name exists in the caller's namespace; reads sysfs only. */
    public static boolean exists(String name) {
        return isValidName(name) && Files.isDirectory(Path.of("/sys/class/net", name));
    }

    /** Whether {@code name} is an existing TUN/TAP interface; reads sysfs only. */
    public static boolean isTunTap(String name) {
        return isValidName(name) && Files.exists(Path.of("/sys/class/net", name, "tun_flags"));
    }

    public String name() { return name; }
    public int index() { return index; }
    /** The MAC in the low 48 bits, first octet most significant (as {@code DeviceCapabilities} wants). */
    public long mac() { return mac; }
    public int mtu() { return mtu; }
}
