package io.flyover.provider;

import java.nio.channels.spi.SelectorProvider;
import java.util.Map;

/**
 * The programmatic way in: a Flyover provider without installing it as the JVM's default, for an
 * application (or a Netty {@code NioEventLoopGroup}) that takes a {@link SelectorProvider}.
 */
public final class Flyover {
    private static volatile FlyoverSelectorProvider shared;

    private Flyover() {}

    /**
     * The process's provider: the installed default when it is Flyover's, else one configured from
     * system properties and the environment, created on first use and shared.
     */
    public static FlyoverSelectorProvider provider() {
        if (SelectorProvider.provider() instanceof FlyoverSelectorProvider installed) {
            return installed;
        }
        FlyoverSelectorProvider p = shared;
        if (p == null) {
            synchronized (Flyover.class) {
                p = shared;
                if (p == null) {
                    p = new FlyoverSelectorProvider();
                    shared = p;
                }
            }
        }
        return p;
    }

    /** A new provider configured from {@code settings} (then system properties and the environment); close it when done. */
    public static FlyoverSelectorProvider provider(Map<String, String> settings) {
        return new FlyoverSelectorProvider(settings);
    }
}
