package io.flyover.provider.net;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two {@code java.net} internals a {@code DatagramSocketImpl} needs to behave like the JDK's own
 * {@code DatagramSocket}, reached as {@code sun.nio.ch.DatagramSocketAdaptor} reaches them; available when
 * {@code java.base/java.net} is open to this code ({@code --add-opens java.base/java.net=ALL-UNNAMED}, which
 * the Flyover agent adds).
 *
 * <ul>
 *   <li>A received datagram sets the packet's length but not its buffer length, so a packet reused in a
 *       receive loop still takes full-size datagrams after a short one. Without access, the public
 *       {@link DatagramPacket#setLength} is used, which also shrinks the buffer length (logged once).</li>
 *   <li>The placeholder interface with index 0 ("any"), used to join a group when no interface is given,
 *       so that the kernel picks the interface as it does for the JDK's {@code MulticastSocket}.</li>
 * </ul>
 */
final class JavaNetAccess {
    private JavaNetAccess() {}

    private static final class Handles {
        static final VarHandle LENGTH;
        static final VarHandle BUF_LENGTH;
        static final MethodHandle NEW_INTERFACE;

        static {
            VarHandle length = null;
            VarHandle bufLength = null;
            MethodHandle newInterface = null;
            try {
                MethodHandles.Lookup packet = MethodHandles.privateLookupIn(DatagramPacket.class, MethodHandles.lookup());
                length = packet.findVarHandle(DatagramPacket.class, "length", int.class);
                bufLength = packet.findVarHandle(DatagramPacket.class, "bufLength", int.class);
                MethodHandles.Lookup nif = MethodHandles.privateLookupIn(NetworkInterface.class, MethodHandles.lookup());
                newInterface = nif.findConstructor(NetworkInterface.class,
                        MethodType.methodType(void.class, String.class, int.class, InetAddress[].class));
            } catch (IllegalAccessException | NoSuchFieldException | NoSuchMethodException e) {
                // The logger is only looked up here: an application without SLF4J hears nothing when all is well.
                Logger log = LoggerFactory.getLogger(JavaNetAccess.class);
                log.warn("java.net is not open to Flyover ({}): a DatagramPacket reused for receive shrinks to the"
                        + " last datagram's length, as DatagramPacket.setLength does; run with"
                        + " --add-opens java.base/java.net=ALL-UNNAMED or with the Flyover agent", e.toString());
                length = null;
                bufLength = null;
                newInterface = null;
            }
            LENGTH = length;
            BUF_LENGTH = bufLength;
            NEW_INTERFACE = newInterface;
        }
    }

    /** Whether the internals are reachable (the packet and interface behaviour is then exactly the JDK's). */
    static boolean available() {
        return Handles.LENGTH != null;
    }

    /** The largest datagram {@code packet} can take: its buffer length, not its last received length. */
    static int receiveCapacity(DatagramPacket packet) {
        return Handles.BUF_LENGTH != null ? (int) Handles.BUF_LENGTH.get(packet) : packet.getLength();
    }

    /** Records the length of the datagram just received into {@code packet}, keeping its buffer length. */
    static void setReceivedLength(DatagramPacket packet, int length) {
        if (Handles.LENGTH != null) {
            Handles.LENGTH.set(packet, length);
        } else {
            packet.setLength(length);
        }
    }

    /** The interface with index 0 that lets the kernel choose, or {@code null} without access. */
    static NetworkInterface anyInterface() {
        if (Handles.NEW_INTERFACE == null) {
            return null;
        }
        InetAddress any = new InetSocketAddress(0).getAddress();
        try {
            return (NetworkInterface) Handles.NEW_INTERFACE.invoke(any.getHostName(), 0, new InetAddress[] {any});
        } catch (Throwable e) {
            throw new IllegalStateException("cannot make the placeholder NetworkInterface", e);
        }
    }
}
