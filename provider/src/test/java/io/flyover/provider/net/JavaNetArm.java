package io.flyover.provider.net;

import io.flyover.provider.differential.ProviderArm;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.spi.SelectorProvider;
import java.util.stream.Stream;

/**
 * One way of making {@code java.net} sockets: the JDK's own implementation (the reference), or Flyover's
 * {@link ChannelSocketImpl} / {@link ChannelServerSocketImpl} / {@link ChannelDatagramSocketImpl} over the
 * channels of a provider arm. The channel arms go through the protected {@code Socket(SocketImpl)},
 * {@code ServerSocket(SocketImpl)} and {@code DatagramSocket(DatagramSocketImpl)} constructors, which is what the
 * {@code java.net} factories do for every socket, without changing this JVM's factories.
 */
abstract class JavaNetArm {
    private final String name;

    private JavaNetArm(String name) {
        this.name = name;
    }

    static final JavaNetArm JDK = new JavaNetArm("jdk-java.net") {
        @Override
        Socket socket() {
            return new Socket();
        }

        @Override
        ServerSocket serverSocket() throws IOException {
            return new ServerSocket();
        }

        @Override
        DatagramSocket datagramSocket() throws SocketException {
            return new DatagramSocket((SocketAddress) null);
        }
    };

    static final JavaNetArm CHANNELS_OVER_JDK = overChannels("channel-impls-over-jdk", ProviderArm.JDK);
    static final JavaNetArm CHANNELS_OVER_FLYOVER = overChannels("channel-impls-over-flyover-loopback", ProviderArm.FLYOVER_LOOPBACK);

    static Stream<JavaNetArm> arms() {
        return Stream.of(JDK, CHANNELS_OVER_JDK, CHANNELS_OVER_FLYOVER);
    }

    private static JavaNetArm overChannels(String name, ProviderArm providerArm) {
        return new JavaNetArm(name) {
            @Override
            Socket socket() throws SocketException {
                return new ChannelSocket(providerArm.provider());
            }

            @Override
            ServerSocket serverSocket() throws IOException {
                return new ChannelServerSocket(providerArm.provider());
            }

            @Override
            DatagramSocket datagramSocket() {
                return new DatagramSocket(new ChannelDatagramSocketImpl(providerArm.provider())) { };
            }
        };
    }

    /** An unconnected, unbound client socket. */
    abstract Socket socket() throws IOException;

    /** An unbound server socket. */
    abstract ServerSocket serverSocket() throws IOException;

    /** An unbound datagram socket. */
    abstract DatagramSocket datagramSocket() throws IOException;

    @Override
    public String toString() {
        return name;
    }

    private static final class ChannelSocket extends Socket {
        ChannelSocket(SelectorProvider provider) throws SocketException {
            super(new ChannelSocketImpl(provider));
        }
    }

    /** {@code ServerSocket.accept} with a custom implementation needs the client factory; this hands it one directly. */
    private static final class ChannelServerSocket extends ServerSocket {
        private final SelectorProvider provider;

        ChannelServerSocket(SelectorProvider provider) throws IOException {
            super(new ChannelServerSocketImpl(provider));
            this.provider = provider;
        }

        @Override
        public Socket accept() throws IOException {
            if (isClosed()) {
                throw new SocketException("Socket is closed");
            }
            if (!isBound()) {
                throw new SocketException("Socket is not bound yet");
            }
            Socket accepted = new ChannelSocket(provider);
            implAccept(accepted);
            return accepted;
        }
    }
}
