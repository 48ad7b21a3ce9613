package io.flyover.stack;

import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.net.IpOutput;
import io.flyover.stack.net.NetInterface;
import io.flyover.stack.net.TransportHandler;
import io.flyover.stack.tcp.TcpLayer;
import io.flyover.stack.tcp.TcpOverIp;
import io.flyover.stack.tcp.TcpSettings;
import io.flyover.stack.udp.UdpLayer;
import io.flyover.stack.udp.UdpSocket;
import io.flyover.stack.wire.Bytes;
import io.flyover.stack.wire.Icmpv4Message;
import io.flyover.stack.wire.Icmpv6Message;
import io.flyover.stack.wire.IpProtocol;
import java.net.SocketException;

/**
 * One user-space TCP/IP stack over one {@link NetDevice}, driven by one thread through
 * {@link #poll(long)}: receive a burst, run protocol input, fire due timers, transmit, and answer the
 * next deadline. Time and randomness come from outside, so the same stack runs in production and in
 * the simulator. Sockets ({@link #openUdp()}, {@link #tcp()}) are used from the same thread.
 *
 * <p>One stack drives one device (queue 0); a host with several interfaces runs several stacks.
 * Packets to the stack's own addresses (and to 127.0.0.0/8 and ::1 with {@link StackConfig.Builder#loopback()})
 * are delivered inside the stack at the next poll, never sent: over a
 * {@link io.flyover.stack.device.soft.LoopbackDevice} the stack is the host's loopback.
 * Socket sends between two polls transmit at once (the device's burst is flushed) and take the time of
 * the last poll as "now" for neighbour expiry. The first poll announces the addresses (gratuitous ARP,
 * unsolicited NA). {@link #poll} returns the earliest of: neighbour retransmissions, reassembly
 * timeouts, membership reports, transport timers and the device's own next event; or {@code nowNanos}
 * when a full burst suggests more input is waiting.
 */
public final class Stack implements Pollable, AutoCloseable {
    private final StackConfig config;
    private final NetDevice device;
    private final FrameCache cache;
    private final FrameBurst rxBurst;
    private final StackCounters counters = new StackCounters();
    private final NetInterface nif;
    private final UdpLayer udp;
    private final TcpLayer tcp;
    private boolean started;
    private boolean closed;

    public Stack(StackConfig config, NetDevice device, RandomSource random) {
        this.config = config;
        this.device = device;
        this.cache = device.pool().newCache(config.frameCacheSize());
        this.rxBurst = new FrameBurst(config.burstSize());
        this.nif = new NetInterface(device, cache, config, counters, random);
        this.udp = new UdpLayer(nif, random, counters, config.udpReceiveBufferBytes(), config.maxUdpSockets());
        nif.register(IpProtocol.UDP, udp);
        TcpOverIp tcpBinding = new TcpOverIp(nif, device.pool(), cache);
        this.tcp = new TcpLayer(device.pool(), cache, tcpBinding, random, config.tcpDefaults(), counters.dropArray());
        tcpBinding.attach(tcp);
        nif.register(IpProtocol.TCP, tcpBinding);
    }

    @Override
    public long poll(long nowNanos) {
        nif.setNow(nowNanos);
        if (!started) {
            started = true;
            nif.announce();
        }
        int received = device.receive(0, rxBurst, nowNanos);
        for (int i = 0; i < rxBurst.count(); i++) {
            nif.input(rxBurst.get(i));
        }
        rxBurst.clear();
        int local = nif.pollLocal(rxBurst, nowNanos);
        long next = nif.pollTimers(nowNanos);
        nif.flush();
        if (received == rxBurst.capacity() || local == rxBurst.capacity()) {
            return nowNanos; // more may be waiting
        }
        // Packets sent to ourselves (on a loopback device or the private loop) make the deadline "now".
        return Math.min(next, Math.min(device.nextEventNanos(), nif.nextLocalEvent()));
    }

