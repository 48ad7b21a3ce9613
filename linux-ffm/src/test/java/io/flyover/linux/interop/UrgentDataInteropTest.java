package io.flyover.linux.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.StackOnLink;
import io.flyover.linux.testing.StackRunner;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpSettings;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TCP urgent data between a Flyover stack (on TAP) and the kernel of a namespace, in both directions on one
 * connection: the kernel's {@code sendUrgentData} must leave the stream Flyover reads as Linux would leave
 * it, and Flyover's urgent byte must be the one the kernel takes out of the stream (SO_OOBINLINE off) or
 * keeps (on): the kernel checks the urgent pointer Flyover put on the wire.
 */
class UrgentDataInteropTest {
    private static final long SECOND = 1_000_000_000L;
    private static final int PORT = 7008;

    @ParameterizedTest(name = "SO_OOBINLINE {0}")
    @ValueSource(booleans = {false, true})
    void urgentDataAgreesWithTheKernelBothWays(boolean inline) throws Exception {
        try (StackOnLink link = StackOnLink.open(StackOnLink.Kind.TAP, "iu", 68);
             KernelPeerProcess peer = KernelPeerProcess.start(link.ns, "urgent-server", link.peerAddress(true),
                     String.valueOf(PORT), String.valueOf(inline))) {
            assertTrue(peer.await("PROVIDER", 60, TimeUnit.SECONDS).startsWith("PROVIDER sun.nio.ch."),
                    "the peer runs on the JDK's kernel sockets");
            peer.await("LISTENING", 60, TimeUnit.SECONDS);
            TcpSettings settings = new TcpSettings();
            settings.oobInline = inline;
            IpAddress local = link.address(true);
            IpAddress remote = IpAddress.parse(link.peerAddress(true));
            UrgentExchange exchange = link.runner.call(() -> new UrgentExchange(link.stack.tcp().connect(local.hi(),
                    local.lo(), 0, remote.hi(), remote.lo(), PORT, settings, System.nanoTime())));
            link.runner.add(exchange);
            assertTrue(link.runner.await(exchange::finished, 30 * SECOND), exchange.toString());
            assertNull(exchange.failure);
            assertEquals(inline ? "ab!cd" : "abcd", exchange.received.toString(),
                    "what Flyover reads of the kernel's \"ab\", urgent '!', \"cd\"");
            assertEquals("STREAM " + (inline ? "xy#zw" : "xyzw"), peer.await("STREAM", 30, TimeUnit.SECONDS),
                    "what the kernel reads of Flyover's \"xy\", urgent '#', \"zw\"");
            assertEquals(0, peer.waitFor(30, TimeUnit.SECONDS), peer.output());
            link.runner.remove(exchange);
        }
    }

    /** The stack's side, on the stack thread: sends "xy", urgent '#', "zw" and FIN; reads until EOF. */
    private static final class UrgentExchange implements StackRunner.Job {
        private final TcpConnection connection;
        private final byte[] in = new byte[256];
        final StringBuffer received = new StringBuffer();
        private boolean sent;
        volatile boolean endOfInput;
        volatile String failure;

        UrgentExchange(TcpConnection connection) {
            this.connection = connection;
        }

        @Override
        public boolean step(long now) {
            if (failure != null || endOfInput || !connection.isConnected()) {
                if (connection.error() != TcpConnection.Error.NONE && failure == null) {
                    failure = "connection failed: " + connection.error();
                }
                return false;
            }
            boolean progress = false;
            if (!sent) {
                // Each part is small and fits the empty send buffer at once.
                connection.write(bytes("xy"), 0, 2);
                connection.writeUrgent((byte) '#');
                connection.write(bytes("zw"), 0, 2);
                connection.shutdownOutput();
                sent = true;
                progress = true;
            }
            int n;
            while ((n = connection.read(in, 0, in.length)) > 0) {
                received.append(new String(in, 0, n, StandardCharsets.US_ASCII));
                progress = true;
            }
            if (n == TcpConnection.EOF) {
                endOfInput = true;
            } else if (n == TcpConnection.FAILED) {
                failure = "read failed: " + connection.error();
            }
            return progress;
        }

        boolean finished() {
            return failure != null || endOfInput;
        }

        private static byte[] bytes(String s) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public String toString() {
            return "received '" + received + "', sent " + sent + ", EOF " + endOfInput + ", " + connection
                    + (failure != null ? ", " + failure : "");
        }
    }
}
