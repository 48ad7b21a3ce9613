/**
 * Flyover's provider on the module path: {@code java.nio.channels.spi.SelectorProvider} served by
 * {@link io.flyover.provider.FlyoverSelectorProvider}, found by {@code SelectorProvider.provider()} as the
 * class path's {@code META-INF/services} entry is. The devices come as automatic modules
 * ({@code io.flyover.linux}, {@code io.flyover.verbs}) through the {@code NetDeviceFactory} service.
 *
 * <p>Compiled apart from the rest (provider/pom.xml, execution {@code module-info}, at prepare-package)
 * so that the tests keep running on the class path.
 */
module io.flyover.provider {
    requires io.flyover.stack;
    requires org.agrona;
    requires org.slf4j;
    requires jdk.jfr;
    requires jdk.net;
    requires static java.instrument;

    exports io.flyover.provider;
    exports io.flyover.provider.agent;
    exports io.flyover.provider.channel;
    exports io.flyover.provider.config;
    exports io.flyover.provider.events;
    exports io.flyover.provider.kernel;
    exports io.flyover.provider.net;
    exports io.flyover.provider.policy;
    exports io.flyover.provider.runtime;
    exports io.flyover.provider.stats;

    // JFR reads the event classes reflectively
    opens io.flyover.provider.events to jdk.jfr;

    uses io.flyover.stack.device.NetDeviceFactory;

    provides java.nio.channels.spi.SelectorProvider with io.flyover.provider.FlyoverSelectorProvider;
}
