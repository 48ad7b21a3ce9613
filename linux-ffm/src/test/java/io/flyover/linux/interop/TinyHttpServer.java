package io.flyover.linux.interop;

import io.flyover.linux.testing.StackRunner;
import io.flyover.stack.Stack;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small HTTP/1.1 server (RFC 9112) written straight on the stack's {@link TcpConnection}s, run as a
 * {@link StackRunner.Job}: GET and HEAD of fixed bodies, persistent connections with pipelining,
 * {@code Connection: close} honoured, 404 for unknown paths, 405 for other methods. Enough for curl.
 */
final class TinyHttpServer implements StackRunner.Job {
    private static final int MAX_HEADER_BYTES = 8192;

    private final TcpListener listener;
    private final Map<String, byte[]> routes;
    private final List<TcpConnection> open = new ArrayList<>();
    private volatile int accepted;
    private volatile int responses;

    private TinyHttpServer(TcpListener listener, Map<String, byte[]> routes) {
        this.listener = listener;
        this.routes = Map.copyOf(routes);
    }

    /** Listens on {@code port} of every address of {@code stack}; call on the stack thread. */
    static TinyHttpServer listen(Stack stack, int port, Map<String, byte[]> routes) {
        return new TinyHttpServer(stack.tcp().listen(0, 0, port, 16, null), routes);
    }

    /** Connections accepted so far. */
    int accepted() { return accepted; }

    /** Responses written completely into connections so far. */
    int responses() { return responses; }

    @Override
    public boolean step(long now) {
        boolean progress = false;
        TcpConnection c;
        while ((c = listener.accept()) != null) {
            c.attachment = new Exchange();
            open.add(c);
            accepted++;
            progress = true;
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            TcpConnection conn = open.get(i);
            Exchange x = (Exchange) conn.attachment;
            progress |= x.step(conn, now);
            if (x.finished) {
                open.remove(i);
            }
        }
        return progress;
    }

    /** One connection: the request bytes read so far and the response being written. */
    private final class Exchange {
        final byte[] request = new byte[MAX_HEADER_BYTES];
        int length;
        ByteBuffer response;
        boolean closeAfterResponse;
        boolean finished;

        boolean step(TcpConnection c, long now) {
            boolean progress = false;
            while (!finished) {
                if (response != null) {
                    int n = c.write(response);
                    if (n == TcpConnection.FAILED) {
                        c.close(now);
                        finished = true;
                        return true;
                    }
                    progress |= n > 0;
                    if (response.hasRemaining()) {
                        return progress;
                    }
                    response = null;
                    responses++;
                    if (closeAfterResponse) {
                        c.close(now);
                        finished = true;
                        return true;
                    }
                }
                int end = endOfHeaders();
                if (end >= 0) {
                    respond(end);
                    continue;
                }
                if (length == request.length) {
                    closeAfterResponse = true;
                    response = reply(431, "Request Header Fields Too Large", new byte[0], false);
                    continue;
                }
                int n = c.read(request, length, request.length - length);
                if (n > 0) {
                    length += n;
                    progress = true;
                } else if (n == TcpConnection.EOF || n == TcpConnection.FAILED) {
                    c.close(now); // the client is done (or gone): finish our side too
                    finished = true;
                    return true;
                } else {
                    return progress;
                }
            }
            return progress;
        }

        /** Index just past the first CRLF CRLF, or -1. */
        private int endOfHeaders() {
            for (int i = 3; i < length; i++) {
                if (request[i] == '\n' && request[i - 1] == '\r' && request[i - 2] == '\n' && request[i - 3] == '\r') {
                    return i + 1;
                }
            }
            return -1;
        }

        /** Parses the request in {@code [0, end)}, queues the response, keeps pipelined bytes after it. */
        private void respond(int end) {
            String head = new String(request, 0, end, StandardCharsets.ISO_8859_1);
            System.arraycopy(request, end, request, 0, length - end);
            length -= end;
            String[] lines = head.split("\r\n");
            String[] start = lines[0].split(" ");
            if (start.length != 3 || !start[2].startsWith("HTTP/1.")) {
                closeAfterResponse = true;
                response = reply(400, "Bad Request", new byte[0], false);
                return;
            }
            boolean http10 = start[2].equals("HTTP/1.0");
            String connection = "";
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("connection")) {
                    connection = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                }
            }
            // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
            closeAfterResponse = connection.contains("close") || http10 && !connection.contains("keep-alive");
            String method = start[0];
            if (!method.equals("GET") && !method.equals("HEAD")) {
                closeAfterResponse = true; // a body we do not read may follow
                response = reply(405, "Method Not Allowed", new byte[0], false);
                return;
            }
            byte[] body = routes.get(start[1]);
            boolean head0 = method.equals("HEAD");
            response = body == null
                    ? reply(404, "Not Found", "not found\n".getBytes(StandardCharsets.US_ASCII), head0)
                    : reply(200, "OK", body, head0);
        }

        private ByteBuffer reply(int status, String reason, byte[] body, boolean headOnly) {
            String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                    + "Server: flyover-test\r\n"
                    + "Content-Type: text/plain\r\n"
                    + (status == 405 ? "Allow: GET, HEAD\r\n" : "")
                    + "Content-Length: " + body.length + "\r\n"
                    + (closeAfterResponse ? "Connection: close\r\n" : "")
                    + "\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer b = ByteBuffer.allocate(h.length + (headOnly ? 0 : body.length));
            b.put(h);
            if (!headOnly) {
                b.put(body);
            }
            return b.flip();
        }
    }
}
