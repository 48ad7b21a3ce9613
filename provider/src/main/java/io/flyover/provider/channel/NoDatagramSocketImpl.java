package io.flyover.provider.channel;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;

/** The implementation handed to {@code DatagramSocket}'s constructor by an adaptor that overrides every public method. */
final class NoDatagramSocketImpl extends DatagramSocketImpl {
    private static SocketException none() {
        return new SocketException("no datagram socket implementation behind a channel adaptor");
    }

    @Override protected void create() throws SocketException { throw none(); }
    @Override protected void bind(int lport, InetAddress laddr) throws SocketException { throw none(); }
    @Override protected void send(DatagramPacket p) throws IOException { throw none(); }
    @Override protected int peek(InetAddress i) throws IOException { throw none(); }
    @Override protected int peekData(DatagramPacket p) throws IOException { throw none(); }
    @Override protected void receive(DatagramPacket p) throws IOException { throw none(); }
    @Override protected void setTTL(byte ttl) throws IOException { throw none(); }
    @Override protected byte getTTL() throws IOException { throw none(); }
    @Override protected void setTimeToLive(int ttl) throws IOException { throw none(); }
    @Override protected int getTimeToLive() throws IOException { throw none(); }
    @Override protected void join(InetAddress inetaddr) throws IOException { throw none(); }
    @Override protected void leave(InetAddress inetaddr) throws IOException { throw none(); }
    @Override protected void joinGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException { throw none(); }
    @Override protected void leaveGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException { throw none(); }
    @Override protected void close() { }
    @Override public void setOption(int optID, Object value) throws SocketException { throw none(); }
    @Override public Object getOption(int optID) throws SocketException { throw none(); }
}
