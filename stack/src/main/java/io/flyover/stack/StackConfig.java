package io.flyover.stack;

import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * How one {@link Stack} is set up: its addresses and routes, and the sizes of everything it
 * preallocates. Build with {@link #builder()}.
 *
 * @param ipv4Address our IPv4 address, or null for none
 * @param ipv6Addresses our global/ULA IPv6 addresses (a link-local one is derived from the MAC)
 * @param vlanId 0 for untagged, else the 802.1Q VLAN the interface is a member of
 * @param mtu 0 for the device's MTU
 * @param loopback whether the stack also owns 127.0.0.0/8 and ::1, as Linux's {@code lo} does (any
 *        127.x.y.z is ours); see {@link Builder#loopback()}
 * @param localRingSize frames a stack whose device is not a loopback holds between sending a packet to
 *        one of its own addresses and taking it in (a power of two)
 */
public record StackConfig(
        IpAddress ipv4Address, int ipv4PrefixLength, IpAddress ipv4Gateway,
        List<IpAddress> ipv6Addresses, int ipv6PrefixLength, IpAddress ipv6Gateway,
        int vlanId, int mtu, int burstSize, int frameCacheSize,
        int neighborCapacity, int neighborQueueDepth, long neighborReachableNanos, long neighborRetransmitNanos,
        int neighborMaxProbes, int reassemblySlots, long reassemblyTimeoutNanos,
        int icmpErrorsPerSecond, int icmpErrorBurst, int udpReceiveBufferBytes, int maxUdpSockets,
        boolean acceptRouterAdvertisements, TcpSettings tcpDefaults, boolean loopback, int localRingSize) {

    public StackConfig {
        ipv6Addresses = List.copyOf(ipv6Addresses);
        tcpDefaults = tcpDefaults.clone();
        if (ipv4Address != null && (!ipv4Address.isV4() || ipv4PrefixLength < 0 || ipv4PrefixLength > 32)) {
            throw new IllegalArgumentException("bad IPv4 address or prefix: " + ipv4Address + "/" + ipv4PrefixLength);
        }
        for (IpAddress a : ipv6Addresses) {
            if (a.isV4()) {
                throw new IllegalArgumentException("not an IPv6 address: " + a);
            }
        }
        if (localRingSize < 2 || Integer.bitCount(localRingSize) != 1) {
            throw new IllegalArgumentException("local ring size must be a power of two >= 2: " + localRingSize);
        }
        if (vlanId < 0 || vlanId > 4094) {
            throw new IllegalArgumentException("VLAN id out of range: " + vlanId);
        }
    }

    public static Builder builder() { return new Builder(); }

    /** Fluent construction with production defaults. */
    public static final class Builder {
        private IpAddress ipv4;
        private int ipv4Prefix = 24;
        private IpAddress ipv4Gateway;
        private final List<IpAddress> ipv6 = new ArrayList<>();
        private int ipv6Prefix = 64;
        private IpAddress ipv6Gateway;
        private int vlanId;
        private int mtu;
        private int burstSize = 32;
        private int frameCacheSize = 256;
        private int neighborCapacity = 256;
        private int neighborQueueDepth = 16;
        private long neighborReachableNanos = 30_000_000_000L;
        private long neighborRetransmitNanos = 1_000_000_000L;
        private int neighborMaxProbes = 3;
        private int reassemblySlots = 4;
        private long reassemblyTimeoutNanos = 30_000_000_000L;
        private int icmpErrorsPerSecond = 1000;
        private int icmpErrorBurst = 50;
        private int udpReceiveBufferBytes = 256 * 1024;
        private int maxUdpSockets = 1024;
        private boolean acceptRouterAdvertisements = true;
        private TcpSettings tcpDefaults = new TcpSettings();
        private boolean loopback;
        private int localRingSize = 1024;

        public Builder ipv4(String address, int prefixLength) { ipv4 = IpAddress.parse(address); ipv4Prefix = prefixLength; return this; }
        public Builder ipv4Gateway(String gateway) { ipv4Gateway = IpAddress.parse(gateway); return this; }
        public Builder ipv6(String address, int prefixLength) { ipv6.add(IpAddress.parse(address)); ipv6Prefix = prefixLength; return this; }
        public Builder ipv6Gateway(String gateway) { ipv6Gateway = IpAddress.parse(gateway); return this; }
        public Builder vlan(int id) { vlanId = id; return this; }
        public Builder mtu(int value) { mtu = value; return this; }
        public Builder burstSize(int value) { burstSize = value; return this; }
        public Builder frameCacheSize(int value) { frameCacheSize = value; return this; }
        public Builder neighbors(int capacity, int queueDepth) { neighborCapacity = capacity; neighborQueueDepth = queueDepth; return this; }
        public Builder neighborTimers(long reachableNanos, long retransmitNanos, int maxProbes) {
            neighborReachableNanos = reachableNanos; neighborRetransmitNanos = retransmitNanos; neighborMaxProbes = maxProbes; return this;
        }
        public Builder reassembly(int slots, long timeoutNanos) { reassemblySlots = slots; reassemblyTimeoutNanos = timeoutNanos; return this; }
        public Builder icmpErrorRate(int perSecond, int burst) { icmpErrorsPerSecond = perSecond; icmpErrorBurst = burst; return this; }
        public Builder udpReceiveBuffer(int bytes) { udpReceiveBufferBytes = bytes; return this; }
        public Builder maxUdpSockets(int count) { maxUdpSockets = count; return this; }
        public Builder acceptRouterAdvertisements(boolean value) { acceptRouterAdvertisements = value; return this; }

        /** Settings for TCP connections opened without their own (copied). */
        public Builder tcpDefaults(TcpSettings settings) { tcpDefaults = settings.clone(); return this; }

        /**
         * The stack also owns 127.0.0.0/8 and ::1, as Linux's {@code lo}: it answers to any 127.x.y.z
         * and to ::1, chooses 127.0.0.1 (::1) as the source towards them, and delivers packets to them
         * (as to all its addresses) inside itself, with no ARP or ND. With a
         * {@link io.flyover.stack.device.soft.LoopbackDevice} and no other address this is the whole-host
         * loopback stack: TCP and UDP clients and servers of one process talk through it.
         */
        public Builder loopback() { loopback = true; return this; }

        /** Frames held for packets to our own addresses when the device is not a loopback (a power of two). */
        public Builder localRingSize(int frames) { localRingSize = frames; return this; }

        public StackConfig build() {
            return new StackConfig(ipv4, ipv4Prefix, ipv4Gateway, ipv6, ipv6Prefix, ipv6Gateway, vlanId, mtu, burstSize,
                    frameCacheSize, neighborCapacity, neighborQueueDepth, neighborReachableNanos, neighborRetransmitNanos,
                    neighborMaxProbes, reassemblySlots, reassemblyTimeoutNanos, icmpErrorsPerSecond, icmpErrorBurst,
                    udpReceiveBufferBytes, maxUdpSockets, acceptRouterAdvertisements, tcpDefaults, loopback, localRingSize);
        }
    }
}
