package io.flyover.provider.channel;

import io.flyover.stack.tcp.TcpConnection;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;

/** The exceptions, with Linux's wording, that the JDK's channels throw for each TCP failure. */
final class Errors {
    private Errors() {}

    /** A connect that failed. */
    static IOException connectFailed(TcpConnection.Error e) {
        return switch (e) {
            case REFUSED, RESET -> new ConnectException("Connection refused");
            case TIMED_OUT -> new ConnectException("Connection timed out");
            case UNREACHABLE -> new NoRouteToHostException("No route to host");
            case ABORTED, NONE -> new ConnectException("Connection aborted");
        };
    }

    /** A read of a connection that failed. */
    static IOException readFailed(TcpConnection.Error e) {
        return switch (e) {
            case RESET, REFUSED -> new SocketException("Connection reset");
            case TIMED_OUT -> new SocketException("Connection timed out");
            case UNREACHABLE -> new NoRouteToHostException("No route to host");
            case ABORTED, NONE -> new SocketException("Software caused connection abort");
        };
    }

    /** A write to a connection that failed or whose peer is gone. */
    static IOException writeFailed(TcpConnection.Error e) {
        return switch (e) {
            case RESET, REFUSED -> new SocketException("Connection reset");
            case TIMED_OUT -> new SocketException("Connection timed out");
            case UNREACHABLE -> new NoRouteToHostException("No route to host");
            case ABORTED -> new SocketException("Software caused connection abort");
            case NONE -> new IOException("Broken pipe");
        };
    }
}
