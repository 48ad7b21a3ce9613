package io.flyover.provider.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.channels.MembershipKey;
import java.nio.channels.MulticastChannel;

/**
 * A multicast membership of a {@link FlyoverDatagramChannel}: on one of its Flyover sockets, or on its
 * kernel socket (then the kernel's own key does the work), as {@code sun.nio.ch.MembershipKeyImpl}.
 */
final class FlyoverMembershipKey extends MembershipKey {
    private final FlyoverDatagramChannel channel;
    private final InetAddress group;
    private final NetworkInterface interf;
    private final InetAddress source;
    private final FlyoverDatagramChannel.Part part;
    private final MembershipKey kernelKey;
    private volatile boolean invalid;

    FlyoverMembershipKey(FlyoverDatagramChannel channel, InetAddress group, NetworkInterface interf, InetAddress source,
            FlyoverDatagramChannel.Part part, MembershipKey kernelKey) {
        this.channel = channel;
        this.group = group;
        this.interf = interf;
        this.source = source;
        this.part = part;
        this.kernelKey = kernelKey;
    }

    /** Whether the membership is served by a Flyover socket (else by the kernel). */
    boolean isOffloaded() {
        return part != null;
    }

    @Override
    public boolean isValid() {
        return !invalid && (kernelKey == null || kernelKey.isValid());
    }

    void invalidate() {
        invalid = true;
    }

    @Override
    public void drop() {
        if (invalid) {
            return;
        }
        invalid = true;
        if (kernelKey != null) {
            kernelKey.drop();
        }
        channel.drop(this, part);
    }

    @Override
    public MembershipKey block(InetAddress source) throws IOException {
        if (kernelKey != null) {
            kernelKey.block(source);
            return this;
        }
        if (this.source != null) {
            throw new IllegalStateException("key is source-specific");
        }
        channel.block(this, part, source);
        return this;
    }

    @Override
    public MembershipKey unblock(InetAddress source) {
        if (kernelKey != null) {
            kernelKey.unblock(source);
            return this;
        }
        channel.unblock(this, part, source);
        return this;
    }

    @Override
    public MulticastChannel channel() {
        return channel;
    }

    @Override
    public InetAddress group() {
        return group;
    }

    @Override
    public NetworkInterface networkInterface() {
        return interf;
    }

    @Override
    public InetAddress sourceAddress() {
        return source;
    }

    @Override
    public String toString() {
        return "<" + group.getHostAddress() + "," + interf.getName() + (source == null ? "" : "," + source.getHostAddress())
                + (isOffloaded() ? ",flyover" : ",kernel") + ">";
    }
}
