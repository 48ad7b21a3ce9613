package io.flyover.provider;

import java.util.concurrent.ThreadFactory;

/** Daemon threads for test stacks. */
final class NetworkFactoryThreads {
    static final ThreadFactory DAEMON = r -> {
        Thread t = new Thread(r);
        t.setDaemon(true);
        return t;
    };

    private NetworkFactoryThreads() {}
}
