package io.flyover.provider.net;

import java.net.SocketOption;
import java.util.HashSet;
import java.util.Set;

/**
 * Socket options a channel supports, seen from {@code java.net}. The JDK's {@code SocketChannel} also lists
 * an internal {@code SO_OOBINLINE} (for its socket adaptor) that {@code java.net.Socket#supportedOptions()}
 * never shows; it is reached here by name to serve {@code Socket.setOOBInline}.
 */
final class ChannelOptions {
    private static final String OOB_INLINE = "SO_OOBINLINE";

    private ChannelOptions() {}

    /** The channel's options without the internal ones, as {@code NioSocketImpl#supportedOptions()} lists them. */
    static Set<SocketOption<?>> publicOptions(Set<SocketOption<?>> channelOptions) {
        Set<SocketOption<?>> options = new HashSet<>(channelOptions);
        options.removeIf(option -> option.name().equals(OOB_INLINE));
        return Set.copyOf(options);
    }

    /** As {@code NioSocketImpl}: an option the socket does not list is unsupported. */
    static void checkSupported(Set<SocketOption<?>> supported, SocketOption<?> option) {
        if (!supported.contains(option)) {
            throw new UnsupportedOperationException("'" + option + "' not supported");
        }
    }

    /** As {@code NioSocketImpl}: a supported option with a value of the wrong type is invalid. */
    static void checkValue(SocketOption<?> option, Object value) {
        if (!option.type().isInstance(value)) {
            throw new IllegalArgumentException("Invalid value '" + value + "'");
        }
    }

    /** The channel's own {@code SO_OOBINLINE} option, or {@code null} when it has none. */
    @SuppressWarnings("unchecked")
    static SocketOption<Boolean> oobInline(Set<SocketOption<?>> channelOptions) {
        for (SocketOption<?> option : channelOptions) {
            if (option.name().equals(OOB_INLINE) && option.type() == Boolean.class) {
                return (SocketOption<Boolean>) option;
            }
        }
        return null;
    }
}
