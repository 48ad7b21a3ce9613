package io.flyover.linux.interop;

import io.flyover.linux.testing.StackOnLink;

/** A Flyover stack on AF_PACKET (TPACKET_V3 ring) on the host end of a veth, the kernel in the namespace. */
class PacketStackInteropTest extends StackInteropContract {

    @Override
    protected StackOnLink open() throws Exception {
        return StackOnLink.open(StackOnLink.Kind.AF_PACKET, "ip", 62);
    }
}
