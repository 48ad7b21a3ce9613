package io.flyover.provider.agent;

import com.sun.net.httpserver.HttpServer;
import io.flyover.provider.net.JavaNetFactories;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The unmodified application {@link FlyoverAgentIT} starts in a child JVM with {@code -javaagent:}: plain
 * {@code java.net} and {@code java.net.http} code on the loopback address, printing {@code key=value} lines
 * about what happened and how (the agent's state, the factories' counters, the provider, the module access).
 */
public final class AgentScenario {
    private AgentScenario() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> facts = new TreeMap<>();
        InetAddress loopback = InetAddress.getLoopbackAddress();

        try (ServerSocket server = new ServerSocket(0, 50, loopback);
             Socket client = new Socket(loopback, server.getLocalPort());
             Socket accepted = server.accept()) {
            client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            InputStream in = accepted.getInputStream();
            byte[] got = in.readNBytes(4);
            OutputStream out = accepted.getOutputStream();
            out.write("pong".getBytes(StandardCharsets.US_ASCII));
            facts.put("tcp.server.got", new String(got, StandardCharsets.US_ASCII));
            facts.put("tcp.client.got", new String(client.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
        }

        try (DatagramSocket a = new DatagramSocket(0, loopback); DatagramSocket b = new DatagramSocket(0, loopback)) {
            a.send(new DatagramPacket(new byte[] {'u', 'd', 'p'}, 3, b.getLocalSocketAddress()));
            DatagramPacket in = new DatagramPacket(new byte[16], 16);
            b.setSoTimeout(10_000);
            b.receive(in);
            facts.put("udp.got", new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII));
        }

        facts.put("multicast.got", multicast(loopback));
        facts.put("http.got", http(loopback));

        facts.put("provider", SelectorProvider.provider().getClass().getName());
        if (SelectorProvider.provider().getClass().getName().equals("io.flyover.provider.FlyoverSelectorProvider")) {
            OffloadFacts.add(facts); // a separate class: it links to Flyover's, absent from some jars
        }
        facts.put("agent.state.provider", String.valueOf(System.getProperty(FlyoverAgent.STATE_PROVIDER)));
        facts.put("agent.state.factories", String.valueOf(System.getProperty(FlyoverAgent.STATE_FACTORIES)));
        facts.put("setting.loopback.offload", String.valueOf(System.getProperty("flyover.loopback.offload")));
        facts.put("factories.sockets", Long.toString(JavaNetFactories.socketsCreated()));
        facts.put("factories.serverSockets", Long.toString(JavaNetFactories.serverSocketsCreated()));
        facts.put("factories.datagramSockets", Long.toString(JavaNetFactories.datagramSocketsCreated()));
        Module self = AgentScenario.class.getModule();
        Module javaBase = Object.class.getModule();
        facts.put("exports.sun.nio.ch", Boolean.toString(javaBase.isExported("sun.nio.ch", self)));
        facts.put("exports.jdk.internal.misc", Boolean.toString(javaBase.isExported("jdk.internal.misc", self)));
        facts.put("opens.java.net", Boolean.toString(javaBase.isOpen("java.net", self)));
        facts.put("nativeAccess", Boolean.toString(self.isNativeAccessEnabled()));
        facts.forEach((k, v) -> System.out.println(k + "=" + v));
    }

    /** How the sockets above went: the provider's offload decisions and the loopback stack's frames. */
    private static final class OffloadFacts {
        static void add(Map<String, String> facts) {
            var flyover = (io.flyover.provider.FlyoverSelectorProvider) SelectorProvider.provider();
            var counters = flyover.counters();
            for (var role : io.flyover.provider.policy.SocketRole.values()) {
                facts.put("offload." + role.ruleName(), Long.toString(counters.offloaded(role)));
                facts.put("kernel." + role.ruleName(), Long.toString(counters.kernel(role)));
            }
            facts.put("offload.accepted", Long.toString(counters.accepted(io.flyover.provider.policy.OffloadPath.OFFLOAD)));
            long frames = 0;
            for (var stack : flyover.stacks()) {
                if (stack.isLoopback()) {
                    frames += stack.counters().rxFrames();
                }
            }
            facts.put("loopback.stack.rxFrames", Long.toString(frames));
        }
    }

    /** A MulticastSocket joins a group on the loopback interface and receives from it; "unsupported" if lo cannot. */
    private static String multicast(InetAddress loopback) throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(loopback);
        InetAddress group = InetAddress.getByName("239.255.77.2");
        try (MulticastSocket member = new MulticastSocket(0); MulticastSocket sender = new MulticastSocket(0)) {
            try {
                member.joinGroup(new InetSocketAddress(group, 0), lo);
            } catch (java.io.IOException e) {
                return "unsupported";
            }
            sender.setNetworkInterface(lo);
            sender.setOption(java.net.StandardSocketOptions.IP_MULTICAST_LOOP, true);
            sender.send(new DatagramPacket(new byte[] {'m'}, 1, new InetSocketAddress(group, member.getLocalPort())));
            DatagramPacket in = new DatagramPacket(new byte[4], 4);
            member.setSoTimeout(10_000);
            member.receive(in);
            member.leaveGroup(new InetSocketAddress(group, 0), lo);
            return new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII);
        }
    }

    /** {@code HttpClient} against {@code com.sun.net.httpserver.HttpServer}: both on {@code java.nio} channels. */
    private static String http(InetAddress loopback) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        server.createContext("/hello", exchange -> {
            byte[] body = "hello over http".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            URI uri = URI.create("http://" + loopback.getHostAddress() + ":" + server.getAddress().getPort() + "/hello");
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body();
        } finally {
            server.stop(0);
        }
    }
}
