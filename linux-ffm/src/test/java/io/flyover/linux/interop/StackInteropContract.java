package io.flyover.linux.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.testing.Shell;
import io.flyover.linux.testing.StackOnLink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a Flyover stack must do on every Linux device, with the kernel of a namespace as the peer:
 * answer ping and ping -6, and serve HTTP/1.1 to curl over IPv4 and IPv6.
 */
abstract class StackInteropContract {
    protected StackOnLink link;

    protected abstract StackOnLink open() throws Exception;

    @BeforeEach
    void openLink() throws Exception {
        link = open();
    }

    @AfterEach
    void closeLink() {
        if (link != null) {
            link.close();
        }
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void kernelPingIsAnsweredByTheStack(boolean v4) {
        int count = 5;
        Shell.Result ping = link.ns.tryExec("ping", v4 ? "-4" : "-6", "-n", "-c", String.valueOf(count), "-i", "0.2",
                "-W", "5", v4 ? link.ns.localIpv4() : link.ns.localIpv6());
        System.out.println(link.kind + (v4 ? " ping: " : " ping -6: ") + ping.output());
        assertEquals(0, ping.exitCode(), ping.output());
        assertTrue(ping.output().contains(count + " received"), ping.output());
        String counters = link.runner.call(() -> link.stack.counters().toString());
        System.out.println(link.kind + " stack counters: " + counters);
    }
}
