package io.flyover.stack.tcp;

/**
 * A listening endpoint (RFC 9293 §3.10.1 passive OPEN) with its backlog: connections in SYN-RECEIVED
 * count against it, and established ones wait in the accept queue until {@link #accept()}. When the
 * backlog is full, SYNs are answered with SYN cookies (RFC 4987 §3.6) if enabled, or dropped.
 * Listeners that set SO_REUSEPORT may share their address and port: a reuseport group, over which the
 * layer spreads new connections (see {@link io.flyover.stack.net.ReusePortGroup}).
 */
public final class TcpListener {
    final TcpLayer layer;
    final long localHi, localLo;
    final int localPort;
    final int backlog;
    /** What accepted connections start from (a copy each); replaced by {@link #updateOptions}. */
    TcpSettings settings;
    /** SO_REUSEPORT: this listener may share its address and port with others that set it (read at their listen). */
    boolean reusePort;
    /** Enables SYN cookies when the backlog is full. */
    boolean synCookies = true;
    int embryonic;
    private final TcpConnection[] queue;
    private int head;
    private int size;
    boolean closed;

    TcpListener(TcpLayer layer, long localHi, long localLo, int localPort, int backlog, TcpSettings settings,
                boolean reusePort) {
        this.layer = layer;
        this.reusePort = reusePort;
        this.localHi = localHi;
        this.localLo = localLo;
        this.localPort = localPort;
        this.backlog = Math.max(backlog, 1);
        this.settings = settings;
        this.queue = new TcpConnection[this.backlog];
    }

    /** The object the layer above keeps with this socket (the provider's channel); the stack never reads it. */
    public Object attachment;

    /**
     * Options set on a listening socket apply to the connections it accepts from now on (Linux clones a
     * child from the listener: buffer sizes, IP_TOS, TCP_NODELAY, keep-alive, linger), including the
     * SYN-ACKs they send.
     */
    public void updateOptions(TcpSettings from) {
        settings = from.clone();
    }

    public long localAddressHi() { return localHi; }
    public long localAddressLo() { return localLo; }
    public int localPort() { return localPort; }
    public int backlog() { return backlog; }
    public boolean reusePort() { return reusePort; }

    /**
     * SO_REUSEPORT set after listening: as on Linux, a later listen on the same address and port by a socket
     * that sets it joins this one's group (the bind conflict check reads the option of the existing socket).
     */
    public void setReusePort(boolean on) { reusePort = on; }
    /** Connections waiting in {@link #accept()}. */
    public int pending() { return size; }
    /** Connections still in SYN-RECEIVED, counted against the backlog. */
    public int embryonic() { return embryonic; }
    public boolean isAcceptable() { return size > 0; }

    public void setSynCookies(boolean on) { synCookies = on; }

    /** The next established connection, or null when none is waiting. */
    public TcpConnection accept() {
        if (size == 0) {
            return null;
        }
        TcpConnection c = queue[head];
        queue[head] = null;
        head = (head + 1) % queue.length;
        size--;
        c.listener = null;
        return c;
    }

    boolean isFull() {
        return embryonic + size >= backlog;
    }

    boolean enqueue(TcpConnection c) {
        if (size == queue.length) {
            return false;
        }
        queue[(head + size) % queue.length] = c;
        size++;
        return true;
    }

    /** Stops listening; connections not yet accepted are reset. */
    public void close(long nowNanos) {
        if (closed) {
            return;
        }
        closed = true;
        while (size > 0) {
            accept().abort(nowNanos);
        }
        layer.closeListener(this, nowNanos);
    }
}
