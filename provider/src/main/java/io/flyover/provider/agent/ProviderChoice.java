package io.flyover.provider.agent;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Modifier;
import java.nio.channels.spi.SelectorProvider;
import java.util.function.Supplier;

/**
 * Decides who serves {@code java.nio} channels once the agent has run, and which provider the {@code java.net}
 * factories should use.
 *
 * <p>{@code SelectorProvider.provider()} reads the system property {@code java.nio.channels.spi.SelectorProvider}
 * once, on its first call, and keeps the answer for the life of the JVM. So:
 * <ul>
 *   <li>a provider named by the user with {@code -Djava.nio.channels.spi.SelectorProvider} is left alone;</li>
 *   <li>without Flyover's provider class on the class path, the JDK stays in charge (one line says so);</li>
 *   <li>when {@code provider()} was already called before the agent ran (an agent attached to a running JVM,
 *       or an earlier agent that used NIO), setting the property would change nothing: the channels opened
 *       through {@code SelectorProvider.provider()} stay on the provider it returned, and the {@code java.net}
 *       sockets created from then on get a Flyover provider of their own;</li>
 *   <li>otherwise the property is set to Flyover's provider, which {@code provider()} will then load.</li>
 * </ul>
 */
final class ProviderChoice {
    static final String PROPERTY = "java.nio.channels.spi.SelectorProvider";
    static final String FLYOVER = "io.flyover.provider.FlyoverSelectorProvider";
    /** Loaded (and initialised at once) by the first {@code SelectorProvider.provider()} call. */
    private static final String PROVIDER_HOLDER = "java.nio.channels.spi.SelectorProvider$Holder";

    /** How the decision came out. */
    enum Outcome {
        /** The agent set the property: {@code SelectorProvider.provider()} will be Flyover. */
        FLYOVER,
        /** {@code SelectorProvider.provider()} already was Flyover when the agent ran. */
        FLYOVER_ALREADY,
        /** The user named a provider with {@code -Djava.nio.channels.spi.SelectorProvider}. */
        USER_CHOICE,
        /** {@code flyover.agent.provider=false}: the agent does not touch the provider. */
        DISABLED,
        /** Flyover's provider class is not on the class path: the JDK stays in charge. */
        FLYOVER_ABSENT,
        /** {@code provider()} was initialised to another provider before the agent ran. */
        ALREADY_INITIALISED
    }

    /**
     * The decision.
     *
     * @param flyoverServesChannels whether {@code SelectorProvider.provider()} is (or will be) Flyover
     * @param factoryProvider the provider for the {@code java.net} factories when Flyover can serve them, else
     *     {@code null}
     * @param message one line for the user when something is worth saying, else {@code null}
     */
    record Decision(Outcome outcome, boolean flyoverServesChannels, Supplier<SelectorProvider> factoryProvider,
                    String message) {}

    private ProviderChoice() {}

    static Decision decide(AgentSettings settings, Instrumentation instrumentation, ClassLoader loader) {
        String named = System.getProperty(PROPERTY);
        if (named != null) {
            boolean flyover = named.equals(FLYOVER);
            String message = flyover && flyoverClass(loader) == null
                    ? "-D" + PROPERTY + "=" + FLYOVER + " names a class that is not on the class path:"
                            + " the first use of java.nio will fail"
                    : null;
            return new Decision(Outcome.USER_CHOICE, flyover, flyover ? SelectorProvider::provider : null, message);
        }
        if (!settings.provider()) {
            return new Decision(Outcome.DISABLED, false, null, null);
        }
        Class<?> flyoverClass = flyoverClass(loader);
        if (flyoverClass == null) {
            return new Decision(Outcome.FLYOVER_ABSENT, false, null,
                    FLYOVER + " is not on the class path: the JDK's own sockets stay in charge");
        }
        if (providerInitialised(instrumentation)) {
            SelectorProvider current = SelectorProvider.provider();
            if (flyoverClass.isInstance(current)) {
                return new Decision(Outcome.FLYOVER_ALREADY, true, SelectorProvider::provider, null);
            }
            return new Decision(Outcome.ALREADY_INITIALISED, false, new OwnFlyoverProvider(flyoverClass),
                    "SelectorProvider.provider() was already initialised to " + current.getClass().getName()
                            + " before the agent ran: channels opened through it stay there;"
                            + " java.net sockets created from now on use a Flyover provider of their own");
        }
        System.setProperty(PROPERTY, FLYOVER);
        return new Decision(Outcome.FLYOVER, true, SelectorProvider::provider, null);
    }

    /** Flyover's provider class if it can be loaded and instantiated by {@code SelectorProvider}, else {@code null}. */
    static Class<?> flyoverClass(ClassLoader loader) {
        try {
            Class<?> found = Class.forName(FLYOVER, false, loader);
            if (!SelectorProvider.class.isAssignableFrom(found) || !Modifier.isPublic(found.getModifiers())) {
                return null;
            }
            found.getConstructor();
            return found;
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            return null;
        }
    }

    private static boolean providerInitialised(Instrumentation instrumentation) {
        for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
            if (loaded.getName().equals(PROVIDER_HOLDER)) {
                return true;
            }
        }
        return false;
    }

    /** One Flyover provider for the {@code java.net} factories, made on first use. */
    private static final class OwnFlyoverProvider implements Supplier<SelectorProvider> {
        private final Class<?> flyoverClass;
        private volatile SelectorProvider instance;

        OwnFlyoverProvider(Class<?> flyoverClass) {
            this.flyoverClass = flyoverClass;
        }

        @Override
        public SelectorProvider get() {
            SelectorProvider made = instance;
            if (made == null) {
                synchronized (this) {
                    made = instance;
                    if (made == null) {
                        try {
                            made = (SelectorProvider) flyoverClass.getConstructor().newInstance();
                        } catch (ReflectiveOperationException e) {
                            throw new IllegalStateException("cannot create " + flyoverClass.getName(), e);
                        }
                        instance = made;
                    }
                }
            }
            return made;
        }
    }
}
