package io.flyover.samples.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The JDK's own HTTP server ({@code com.sun.net.httpserver.HttpServer}) serving a page and its HTTP
 * client ({@code java.net.http.HttpClient}) fetching it. Neither takes a provider: both open their
 * channels and selectors through the JVM's {@link SelectorProvider#provider()}, so started with a
 * Flyover entry point both run over Flyover, unmodified.
 *
 * <p>Fetch the page once and exit:
 * <pre>
 *   samples/run io.flyover.samples.http.HttpDemo
 * </pre>
 * Or keep serving on a port (then try {@code curl http://127.0.0.1:8080/}):
 * <pre>
 *   samples/run io.flyover.samples.http.HttpDemo serve 8080
 * </pre>
 * Over Flyover: {@code JAVA_OPTS=-Djava.nio.channels.spi.SelectorProvider=io.flyover.provider.FlyoverSelectorProvider}.
 */
public final class HttpDemo {
    private HttpDemo() {}

    /** Starts a server on {@code address} whose {@code /} page names the JVM's provider. */
    public static HttpServer serve(InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 50);
        server.createContext("/", HttpDemo::page);
        server.start();
        return server;
    }

    private static void page(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"/".equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = ("<!doctype html><title>Flyover</title><h1>Hello from Flyover's HTTP demo</h1>"
                    + "<p>Served over " + SelectorProvider.provider().getClass().getName() + "</p>\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Fetches {@code uri} with the JDK's HTTP client (HTTP/1.1). */
    public static HttpResponse<String> fetch(URI uri) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("serve")) {
            int port = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
            HttpServer server = serve(new InetSocketAddress(port));
            System.out.println("serving http://127.0.0.1:" + server.getAddress().getPort() + "/ over "
                    + SelectorProvider.provider().getClass().getName() + " (Ctrl-C stops)");
            return; // the server's dispatcher thread keeps the JVM running
        }
        serveAndFetchOnce(System.out);
    }

    /** Serves on a free loopback port, fetches the page once, prints the status line and the page, stops. */
    static void serveAndFetchOnce(PrintStream out) throws IOException, InterruptedException {
        HttpServer server = serve(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            HttpResponse<String> response = fetch(uri);
            out.println("GET " + uri + " -> " + response.statusCode() + " (" + response.version() + ")");
            out.print(response.body());
        } finally {
            server.stop(0);
        }
    }
}
