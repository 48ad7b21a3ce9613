package io.flyover.samples.entry;

import java.io.PrintStream;
import java.nio.channels.spi.SelectorProvider;

/**
 * Entry point 2, the jar on the class path: with no system property set, the JDK takes the first
 * provider that a jar on the class path names in {@code META-INF/services/java.nio.channels.spi.SelectorProvider}.
 * Flyover's provider jar names {@code io.flyover.provider.FlyoverSelectorProvider} there, so adding
 * the jar is all it takes. No code change, no flag. The samples' own class path includes it:
 * <pre>
 *   samples/run io.flyover.samples.entry.ClassPathExample
 * </pre>
 * (any program: {@code java -cp flyover-provider.jar:...:app.jar Main}, with the JVM flags of the README).
 */
public final class ClassPathExample {
    private ClassPathExample() {}

    static int run(PrintStream out, PrintStream err) throws Exception {
        SelectorProvider provider = SelectorProvider.provider();
        if (!LoopbackHello.isFlyover(provider)) {
            err.println("SelectorProvider.provider() is " + provider.getClass().getName() + ": no jar on the class path names "
                    + LoopbackHello.FLYOVER_PROVIDER + " in META-INF/services/java.nio.channels.spi.SelectorProvider");
            return 1;
        }
        out.println("SelectorProvider.provider() is " + provider.getClass().getName() + "; echo: " + LoopbackHello.hello(provider));
        return 0;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out, System.err));
    }
}
