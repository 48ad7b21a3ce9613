package io.flyover.provider.net;

import java.net.SocketException;

/**
 * Checks the {@code Object} values of the integer-keyed {@link java.net.SocketOptions} interface (the one
 * {@code Socket.setTcpNoDelay} and friends go through), with {@code NioSocketImpl}'s messages.
 */
final class LegacyOptionValues {
    private LegacyOptionValues() {}

    static boolean booleanValue(Object value, String option) throws SocketException {
        if (!(value instanceof Boolean b)) {
            throw new SocketException("Bad value for " + option);
        }
        return b;
    }

    static int intValue(Object value, String option) throws SocketException {
        if (!(value instanceof Integer i)) {
            throw new SocketException("Bad value for " + option);
        }
        return i;
    }
}
