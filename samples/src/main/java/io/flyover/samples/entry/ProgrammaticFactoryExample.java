package io.flyover.samples.entry;

import java.io.PrintStream;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;

/**
 * Entry point 3, the programmatic factory: the program asks Flyover for a provider, with its settings
 * in a map, and opens its channels from it, leaving the JVM's default provider alone:
 * <pre>
 *   SelectorProvider flyover = io.flyover.provider.Flyover.provider(Map.of("flyover.loopback.offload", "true"));
 *   SocketChannel channel = flyover.openSocketChannel();
 * </pre>
 * Run it:
 * <pre>
 *   samples/run io.flyover.samples.entry.ProgrammaticFactoryExample
 * </pre>
 * (Here the factory is called by name, so that the samples build before the provider exists.)
 */
public final class ProgrammaticFactoryExample {
    private ProgrammaticFactoryExample() {}

    static int run(PrintStream out, PrintStream err) throws Exception {
        Class<?> factory;
        try {
            factory = Class.forName(LoopbackHello.FLYOVER_FACTORY);
        } catch (ClassNotFoundException e) {
            err.println("Flyover's factory " + LoopbackHello.FLYOVER_FACTORY + " is not on the class path");
            return 1;
        }
        // Loopback offload on: the hello crosses Flyover's own stack rather than the kernel.
        SelectorProvider flyover = (SelectorProvider) factory.getMethod("provider", Map.class)
                .invoke(null, Map.of("flyover.loopback.offload", "true"));
        out.println("Flyover.provider(settings) is " + flyover.getClass().getName() + "; echo: " + LoopbackHello.hello(flyover));
        return 0;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out, System.err));
    }
}
