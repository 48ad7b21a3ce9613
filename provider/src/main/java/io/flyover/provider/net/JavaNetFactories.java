package io.flyover.provider.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.DatagramSocketImplFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImplFactory;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The {@code java.net} socket factories that make {@code Socket}, {@code ServerSocket}, {@code DatagramSocket}
 * and {@code MulticastSocket} ride on channels of a {@link SelectorProvider} (normally
 * {@link SelectorProvider#provider()}, looked up at each socket's creation). Each {@code java.net} factory can
 * be set once per JVM ({@code Socket.setSocketImplFactory}, {@code ServerSocket.setSocketFactory},
 * {@code DatagramSocket.setDatagramSocketImplFactory}, all still present and deprecated since JDK 17);
 * {@link #install} sets those still free, and counts every socket implementation created through them.
 */
public final class JavaNetFactories {
    private static final AtomicLong SOCKETS = new AtomicLong();
    private static final AtomicLong SERVER_SOCKETS = new AtomicLong();
    private static final AtomicLong DATAGRAM_SOCKETS = new AtomicLong();

    private JavaNetFactories() {}

    /** What {@link #install} did: which factories are now Flyover's, and why the others are not. */
    public record Installation(boolean socket, boolean serverSocket, boolean datagramSocket, List<String> problems) {
        public Installation {
            problems = List.copyOf(problems);
        }

        /** The installed factories as a comma-separated list ({@code socket,serverSocket,datagramSocket}). */
        public String installedNames() {
            List<String> names = new ArrayList<>();
            if (socket) {
                names.add("socket");
            }
            if (serverSocket) {
                names.add("serverSocket");
            }
            if (datagramSocket) {
                names.add("datagramSocket");
            }
            return String.join(",", names);
        }
    }

    /** Client sockets (including those {@code ServerSocket.accept} returns) over {@code provider}'s channels. */
    public static SocketImplFactory socketFactory(Supplier<SelectorProvider> provider) {
        Objects.requireNonNull(provider, "provider");
        return () -> {
            SOCKETS.incrementAndGet();
            return new ChannelSocketImpl(provider.get());
        };
    }

    /** Server sockets over {@code provider}'s channels. */
    public static SocketImplFactory serverSocketFactory(Supplier<SelectorProvider> provider) {
        Objects.requireNonNull(provider, "provider");
        return () -> {
            SERVER_SOCKETS.incrementAndGet();
            return new ChannelServerSocketImpl(provider.get());
        };
    }

    /** Datagram and multicast sockets over {@code provider}'s channels. */
    public static DatagramSocketImplFactory datagramSocketFactory(Supplier<SelectorProvider> provider) {
        Objects.requireNonNull(provider, "provider");
        return () -> {
            DATAGRAM_SOCKETS.incrementAndGet();
            return new ChannelDatagramSocketImpl(provider.get());
        };
    }

    /**
     * Sets the three {@code java.net} factories. The server factory is only set together with the client one:
     * {@code ServerSocket.accept} takes the accepted socket's implementation from the client factory, and a
     * Flyover server can only hand its connections to a Flyover socket.
     */
    @SuppressWarnings("deprecation")
    public static synchronized Installation install(Supplier<SelectorProvider> provider) {
        List<String> problems = new ArrayList<>();
        boolean socket = false;
        boolean serverSocket = false;
        boolean datagramSocket = false;
        try {
            Socket.setSocketImplFactory(socketFactory(provider));
            socket = true;
        } catch (IOException e) {
            problems.add("Socket.setSocketImplFactory: " + e.getMessage() + " (client and server sockets stay the JDK's)");
        }
        if (socket) {
            try {
                ServerSocket.setSocketFactory(serverSocketFactory(provider));
                serverSocket = true;
            } catch (IOException e) {
                problems.add("ServerSocket.setSocketFactory: " + e.getMessage());
            }
        }
        try {
            DatagramSocket.setDatagramSocketImplFactory(datagramSocketFactory(provider));
            datagramSocket = true;
        } catch (IOException e) {
            problems.add("DatagramSocket.setDatagramSocketImplFactory: " + e.getMessage());
        }
        return new Installation(socket, serverSocket, datagramSocket, problems);
    }

    /** Client socket implementations created by {@link #socketFactory} factories (accepted ones included). */
    public static long socketsCreated() {
        return SOCKETS.get();
    }

    /** Server socket implementations created by {@link #serverSocketFactory} factories. */
    public static long serverSocketsCreated() {
        return SERVER_SOCKETS.get();
    }

    /** Datagram socket implementations created by {@link #datagramSocketFactory} factories. */
    public static long datagramSocketsCreated() {
        return DATAGRAM_SOCKETS.get();
    }
}
