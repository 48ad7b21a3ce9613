package io.flyover.provider.stats;

import io.flyover.provider.policy.OffloadPath;
import io.flyover.provider.policy.SocketRole;
import io.flyover.stack.LoopbackHost;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import java.nio.file.Path;

/**
 * The child JVM of {@link FlyoverStatTest}: a Flyover-like process that maps its statistics file in
 * {@code args[0]}, runs a loopback stack with one TCP connection carrying data and publishes every
 * 50 ms, as the provider's runtime would. Prints {@code READY} once data has been published, and exits
 * cleanly (closing, so deleting, the file) when its standard input closes.
 */
public final class StatsChild {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        StatsOptions options = new StatsOptions(true, dir, 50_000_000L, 2048, 200);
        IpAddress lo = IpAddress.LOOPBACK_V4;
        try (StatsFile file = StatsFile.open(options); LoopbackHost h = new LoopbackHost()) {
            if (!file.isEnabled()) {
                throw new IllegalStateException("no statistics file in " + dir);
            }
            h.device.recording = false;
            StatsPublisher publisher = file.newPublisher(h.stack, "lo", options.publishIntervalNanos());
            ProcessStats process = file.process();
            TcpListener l = h.stack.tcp().listen(0, 0, 7000, 8, null);
            process.decided(SocketRole.TCP_SERVER, OffloadPath.OFFLOAD);
            process.socketOpened(OffloadPath.OFFLOAD);
            TcpConnection c = h.stack.tcp().connect(lo.hi(), lo.lo(), 0, lo.hi(), lo.lo(), 7000, null, h.now);
            process.decided(SocketRole.TCP_CLIENT, OffloadPath.OFFLOAD);
            process.socketOpened(OffloadPath.OFFLOAD);
            process.decided(SocketRole.UDP_SENDER, OffloadPath.KERNEL); // a socket the policy left to the kernel
            process.socketOpened(OffloadPath.KERNEL);
            h.settle();
            TcpConnection s = l.accept();
            process.socketOpened(OffloadPath.OFFLOAD);
            publisher.track(l);
            publisher.track(c);
            publisher.track(s);

            Thread stdin = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // until the parent closes our input
                    }
                } catch (java.io.IOException ignored) {
                    // closed
                }
            });
            byte[] chunk = new byte[16 * 1024];
            byte[] sink = new byte[64 * 1024];
            long moved = 0;
            boolean ready = false;
            while (stdin.isAlive()) {
                c.write(chunk, 0, chunk.length);
                h.stack.flush();
                h.now += 100_000;
                h.settle();
                publisher.recordPoll();
                for (int n; (n = s.read(sink, 0, sink.length)) > 0; ) {
                    moved += n;
                }
                if (publisher.publishIfDue(System.nanoTime()) && moved > 0 && !ready) {
                    ready = true;
                    System.out.println("READY " + ProcessHandle.current().pid());
                    System.out.flush();
                }
                Thread.sleep(2); // a modest, steady rate: the host's cores are shared
            }
            publisher.close();
        }
    }
}
