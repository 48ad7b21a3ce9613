package io.flyover.provider.channel;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/** The socket adaptors' exception translation, as {@code sun.nio.ch.Net.translateException}. */
final class SocketExceptions {
    private SocketExceptions() {}

    static SocketException toSocketException(Exception x) {
        if (x instanceof SocketException se) {
            return se;
        }
        SocketException nx;
        if (x instanceof ClosedChannelException) {
            nx = new SocketException("Socket is closed");
        } else if (x instanceof NotYetConnectedException) {
            nx = new SocketException("Socket is not connected");
        } else if (x instanceof AlreadyBoundException) {
            nx = new SocketException("Already bound");
        } else if (x instanceof AlreadyConnectedException) {
            nx = new SocketException("Already connected");
        } else if (x instanceof NotYetBoundException) {
            nx = new SocketException("Socket is not bound yet");
        } else if (x instanceof UnsupportedAddressTypeException) {
            nx = new SocketException("Unsupported address type");
        } else if (x instanceof UnresolvedAddressException) {
            nx = new SocketException("Unresolved address");
        } else if (x instanceof IOException) {
            nx = new SocketException(x.getMessage());
        } else if (x instanceof RuntimeException re) {
            throw re;
        } else {
            throw new Error("Untranslated exception", x);
        }
        nx.initCause(x);
        return nx;
    }

    /** IOExceptions pass through; channel exceptions become SocketExceptions. */
    static IOException translate(Exception x) {
        if (x instanceof IOException io) {
            return io;
        }
        return toSocketException(x);
    }
}
