package io.flyover.provider.config;

import io.flyover.provider.policy.KernelRoutingTable;
import io.flyover.provider.policy.OffloadPolicy;
import io.flyover.provider.policy.OffloadRules;
import io.flyover.provider.runtime.FlyoverNetwork;
import io.flyover.provider.runtime.IdleStrategies;
import io.flyover.provider.runtime.StackRuntime;
import io.flyover.provider.stats.StatsFile;
import io.flyover.provider.stats.StatsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * Builds a provider's {@link FlyoverNetwork} from its {@link Settings}: the offload rules, the stacks of
 * the accelerated interfaces ({@code flyover.interfaces}, opened through the device factories found
 * by {@code ServiceLoader}), the loopback stack ({@code flyover.loopback.offload}), their stack threads.
 */
public final class NetworkFactory {
    /** Default {@code flyover.spin.nanos}: park at once (spinning pays only on cores the application owns). */
    public static final long DEFAULT_SPIN_NANOS = 0;

    private NetworkFactory() {}

    public static FlyoverNetwork create(Settings settings) {
        settings.validate();
        long spin = settings.getLong(SettingKeys.SPIN_NANOS, DEFAULT_SPIN_NANOS);
        String idle = settings.get(SettingKeys.IDLE, "backoff");
        IdleStrategies.parse(idle); // fail early on a bad name
        boolean loopback = settings.getBoolean(SettingKeys.LOOPBACK_OFFLOAD, false);
        OffloadRules rules = rules(settings);

        List<StackRuntime> runtimes = new ArrayList<>();
        try {
            for (String name : interfaces(settings)) {
                DeviceStacks.open(name, settings).ifPresent(runtimes::add);
            }
            StackRuntime lo = loopback ? LoopbackStacks.open(settings) : null;
            if (lo != null) {
                runtimes.add(lo);
            }
        } catch (IOException | RuntimeException e) {
            for (StackRuntime r : runtimes) {
                r.close();
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("Flyover cannot open its stacks", io);
            }
            throw (RuntimeException) e;
        }
        Set<String> served = new LinkedHashSet<>();
        for (StackRuntime r : runtimes) {
            served.add(r.isLoopback() ? KernelRoutingTable.LOOPBACK_INTERFACE : r.interfaceName());
        }
        OffloadPolicy policy = new OffloadPolicy(rules, cachedRoutes(), served::contains, loopback);
        StatsOptions statsOptions = StatsOptions.from(key -> settings.get(key).orElse(null));
        StatsFile stats = statsOptions.enabled() ? StatsFile.shared(statsOptions) : StatsFile.disabled();
        FlyoverNetwork network = new FlyoverNetwork(runtimes, policy, spin, stats);
        network.udpKernelPollRatio((int) settings.getLong(SettingKeys.UDP_KERNEL_POLL_RATIO,
                FlyoverNetwork.DEFAULT_UDP_KERNEL_POLL_RATIO));
        for (StackRuntime r : runtimes) {
            r.publishStats(stats, statsOptions.publishIntervalNanos());
            r.start(IdleStrategies.parse(idle), daemonThreads());
        }
        return network;
    }

    static List<String> interfaces(Settings settings) {
        List<String> out = new ArrayList<>();
        for (String s : settings.get(SettingKeys.INTERFACES, "").split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    static OffloadRules rules(Settings settings) {
        StringBuilder text = new StringBuilder();
        String origin = SettingKeys.RULES;
        var file = settings.get(SettingKeys.RULES_FILE);
        if (file.isPresent()) {
            try {
                text.append(Files.readString(Path.of(file.get()))).append('\n');
                origin = file.get();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + SettingKeys.RULES_FILE + " " + file.get(), e);
            }
        }
        settings.get(SettingKeys.RULES).ifPresent(text::append);
        return OffloadRules.parse(text.toString(), origin);
    }

    /** The kernel's routing table, re-read at most once a second. */
    static Supplier<KernelRoutingTable> cachedRoutes() {
        return new Supplier<>() {
            private KernelRoutingTable table;
            private long readAt;

            @Override
            public synchronized KernelRoutingTable get() {
                long now = System.nanoTime();
                if (table == null || now - readAt > 1_000_000_000L) {
                    table = KernelRoutingTable.readSystem();
                    readAt = now;
                }
                return table;
            }
        };
    }

    static ThreadFactory daemonThreads() {
        return r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        };
    }
}
