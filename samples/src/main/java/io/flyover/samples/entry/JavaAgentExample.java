package io.flyover.samples.entry;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;

/**
 * Entry point 4, {@code -javaagent:}, the JVM's answer to {@code LD_PRELOAD}: before {@code main} the
 * agent installs Flyover's provider, the {@code java.net} socket factories (so the blocking
 * {@link Socket}/{@link ServerSocket} API used below is covered too) and the module exports Flyover
 * needs, so not even the JVM flags are required:
 * <pre>
 *   JAVA_OPTS=-javaagent:provider/target/flyover-agent.jar \
 *     samples/run io.flyover.samples.entry.JavaAgentExample
 * </pre>
 * (any program: {@code java -javaagent:flyover-provider.jar -jar app.jar}).
 */
public final class JavaAgentExample {
    private JavaAgentExample() {}

    static int run(PrintStream out, PrintStream err) throws Exception {
        SelectorProvider provider = SelectorProvider.provider();
        boolean agent = ManagementFactory.getRuntimeMXBean().getInputArguments().stream().anyMatch(a -> a.startsWith("-javaagent:"));
        if (!agent || !LoopbackHello.isFlyover(provider)) {
            err.println("not running under Flyover's agent (" + (agent ? "an agent is there" : "no -javaagent:") + ", SelectorProvider.provider() is "
                    + provider.getClass().getName() + "): start with -javaagent:provider/target/flyover-agent.jar");
            return 1;
        }
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
            accepted.getOutputStream().write(accepted.getInputStream().readNBytes(5));
            String echo = new String(client.getInputStream().readNBytes(5), StandardCharsets.UTF_8);
            out.println("SelectorProvider.provider() is " + provider.getClass().getName() + "; java.net.Socket echo: " + echo);
        }
        return 0;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out, System.err));
    }
}
