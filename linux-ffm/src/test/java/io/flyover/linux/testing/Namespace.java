package io.flyover.linux.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace created for one test, named with the {@code fl-} prefix, holding the kernel
 * peer's interface at 198.18.N.1/24; the device under test plays 198.18.N.2 on the other end.
 * {@link #close()} deletes it and every link the test registered, also after a failure.
 */
public final class Namespace implements AutoCloseable {
    public final String name;
    /** The kernel peer's interface inside the namespace. */
    public final String peerInterface;
    public final byte[] peerIp;
    public final byte[] localIp;
    /** N of 198.18.N.0/24 (and of fd00:18:N::/64 once {@link #enableIpv6()} ran). */
    public final int subnet;
    private final List<String> rootLinks = new ArrayList<>();

    private Namespace(String name, String peerInterface, int subnet) {
        this.name = name;
        this.peerInterface = peerInterface;
        this.subnet = subnet;
        this.peerIp = new byte[] {(byte) 198, 18, (byte) subnet, 1};
        this.localIp = new byte[] {(byte) 198, 18, (byte) subnet, 2};
    }

    /**
     * A namespace {@code fl-TAG} and a veth pair {@code fl-TAG0} (here, for the device) and
     * {@code fl-TAG1} (in the namespace, the kernel peer).
     */
    public static Namespace withVeth(String tag, int subnet) {
        return withVeth(tag, subnet, 1);
    }

    /** As {@link #withVeth(String, int)}, both ends with {@code queues} RX and TX queues. */
    public static Namespace withVeth(String tag, int subnet, int queues) {
        String q = String.valueOf(queues);
        Namespace ns = new Namespace("fl-" + tag, "fl-" + tag + "1", subnet);
        ns.cleanStale("fl-" + tag + "0");
        try {
            Shell.run("ip", "netns", "add", ns.name);
            String local = "fl-" + tag + "0";
            ns.rootLinks.add(local);
            Shell.run("ip", "link", "add", local, "numtxqueues", q, "numrxqueues", q, "type", "veth", "peer", "name",
                    ns.peerInterface, "numtxqueues", q, "numrxqueues", q, "netns", ns.name);
            quietHostSide(local);
            Shell.run("ip", "link", "set", local, "up");
            ns.configurePeer();
            return ns;
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /** A namespace {@code fl-TAG} into which an already opened TAP interface is moved as the peer. */
    public static Namespace forTap(String tag, String tapInterface, int subnet) {
        Namespace ns = new Namespace("fl-" + tag, tapInterface, subnet);
        ns.cleanStale(null);
        try {
            Shell.run("ip", "netns", "add", ns.name);
            Shell.run("ip", "link", "set", tapInterface, "netns", ns.name);
            ns.configurePeer();
            return ns;
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /**
     * The host side of the veth carries no address; keep the host kernel from answering or forwarding
     * what arrives on it, and from chattering IPv6 neighbour discovery onto it.
     */
    private static void quietHostSide(String link) {
        Shell.run("sysctl", "-q", "-w", "net.ipv6.conf." + link + ".disable_ipv6=1");
        Shell.run("sysctl", "-q", "-w", "net.ipv4.conf." + link + ".forwarding=0");
    }

    private void configurePeer() {
        exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
        exec("ip", "link", "set", "lo", "up");
        exec("ip", "addr", "add", dotted(peerIp) + "/24", "dev", peerInterface);
        exec("ip", "link", "set", peerInterface, "up");
    }

    /**
     * Turns IPv6 on inside the namespace only and gives the kernel peer {@link #peerIpv6()}/64 without
     * duplicate address detection (so it is usable at once); the device end plays {@link #localIpv6()}.
     * The root-namespace end of a veth stays without IPv6.
     */
    public void enableIpv6() {
        exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0");
        exec("sysctl", "-q", "-w", "net.ipv6.conf." + peerInterface + ".disable_ipv6=0");
        exec("ip", "-6", "addr", "add", peerIpv6() + "/64", "dev", peerInterface, "nodad");
    }

    /**
     * Changes offloads of the kernel peer's interface with {@code ethtool -K IFACE FEATURE on|off ...}.
     * A frame the namespace's kernel sends through a veth keeps the shortcuts of local delivery: a
     * TCP/UDP checksum left partial (CHECKSUM_PARTIAL, completed only if the frame leaves through real
     * hardware) and, with TSO, a segment larger than the MTU. A device that sees raw frames without
     * the kernel's per-frame metadata (AF_XDP) needs {@code tx off}; AF_PACKET, which reports partial
     * checksums, needs {@code tso off} only.
     */
    public void setPeerOffloads(String... featureValuePairs) {
        List<String> cmd = new ArrayList<>(List.of("ethtool", "-K", peerInterface));
        cmd.addAll(List.of(featureValuePairs));
        exec(cmd.toArray(String[]::new));
    }

    /** The kernel peer's IPv6 address, {@code fd00:18:N::1}. */
    public String peerIpv6() {
        return "fd00:18:" + subnet + "::1";
    }

    /** The device end's IPv6 address, {@code fd00:18:N::2}. */
    public String localIpv6() {
        return "fd00:18:" + subnet + "::2";
    }

    /** The kernel peer's IPv4 address as text. */
    public String peerIpv4() {
        return dotted(peerIp);
    }

    /** The device end's IPv4 address as text. */
    public String localIpv4() {
        return dotted(localIp);
    }

    private void cleanStale(String rootLink) {
        Shell.tryRun("ip", "netns", "del", name);
        if (rootLink != null) {
            Shell.tryRun("ip", "link", "del", rootLink);
        }
    }

    /** Runs a command inside the namespace; throws when it fails. */
    public String exec(String... command) {
        return Shell.run(inside(command).toArray(String[]::new));
    }

    public Shell.Result tryExec(String... command) {
        return Shell.tryRun(inside(command).toArray(String[]::new));
    }

    public Process start(String... command) {
        return Shell.start(inside(command));
    }

    private List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return full;
    }

    /** The peer interface's MAC, low 48 bits. */
    public long peerMac() {
        return Frames.parseMac(exec("cat", "/sys/class/net/" + peerInterface + "/address").strip());
    }

    /** Pins the kernel peer's neighbour entry for the device's address, so it needs no ARP. */
    public void addPermanentNeighbour(long mac) {
        exec("ip", "neigh", "replace", dotted(localIp), "lladdr", Frames.formatMac(mac), "dev", peerInterface,
                "nud", "permanent");
    }

    /** Sends raw Ethernet frames out of the peer interface from a python3 AF_PACKET socket. */
    public void sendRawFrames(List<byte[]> frames) {
        List<String> cmd = new ArrayList<>(List.of(Prerequisites.PYTHON, "-c",
                "import socket,sys\n"
                        + "s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
                        + "s.bind((sys.argv[1], 0))\n"
                        + "for h in sys.argv[2:]:\n"
                        + "    s.send(bytes.fromhex(h))\n",
                peerInterface));
        for (byte[] f : frames) {
            cmd.add(java.util.HexFormat.of().formatHex(f));
        }
        exec(cmd.toArray(String[]::new));
    }

    public static String dotted(byte[] ip) {
        return (ip[0] & 0xFF) + "." + (ip[1] & 0xFF) + "." + (ip[2] & 0xFF) + "." + (ip[3] & 0xFF);
    }

    /** The root-namespace link of a veth topology (where the device opens), or null for TAP. */
    public String hostLink() {
        return rootLinks.isEmpty() ? null : rootLinks.getFirst();
    }

    @Override
    public void close() {
        Shell.tryRun("ip", "netns", "del", name);
        for (String link : rootLinks) {
            Shell.tryRun("ip", "link", "del", link); // usually gone with its peer already
        }
    }
}
