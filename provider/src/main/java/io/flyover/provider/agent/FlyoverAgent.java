package io.flyover.provider.agent;

import io.flyover.provider.net.JavaNetFactories;
import java.io.PrintStream;
import java.lang.instrument.Instrumentation;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code -javaagent:} entry point, the JVM's answer to {@code LD_PRELOAD}: with one added flag an unmodified
 * application runs over Flyover,
 * <pre>  java -javaagent:flyover-agent.jar=loopback.offload=true -jar app.jar</pre>
 * In order, the agent
 * <ol>
 *   <li>applies its options ({@link AgentOptions}) as {@code flyover.*} system properties ({@code -D} on the
 *       command line wins over an agent option);</li>
 *   <li>grants the module exports the library needs ({@link ModuleAccess});</li>
 *   <li>makes Flyover the {@code SelectorProvider} unless the user chose one ({@link ProviderChoice});</li>
 *   <li>installs the {@code Socket}, {@code ServerSocket} and {@code DatagramSocket} factories
 *       ({@link JavaNetFactories}) so that {@code java.net} sockets ride on Flyover's channels too.</li>
 * </ol>
 * It prints a line on standard error only when something did not go as asked (or with
 * {@code agent.verbose=true}), because it runs before the application's logging is configured. What it did is
 * published as system properties {@value #STATE_PROVIDER} and {@value #STATE_FACTORIES}, and by {@link #status()}.
 */
public final class FlyoverAgent {
    /** The provider class the agent arranged, {@code jdk} when it left the JDK in charge, or the user's choice. */
    public static final String STATE_PROVIDER = "flyover.agent.state.provider";
    /** The {@code java.net} factories installed, comma-separated ({@code socket,serverSocket,datagramSocket}). */
    public static final String STATE_FACTORIES = "flyover.agent.state.factories";

    private static final String LINE_PREFIX = "flyover-agent: ";
    private static AgentStatus status;

    /**
     * What the agent did, for diagnostics and tests.
     *
     * @param provider the provider class serving {@code SelectorProvider.provider()}, or {@code jdk}
     * @param outcome how that came about: {@code flyover}, {@code flyover_already}, {@code user_choice},
     *     {@code disabled}, {@code flyover_absent} or {@code already_initialised}
     * @param factories the {@code java.net} factories installed, comma-separated (empty: none)
     * @param notes the lines the agent printed, one per problem
     */
    public record AgentStatus(String provider, String outcome, String factories, List<String> notes) {
        public AgentStatus {
            notes = List.copyOf(notes);
        }
    }

    private FlyoverAgent() {}

    /** Called by the JVM for {@code -javaagent:flyover-agent.jar[=options]}, before {@code main}. */
    public static void premain(String options, Instrumentation instrumentation) {
        start(options, instrumentation, System.err);
    }

    /** Called when the agent is loaded into a running JVM (the attach API, {@code jcmd JVMTI.agent_load}). */
    public static void agentmain(String options, Instrumentation instrumentation) {
        start(options, instrumentation, System.err);
    }

    /** What the agent did, or {@code null} when it has not run in this JVM. */
    public static synchronized AgentStatus status() {
        return status;
    }

    static synchronized AgentStatus start(String options, Instrumentation instrumentation, PrintStream out) {
        if (status != null) {
            out.println(LINE_PREFIX + "already started in this JVM; the second -javaagent is ignored");
            return status;
        }
        List<String> notes = new ArrayList<>();
        applyOptions(AgentOptions.parse(options), notes);
        AgentSettings settings = AgentSettings.read(propertiesSnapshot(), System.getenv());

        Module self = FlyoverAgent.class.getModule();
        Set<Module> targets = new LinkedHashSet<>(List.of(self, ClassLoader.getSystemClassLoader().getUnnamedModule()));
        notes.addAll(ModuleAccess.grant(instrumentation, targets, self));

        ClassLoader loader = FlyoverAgent.class.getClassLoader();
        ProviderChoice.Decision decision = ProviderChoice.decide(settings, instrumentation, loader);
        if (decision.message() != null) {
            notes.add(decision.message());
        }

        String factories = installFactories(settings, decision, notes);
        String provider = switch (decision.outcome()) {
            case FLYOVER, FLYOVER_ALREADY -> ProviderChoice.FLYOVER;
            case USER_CHOICE -> System.getProperty(ProviderChoice.PROPERTY);
            case DISABLED, FLYOVER_ABSENT, ALREADY_INITIALISED -> "jdk";
        };
        String outcome = decision.outcome().name().toLowerCase(Locale.ROOT);
        System.setProperty(STATE_PROVIDER, provider);
        System.setProperty(STATE_FACTORIES, factories);
        status = new AgentStatus(provider, outcome, factories, notes);

        for (String note : notes) {
            out.println(LINE_PREFIX + note);
        }
        if (settings.verbose()) {
            out.println(LINE_PREFIX + "channels: " + provider + " (" + outcome + "); java.net factories: "
                    + (factories.isEmpty() ? "none" : factories));
        }
        return status;
    }

    private static String installFactories(AgentSettings settings, ProviderChoice.Decision decision, List<String> notes) {
        Supplier<SelectorProvider> provider = switch (settings.factories()) {
            case NEVER -> null;
            case AUTO -> decision.factoryProvider();
            case ALWAYS -> decision.factoryProvider() != null ? decision.factoryProvider() : SelectorProvider::provider;
        };
        if (provider == null) {
            return "";
        }
        JavaNetFactories.Installation installation = JavaNetFactories.install(provider);
        notes.addAll(installation.problems());
        return installation.installedNames();
    }

    /** Agent options become system properties unless the command line already set them. */
    private static void applyOptions(Map<String, String> settings, List<String> notes) {
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            String existing = System.getProperty(setting.getKey());
            if (existing == null) {
                System.setProperty(setting.getKey(), setting.getValue());
            } else if (!existing.equals(setting.getValue())) {
                notes.add("-D" + setting.getKey() + "=" + existing + " wins over the agent option "
                        + setting.getKey() + "=" + setting.getValue());
            }
        }
    }

    private static Map<String, String> propertiesSnapshot() {
        Map<String, String> properties = new HashMap<>();
        System.getProperties().forEach((k, v) -> properties.put(String.valueOf(k), String.valueOf(v)));
        return properties;
    }
}
