package io.flyover.provider.net;

import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Deque;

/** {@code java.net} sockets of one arm on the loopback address, all closed at the end of a test. */
final class NetLoopback implements AutoCloseable {
    static final InetAddress ADDRESS = InetAddress.getLoopbackAddress();

    private final JavaNetArm arm;
    private final Deque<Closeable> opened = new ArrayDeque<>();

    NetLoopback(JavaNetArm arm) {
        this.arm = arm;
    }

    <C extends Closeable> C track(C socket) {
        opened.push(socket);
        return socket;
    }

    Socket socket() throws IOException {
        return track(arm.socket());
    }

    ServerSocket server() throws IOException {
        ServerSocket server = track(arm.serverSocket());
        server.bind(new InetSocketAddress(ADDRESS, 0));
        return server;
    }

    DatagramSocket datagram() throws IOException {
        DatagramSocket socket = track(arm.datagramSocket());
        socket.bind(new InetSocketAddress(ADDRESS, 0));
        return socket;
    }

    record Pair(Socket client, Socket accepted) {}

    Pair connected() throws IOException {
        ServerSocket server = server();
        Socket client = socket();
        client.connect(server.getLocalSocketAddress());
        return new Pair(client, track(server.accept()));
    }

    /** A loopback port nobody listens on. */
    InetSocketAddress closedPort() throws IOException {
        try (ServerSocket probe = arm.serverSocket()) {
            probe.bind(new InetSocketAddress(ADDRESS, 0));
            return (InetSocketAddress) probe.getLocalSocketAddress();
        }
    }

    @Override
    public void close() throws IOException {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
    }
}
