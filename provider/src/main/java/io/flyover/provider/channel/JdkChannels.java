package io.flyover.provider.channel;

import java.lang.reflect.Method;
import java.nio.channels.SelectableChannel;

/** Reaches the JDK's internal channel hooks reflectively (the package is exported at run time only). */
final class JdkChannels {
    private static final Class<?> SEL_CH_IMPL;
    private static final Method KILL;

    static {
        Class<?> c = null;
        Method m = null;
        try {
            c = Class.forName("sun.nio.ch.SelChImpl");
            m = c.getMethod("kill");
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not reachable: a closed JDK channel then keeps its descriptor until collected
        }
        SEL_CH_IMPL = c;
        KILL = m;
    }

    private JdkChannels() {}

    /**
     * A JDK channel closed while registered defers the release of its descriptor until the last
     * selector deregisters it ({@code SelectorImpl.processDeregisterQueue}); a foreign selector that
     * deregisters last must finish that close itself.
     */
    static void killIfClosed(SelectableChannel ch) {
        if (KILL == null || ch.isOpen() || ch.isRegistered() || !SEL_CH_IMPL.isInstance(ch)) {
            return;
        }
        try {
            KILL.invoke(ch);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // best effort, as above
        }
    }
}