    /** This stack's UDP: sockets ({@link UdpLayer#open()}) and the readiness listener. */
    public UdpLayer udp() { return udp; }

    /** A new, unbound UDP socket of this stack. */
    public UdpSocket openUdp() throws SocketException {
        return udp.open();
    }

    /**
     * This stack's TCP: {@code listen} and {@code connect} from the stack's thread. Output written
     * between polls leaves at the next {@link #poll} (or at once with {@link #flush()}).
     */
    public TcpLayer tcp() { return tcp; }

    /**
     * Whether packets the stack sent to itself (to one of its addresses, or anything on a loopback device)
     * wait to be taken in: a caller that sent between polls, as after {@link #flush()}, polls again at
     * once instead of sleeping until the deadline the last poll answered.
     */
    public boolean hasLocalTraffic() {
        return nif.nextLocalEvent() != Long.MAX_VALUE || (device.isLoopback() && device.nextEventNanos() != Long.MAX_VALUE);
    }

    /** Sends TCP output queued since the last poll and transmits the burst, without running timers. */
    public void flush() {
        tcp.flush(nif.now());
        nif.flush();
    }

    /**
     * Installs the transport for an IP protocol; see {@code io.flyover.stack.net} package docs for the
     * contract. UDP is built in; replacing the built-in TCP (as the IP-seam tests do) cuts {@link #tcp()}
     * off the wire.
     */
    public void registerTransport(int protocol, TransportHandler handler) {
        if (protocol == IpProtocol.UDP || protocol == IpProtocol.ICMP
                || protocol == IpProtocol.ICMPV6 || protocol == IpProtocol.IGMP) {
            throw new IllegalArgumentException("protocol " + protocol + " is built into the stack");
        }
        nif.register(protocol, handler);
    }

    /** The IP output a transport sends through. */
    public IpOutput ipOutput() { return nif; }

    public NetInterface netInterface() { return nif; }
    public StackCounters counters() { return counters; }
    public StackConfig config() { return config; }
    public NetDevice device() { return device; }

    /** A frame from this stack's cache (for transports building segments), or NO_FRAME. */
    public int acquireFrame() { return nif.acquireFrame(); }
    public void releaseFrame(int frame) { nif.releaseFrame(frame); }

    /** Sends an ICMP/ICMPv6 echo request (a diagnostic, like ping); replies count in {@link StackCounters#echoRepliesReceived()}. */
    public boolean ping(IpAddress destination, int identifier, int sequence, int dataLength) {
        int frame = nif.acquireFrame();
        if (frame < 0) {
            return false;
        }
        var pool = device.pool();
        long at = pool.dataAddress(frame);
        int length = 8 + dataLength;
        if (length > pool.capacityFrom(pool.dataOffset(frame))) {
            nif.releaseFrame(frame);
            throw new IllegalArgumentException("echo data too long for a frame: " + dataLength);
        }
        boolean v4 = destination.isV4();
        var memory = pool.region();
        Bytes.u8(memory, at, v4 ? Icmpv4Message.ECHO_REQUEST : Icmpv6Message.ECHO_REQUEST);
        Bytes.u8(memory, at + 1, 0);
        Bytes.u16(memory, at + 2, 0);
        Bytes.u16(memory, at + 4, identifier);
        Bytes.u16(memory, at + 6, sequence);
        for (int i = 0; i < dataLength; i++) {
            Bytes.u8(memory, at + 8 + i, i);
        }
        pool.setData(frame, pool.dataOffset(frame), length);
        boolean ok = nif.send(frame, v4 ? IpProtocol.ICMP : IpProtocol.ICMPV6, 0, v4 ? IpAddress.V4_MAPPED_PREFIX : 0,
                destination.hi(), destination.lo(), 64, 0, false);
        nif.flush();
        return ok;
    }

    /**
     * Lets go of every connection still held (its flow rule, what the layer above tied to it) and returns
     * every frame the stack holds to the pool. The device is the caller's to close.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        tcp.releaseAll();
        nif.close();
        cache.close();
    }
}
