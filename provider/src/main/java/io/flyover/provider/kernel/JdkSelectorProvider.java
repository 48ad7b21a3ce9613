package io.flyover.provider.kernel;

import java.nio.channels.spi.SelectorProvider;

/**
 * The JDK's own kernel-socket provider ({@code sun.nio.ch.DefaultSelectorProvider}), reached whatever
 * {@code java.nio.channels.spi.SelectorProvider} names: Flyover's fallback path, and the baseline of
 * every comparison. Needs {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (the agent adds it).
 */
public final class JdkSelectorProvider {
    private static final String CLASS = "sun.nio.ch.DefaultSelectorProvider";

    private JdkSelectorProvider() {}

    /** The JDK's default provider; fails with the flag to add when the package is not exported. */
    public static SelectorProvider get() {
        try {
            // get() is declared to return sun.nio.ch.SelectorProviderImpl; call it by reflection on its name.
            return (SelectorProvider) Class.forName(CLASS).getMethod("get").invoke(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Flyover reaches the JDK's kernel sockets through " + CLASS
                    + ": run with --add-exports java.base/sun.nio.ch=ALL-UNNAMED (or with -javaagent:flyover.jar)", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot obtain the JDK's default SelectorProvider", e);
        }
    }
}
