package io.flyover.provider.differential;

import io.flyover.provider.kernel.JdkSelectorProvider;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * One side of the differential suite: a {@link SelectorProvider} every test runs against. The JDK's default
 * provider describes the behaviour to match; Flyover with loopback offload (client and server in one in-process
 * stack) must show the same results and exceptions.
 *
 * <p>Flyover's provider is loaded by name: on a branch without it, its arm is skipped through
 * {@link Assumptions} (the only skip in the suite); if the class is there but cannot be created, the arm fails.
 */
public final class ProviderArm {
    static final String FLYOVER_CLASS = "io.flyover.provider.FlyoverSelectorProvider";

    /** The JDK's own provider: kernel sockets. */
    public static final ProviderArm JDK = new ProviderArm("jdk", JdkSelectorProvider::get);
    /** Flyover serving 127.0.0.0/8 and ::1 from an in-process stack. */
    public static final ProviderArm FLYOVER_LOOPBACK = new ProviderArm("flyover-loopback", ProviderArm::flyoverLoopback);

    private final String name;
    private final Supplier<SelectorProvider> factory;
    private SelectorProvider provider;

    private ProviderArm(String name, Supplier<SelectorProvider> factory) {
        this.name = name;
        this.factory = factory;
    }

    /** Both arms, for {@code @MethodSource}. */
    public static Stream<ProviderArm> arms() {
        return Stream.of(JDK, FLYOVER_LOOPBACK);
    }

    /** This arm's provider (made once); aborts the test when Flyover's provider is not on this branch. */
    public synchronized SelectorProvider provider() {
        if (provider == null) {
            provider = factory.get();
        }
        return provider;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }

    private static SelectorProvider flyoverLoopback() {
        Class<?> flyover;
        try {
            flyover = Class.forName(FLYOVER_CLASS);
        } catch (ClassNotFoundException e) {
            Assumptions.abort(FLYOVER_CLASS + " is not on this branch: the Flyover arm runs after the merge");
            throw new AssertionError("unreachable");
        }
        try {
            Constructor<?> withSettings = flyover.getConstructor(Map.class);
            return (SelectorProvider) withSettings.newInstance(Map.of("flyover.loopback.offload", "true"));
        } catch (InvocationTargetException e) {
            throw new AssertionError("new " + FLYOVER_CLASS + "(flyover.loopback.offload=true) failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(FLYOVER_CLASS + " lacks the public (Map<String,String>) constructor", e);
        }
    }
}
