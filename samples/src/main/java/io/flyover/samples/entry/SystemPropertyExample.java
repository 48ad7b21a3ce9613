package io.flyover.samples.entry;

import java.io.PrintStream;
import java.nio.channels.spi.SelectorProvider;
import java.util.ServiceConfigurationError;

/**
 * Entry point 1, the system property: the JDK builds {@link SelectorProvider#provider()} (and so every
 * {@code SocketChannel.open()}, {@code Selector.open()}, ...) from the class it names. No code change.
 * <pre>
 *   JAVA_OPTS=-Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider \
 *     samples/run io.flyover.samples.entry.SystemPropertyExample
 * </pre>
 * (any program: {@code java -Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider
 * -cp flyover-provider.jar:...:app.jar Main}, with the JVM flags of the README).
 */
public final class SystemPropertyExample {
    private SystemPropertyExample() {}

    static int run(PrintStream out, PrintStream err) throws Exception {
        String named = System.getProperty(LoopbackHello.PROVIDER_PROPERTY);
        if (!LoopbackHello.FLYOVER_PROVIDER.equals(named)) {
            err.println("start with -D" + LoopbackHello.PROVIDER_PROPERTY + "=" + LoopbackHello.FLYOVER_PROVIDER
                    + " (it is " + (named == null ? "not set" : named) + ")");
            return 2;
        }
        SelectorProvider provider;
        try {
            provider = SelectorProvider.provider();
        } catch (ServiceConfigurationError e) { // the JDK could not load or instantiate the named class
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            err.println(LoopbackHello.FLYOVER_PROVIDER + (cause instanceof ClassNotFoundException
                    ? " is not on the class path" : " could not be created: " + cause));
            return 1;
        }
        out.println("SelectorProvider.provider() is " + provider.getClass().getName() + "; echo: " + LoopbackHello.hello(provider));
        return 0;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out, System.err));
    }
}
