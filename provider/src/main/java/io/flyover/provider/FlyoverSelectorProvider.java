package io.flyover.provider;

import io.flyover.provider.channel.Channels;
import io.flyover.provider.config.NetworkFactory;
import io.flyover.provider.config.Settings;
import io.flyover.provider.kernel.JdkSelectorProvider;
import io.flyover.provider.runtime.FlyoverNetwork;
import io.flyover.provider.runtime.ProviderCounters;
import io.flyover.provider.runtime.StackRuntime;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Flyover's {@link SelectorProvider}: TCP and UDP channels over Flyover's user-space stacks, each
 * socket falling back to the kernel (the JDK's default provider) when the offload policy says so, and a
 * selector that serves both kinds at once. UNIX-domain channels and pipes are the JDK's own.
 *
 * <p>Install it with {@code -Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider},
 * through the jar's {@code META-INF/services} entry, or programmatically ({@link Flyover}). Configuration
 * comes from {@code flyover.*} system properties and {@code FLYOVER_*} environment variables
 * ({@link io.flyover.provider.config.SettingKeys}).
 */
public class FlyoverSelectorProvider extends SelectorProvider implements AutoCloseable {
    private final FlyoverNetwork network;
    private final SelectorProvider kernel;

    /** Configured from system properties and the environment. */
    public FlyoverSelectorProvider() {
        this(NetworkFactory.create(Settings.fromSystem()));
    }

    /** Configured from {@code settings} first, then system properties and the environment. */
    public FlyoverSelectorProvider(Map<String, String> settings) {
        this(NetworkFactory.create(Settings.of(settings)));
    }

    /** Over a network built elsewhere (tests inject stacks over software links here). */
    FlyoverSelectorProvider(FlyoverNetwork network) {
        this.network = Objects.requireNonNull(network);
        this.kernel = JdkSelectorProvider.get();
    }

    /** Which path each socket took: offloaded versus kernel, per role. */
    public ProviderCounters counters() {
        return network.counters();
    }

    /**
     * The process's statistics file ({@code flyover-stat} reads it), or null when {@code flyover.stats}
     * is false or the file could not be created. One per process: every provider shares it.
     */
    public java.nio.file.Path statsFile() {
        return network.stats().path();
    }

    /** The stacks this provider drives (empty when everything goes to the kernel). */
    public List<StackRuntime> stacks() {
        return network.runtimes();
    }

    FlyoverNetwork network() {
        return network;
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return Channels.socket(this, network, kernel, null);
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
        Objects.requireNonNull(family);
        if (!Channels.isInet(family)) {
            return kernel.openSocketChannel(family);
        }
        return Channels.socket(this, network, kernel, family);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return Channels.serverSocket(this, network, kernel, null);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
        Objects.requireNonNull(family);
        if (!Channels.isInet(family)) {
            return kernel.openServerSocketChannel(family);
        }
        return Channels.serverSocket(this, network, kernel, family);
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        return Channels.datagram(this, network, kernel, null);
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        Objects.requireNonNull(family);
        return Channels.datagram(this, network, kernel, family);
    }

    @Override
    public Pipe openPipe() throws IOException {
        return kernel.openPipe();
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return Channels.selector(this, network, kernel);
    }

    @Override
    public Channel inheritedChannel() throws IOException {
        return kernel.inheritedChannel();
    }

    /** Stops the stack threads and closes the stacks and their devices. Channels still open fail afterwards. */
    @Override
    public void close() {
        network.close();
    }

    @Override
    public String toString() {
        return "FlyoverSelectorProvider" + network.runtimes().stream().map(StackRuntime::interfaceName).toList();
    }
}
