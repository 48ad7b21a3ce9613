package io.flyover.linux.interop;

import io.flyover.linux.testing.StackOnLink;

/** A Flyover stack on AF_XDP (copy mode on the host end of a veth) against the namespace's kernel. */
class XdpStackInteropTest extends StackInteropContract {

    @Override
    protected StackOnLink open() throws Exception {
        return StackOnLink.open(StackOnLink.Kind.AF_XDP, "ix", 60);
    }
}
