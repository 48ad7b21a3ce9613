package io.flyover.samples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP pair on loopback. Both use the JVM's provider (the test JVM's: the JDK default unless a
 * Flyover jar on the class path names itself in META-INF/services), which the page reports.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpDemoTest {
    @Test
    void clientFetchesThePageTheServerServes() throws Exception {
        HttpServer server = HttpDemo.serve(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            HttpResponse<String> page = HttpDemo.fetch(base.resolve("/"));
            assertEquals(200, page.statusCode());
            assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(page.body().contains("<h1>Hello from Flyover's HTTP demo</h1>"), page.body());
            assertTrue(page.body().contains(SelectorProvider.provider().getClass().getName()), page.body());
            assertEquals(404, HttpDemo.fetch(base.resolve("/missing")).statusCode());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void printsTheStatusLineAndThePage() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        HttpDemo.serveAndFetchOnce(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(printed.matches("(?s)GET http://127\\.0\\.0\\.1:\\d+/ -> 200 \\(HTTP_1_1\\)\n<!doctype html>.*"), printed);
    }
}
