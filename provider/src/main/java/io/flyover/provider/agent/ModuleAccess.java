package io.flyover.provider.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code --add-exports}, {@code --add-opens} and {@code --enable-native-access} would give, granted from
 * inside the JVM through {@link Instrumentation#redefineModule} (agent jar manifests cannot carry them; only
 * an executable jar's {@code Add-Exports} is honoured):
 *
 * <ul>
 *   <li>{@code java.base/sun.nio.ch}: the JDK's kernel-socket provider, Flyover's fallback path;</li>
 *   <li>{@code java.base/jdk.internal.misc}: Agrona 2.x;</li>
 *   <li>{@code java.base/java.net} opened: the {@code DatagramPacket} and {@code NetworkInterface} internals
 *       the {@code DatagramSocket} factory needs to behave like the JDK's own;</li>
 *   <li>native access for the class path ({@code linux-ffm}, {@code verbs-ffm}), through
 *       {@code jdk.internal.module.Modules} (exported to the agent for that one call).</li>
 * </ul>
 */
final class ModuleAccess {
    static final List<String> EXPORTED = List.of("sun.nio.ch", "jdk.internal.misc");
    static final List<String> OPENED = List.of("java.net");
    private static final String MODULES = "jdk.internal.module.Modules";

    private ModuleAccess() {}

    /**
     * Exports and opens the {@code java.base} packages to {@code targets} and enables native access for the
     * unnamed modules.
     *
     * @return what could not be granted, one sentence each (empty when everything was)
     */
    static List<String> grant(Instrumentation instrumentation, Set<Module> targets, Module self) {
        List<String> problems = new ArrayList<>();
        Module javaBase = Object.class.getModule();
        if (!instrumentation.isModifiableModule(javaBase)) {
            problems.add("java.base cannot be modified by this agent: run with --add-exports java.base/sun.nio.ch=ALL-UNNAMED"
                    + " --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED");
            return problems;
        }
        Map<String, Set<Module>> exports = new HashMap<>();
        for (String pkg : EXPORTED) {
            exports.put(pkg, targets);
        }
        exports.put("jdk.internal.module", Set.of(self));
        Map<String, Set<Module>> opens = new HashMap<>();
        for (String pkg : OPENED) {
            opens.put(pkg, targets);
        }
        instrumentation.redefineModule(javaBase, Set.of(), exports, opens, Set.of(), Map.of());
        if (!self.isNativeAccessEnabled()) {
            try {
                Class.forName(MODULES).getMethod("addEnableNativeAccessToAllUnnamed").invoke(null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                problems.add("native access could not be enabled (" + e + "): add --enable-native-access=ALL-UNNAMED"
                        + " to silence the JDK's warning on the first native call");
            }
        }
        return problems;
    }
}
